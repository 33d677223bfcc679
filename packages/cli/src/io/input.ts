/**
 * Reading tokens, claims and keys from arguments, files, environment variables and stdin. Stdin can
 * be read once per run, so two inputs asking for `-` is a usage error rather than a silent hang.
 * File and variable names appear in messages; their contents never do (they may be secrets).
 * @module
 */
import { readFile } from 'node:fs/promises'
import { CliError, EXIT_UNAVAILABLE, UsageError } from '../cli/errors.js'

export interface StdinReader {
  readonly isTTY: boolean
  read(purpose: string): Promise<Uint8Array>
}

export function createStdinReader(stream: NodeJS.ReadableStream & { isTTY?: boolean }): StdinReader {
  let usedFor: string | undefined
  return {
    isTTY: stream.isTTY === true,
    async read(purpose) {
      if (usedFor !== undefined) throw new UsageError(`stdin already provides the ${usedFor}; it cannot also provide the ${purpose}`)
      usedFor = purpose
      const chunks: Uint8Array[] = []
      for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
      return Buffer.concat(chunks)
    },
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code === 'EISDIR') return 'is a directory'
  return error instanceof Error ? error.message : String(error)
}

/** Reads `path`, or stdin for `-`. */
export async function readSource(path: string, purpose: string, stdin: StdinReader): Promise<Uint8Array> {
  if (path === '-') return stdin.read(purpose)
  try {
    return await readFile(path)
  } catch (error) {
    throw new CliError(`cannot read the ${purpose} file "${path}": ${describeFsError(error)}`, EXIT_UNAVAILABLE, { cause: error })
  }
}

/** Reads a variable's value, e.g. a secret kept out of shell history and process listings. */
export function readEnv(name: string, purpose: string, env: NodeJS.ProcessEnv): Uint8Array {
  const value = env[name]
  if (value === undefined || value === '') throw new UsageError(`the environment variable ${name} (${purpose}) is not set`)
  return Buffer.from(value, 'utf8')
}

export function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf8')
}

/**
 * Tokens are pasted from documents, logs and HTTP headers: drop an `Authorization: Bearer` prefix,
 * surrounding quotes, and every whitespace character (line wraps, indentation). None of those can
 * occur inside a compact JWS or JWE (RFC 7515 §7.1: base64url and dots only), so removing them never
 * changes a valid token.
 */
export function normalizeToken(text: string): string {
  const token = text
    .trim()
    .replace(/^authorization:\s*/i, '')
    .replace(/^bearer\s+/i, '')
    .replace(/^(["'])([\s\S]*)\1$/, '$2')
    .replace(/\s+/g, '')
  if (token === '') throw new UsageError('the token is empty')
  return token
}

/** The token from the argument, `-`, or piped stdin; a terminal with no argument is a usage error. */
export async function readToken(argument: string | undefined, stdin: StdinReader): Promise<string> {
  if (argument !== undefined && argument !== '-') return normalizeToken(argument)
  if (argument === undefined && stdin.isTTY) throw new UsageError('no token: pass it as an argument, or pipe it in')
  return normalizeToken(utf8(await stdin.read('token')))
}
