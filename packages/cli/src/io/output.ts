/**
 * Writing key files. Private keys and secrets are created with mode 0600, and existing files are never
 * replaced unless asked: overwriting a key by accident cannot be undone.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { rename, rm, writeFile } from 'node:fs/promises'
import { CliError, EXIT_UNAVAILABLE } from '../cli/errors.js'

export async function writeKeyFile(path: string, content: string, options: { secret: boolean; force: boolean }): Promise<void> {
  const mode = options.secret ? 0o600 : 0o644
  try {
    if (!options.force) {
      await writeFile(path, content, { mode, flag: 'wx' })
      return
    }
    // Replacing: write a fresh file (created with its final mode, so a secret is never readable by
    // others, even briefly) and rename it over the old one. rename replaces a symlink itself instead
    // of writing through it to wherever it points.
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`
    await writeFile(temp, content, { mode, flag: 'wx' })
    await rename(temp, path).catch(async (error: unknown) => {
      await rm(temp, { force: true })
      throw error
    })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason = code === 'EEXIST' ? 'it exists (pass --force to replace it)' : code === 'ENOENT' ? 'no such directory' : (error as Error).message
    throw new CliError(`cannot write "${path}": ${reason}`, EXIT_UNAVAILABLE, { cause: error })
  }
}
