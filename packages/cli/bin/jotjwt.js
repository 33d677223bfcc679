#!/usr/bin/env node
// The `jotjwt` command. This file is committed so npm can link the command at install time, before
// the build has run; the command itself is the built dist/main.js (run `npm run build` if it is missing).
import { existsSync } from 'node:fs'

const main = new URL('../dist/main.js', import.meta.url)
if (!existsSync(main)) {
  process.stderr.write('jotjwt: the command is not built yet; run `npm run build` in the repository, then try again\n')
  process.exit(3)
}
await import(main.href)
