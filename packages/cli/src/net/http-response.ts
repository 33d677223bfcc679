/**
 * Reading what a server answers, for the commands that call one (`token`, `admin`, and the protected
 * resource metadata `token --resource` reads): the body within
 * a size limit, and why a request failed in the words of its innermost cause.
 * @module
 */
import { CliError, EXIT_INVALID } from '../cli/errors.js'

/** The most read of an answer: tokens and admin listings are small; a larger answer is not one. */
const MAX_RESPONSE_BYTES = 1 << 20

/**
 * The body as text, refused beyond 1 MiB. `from` names the server in the error (`the token endpoint`).
 * @throws {@link CliError} (exit 1) for a larger answer.
 */
export async function readLimited(response: Response, from: string): Promise<string> {
  const reader = response.body?.getReader()
  if (!reader) return ''
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.length
    if (total > MAX_RESPONSE_BYTES) {
      await reader.cancel()
      throw new CliError(`${from} answered with more than ${MAX_RESPONSE_BYTES >> 20} MiB`, EXIT_INVALID)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** The innermost cause's message (`connect ECONNREFUSED …` rather than `fetch failed`). */
function causeText(error: Error): string | undefined {
  let current: unknown = error.cause
  let text: string | undefined
  for (let depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) text = current.message || text
  return text
}

/** Why a request failed, in words: "timed out", or the innermost cause's message. */
export function failureReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  return error.name === 'TimeoutError' ? 'timed out' : (causeText(error) ?? error.message)
}
