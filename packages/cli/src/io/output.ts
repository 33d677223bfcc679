/**
 * Writing key files. Private keys and secrets are created with mode 0600, and existing files are never
 * replaced unless asked: overwriting a key by accident cannot be undone.
 *
 * A key pair is written as a set: a private key beside somebody else's public key (or a public key
 * whose private half was never saved) is worse than no files at all. So every target is checked
 * before anything is written, every file is first written in full under a temporary name beside its
 * target, and only then are they put in place; if that fails part way, the files this run created
 * are removed again.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { copyFile, link, lstat, rename, rm, writeFile } from 'node:fs/promises'
import { CliError, EXIT_UNAVAILABLE } from '../cli/errors.js'

export interface KeyFile {
  path: string
  content: string
  /** A private key or secret: mode 0600 instead of 0644. */
  secret: boolean
}

function cannotWrite(path: string, error: unknown): CliError {
  const code = (error as NodeJS.ErrnoException).code
  const reason =
    code === 'EEXIST'
      ? 'it exists (pass --force to replace it)'
      : code === 'ENOENT'
        ? 'no such directory'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied'
            : (error as Error).message
  return new CliError(`cannot write "${path}": ${reason}`, EXIT_UNAVAILABLE, { cause: error })
}

/** Refuses a target that exists (unless replacing) or that no file can replace (a directory). */
async function checkTarget(path: string, force: boolean): Promise<void> {
  let stats
  try {
    stats = await lstat(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw cannotWrite(path, error)
  }
  if (stats.isDirectory()) throw cannotWrite(path, Object.assign(new Error('is a directory'), { code: 'EISDIR' }))
  if (!force) throw cannotWrite(path, Object.assign(new Error('exists'), { code: 'EEXIST' }))
}

/** Hard links cannot be made on some file systems (FAT, some network and container mounts). */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'])

/**
 * Puts a finished temporary file at `path` without replacing anything: link(2) fails if `path`
 * exists, so a file created meanwhile is not overwritten either. Where links are unsupported, an
 * exclusive copy does the same (the copy gets the temporary file's mode).
 */
async function placeNew(temp: string, path: string): Promise<void> {
  try {
    await link(temp, path)
  } catch (error) {
    if (!NO_LINKS.has((error as NodeJS.ErrnoException).code ?? '')) throw error
    await copyFile(temp, path, constants.COPYFILE_EXCL)
  }
}

/**
 * Writes all `files` or none. With `force`, existing files are replaced by rename(2), which swaps in
 * a file created with its final mode (so a secret is never readable by others, even briefly) and
 * replaces a symlink itself instead of writing through it to wherever it points. The checks and the
 * temporary files (written in the same directories) leave a rename little to fail on; should one
 * fail anyway, files that did not exist before are removed, but a file already replaced stays so.
 */
export async function writeKeyFiles(files: readonly KeyFile[], options: { force: boolean }): Promise<void> {
  for (const file of files) await checkTarget(file.path, options.force)

  const staged: { file: KeyFile; temp: string }[] = []
  const created: string[] = []
  let current = files[0]?.path ?? ''
  try {
    for (const file of files) {
      current = file.path
      // A fresh random name, created exclusively: whatever is found there later is ours to remove.
      const temp = `${file.path}.${randomBytes(6).toString('hex')}.tmp`
      staged.push({ file, temp })
      await writeFile(temp, file.content, { mode: file.secret ? 0o600 : 0o644, flag: 'wx' })
    }
    for (const { file, temp } of staged) {
      current = file.path
      const existed = options.force && (await lstat(file.path).then(() => true, () => false))
      if (options.force) await rename(temp, file.path)
      else await placeNew(temp, file.path)
      if (!existed) created.push(file.path)
    }
  } catch (error) {
    // allSettled: a failed cleanup must not replace the error that explains the failure.
    await Promise.allSettled(created.map((path) => rm(path, { force: true })))
    throw cannotWrite(current, error)
  } finally {
    // After link (or copy) the temporary name remains; after rename it is gone and rm does nothing.
    await Promise.allSettled(staged.map(({ temp }) => rm(temp, { force: true })))
  }
}
