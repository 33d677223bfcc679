/**
 * Writing key files. Private keys and secrets are created with mode 0600, and existing files are never
 * replaced unless asked: overwriting a key by accident cannot be undone.
 * @module
 */
import { chmod, writeFile } from 'node:fs/promises'
import { CliError, EXIT_UNAVAILABLE } from '../cli/errors.js'

export async function writeKeyFile(path: string, content: string, options: { secret: boolean; force: boolean }): Promise<void> {
  try {
    await writeFile(path, content, { mode: options.secret ? 0o600 : 0o644, flag: options.force ? 'w' : 'wx' })
    // `mode` applies only when the file is created; a replaced key file must not keep wider rights.
    if (options.secret && options.force) await chmod(path, 0o600)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason = code === 'EEXIST' ? 'it exists (pass --force to replace it)' : code === 'ENOENT' ? 'no such directory' : (error as Error).message
    throw new CliError(`cannot write "${path}": ${reason}`, EXIT_UNAVAILABLE, { cause: error })
  }
}
