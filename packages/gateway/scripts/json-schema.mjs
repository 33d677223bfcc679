// Writes gateway.schema.json (JSON Schema for editors, e.g. `# yaml-language-server: $schema=...`)
// from the same zod schema that validates configurations, so the two cannot disagree.
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { gatewayConfigSchema } from '../dist/config/schema.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const schema = z.toJSONSchema(gatewayConfigSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' })
schema.title = 'jotjwt gateway configuration'
writeFileSync(join(root, 'gateway.schema.json'), `${JSON.stringify(schema, null, 2)}\n`)
