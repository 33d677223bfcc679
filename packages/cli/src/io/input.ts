/**
 * Reading tokens, claims and keys from arguments, files, environment variables and stdin. Stdin can
 * be read once per run, so two inputs asking for `-` is a usage error rather than a silent hang.
 * File and variable names appear in messages; their contents never do (they may be secrets).
 * Files and stdin are read up to {@link MAX_INPUT_BYTES}, so `jotjwt key /dev/zero` or a runaway pipe
 * fails at once instead of filling memory.
 * @module
 */
import { createReadStream } from 'node:fs'
import { CliError, EXIT_INVALID, EXIT_UNAVAILABLE, UsageError } from '../cli/errors.js'
import { DISPLAY_MAX_TOKEN_LENGTH } from '../token/compact.js'

/**
 * The most one input (token, claims, key, key set) may be: four times the longest token the CLI
 * hands the library (1 MiB, {@link DISPLAY_MAX_TOKEN_LENGTH}), leaving room for the line breaks and
 * indentation of a pasted token. Keys and key sets are far smaller (the library refuses a fetched
 * JWKS over 512 KiB), so anything larger is not something jot could accept anyway.
 */
export const MAX_INPUT_BYTES = 4 * DISPLAY_MAX_TOKEN_LENGTH

/** Collects `chunks` into one buffer, stopping (and so ending the read) once they pass the limit. */
async function readLimited(chunks: AsyncIterable<Uint8Array | string>, what: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  let total = 0
  for await (const chunk of chunks) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    total += bytes.length
    if (total > MAX_INPUT_BYTES) {
      throw new CliError(`cannot read ${what}: it is larger than ${MAX_INPUT_BYTES / (1 << 20)} MiB, the most jot reads for one input`, EXIT_INVALID)
    }
    parts.push(bytes)
  }
  return Buffer.concat(parts)
}

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
      return readLimited(stream as AsyncIterable<Uint8Array | string>, `the ${purpose} on stdin`)
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
    // A stream, not readFile: a device or FIFO has no size to check first, and is read only up to the limit.
    return await readLimited(createReadStream(path), `the ${purpose} file "${path}"`)
  } catch (error) {
    if (error instanceof CliError) throw error
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
