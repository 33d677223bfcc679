/**
 * A client of the token service's admin API (`/admin/*`, JSON, bearer token), as `jotjwt admin`
 * uses it: one request, the answer read within a size limit, redirects refused (they would carry the
 * token elsewhere), and every refusal turned into one line that says what to do. Exit codes: 1 when
 * the service refused (the token, the request), 3 when it could not be reached or failed (5xx).
 * @module
 */
import { CliError, EXIT_INVALID, EXIT_UNAVAILABLE } from '../cli/errors.js'
import { failureReason, readLimited } from './http-response.js'

export interface AdminApi {
  /** The service's base URL (its issuer), without `/admin`. */
  url: string
  token: string
  timeoutMs: number
}

const member = (body: unknown, name: string) => (typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined)

/**
 * `method` on `<url>/admin<path>` with `body` as JSON; the parsed answer (undefined for 204).
 * @throws {@link CliError}
 */
export async function adminRequest(api: AdminApi, method: string, path: string, body?: unknown): Promise<unknown> {
  const endpoint = `${api.url.replace(/\/$/, '')}/admin${path}`
  let response: Response
  try {
    response = await fetch(endpoint, {
      method,
      headers: { authorization: `Bearer ${api.token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      redirect: 'error',
      signal: AbortSignal.timeout(api.timeoutMs),
    })
  } catch (error) {
    const reason = failureReason(error)
    throw new CliError(`cannot reach the admin API at ${endpoint}: ${reason}`, EXIT_UNAVAILABLE, { cause: error })
  }
  const text = await readLimited(response, 'the admin API')
  let answer: unknown
  try {
    answer = text === '' ? undefined : JSON.parse(text)
  } catch {
    answer = undefined
  }
  if (response.ok) return answer
  throw refusal(response, answer)
}

/** An error answer as one line, with the invalid fields after it: server text, escaped where it is printed (cli/errors.ts). */
function refusal(response: Response, answer: unknown): CliError {
  const status = response.status
  const error = member(answer, 'error')
  const description = member(answer, 'error_description')
  const said = typeof error === 'string' ? `${error}${typeof description === 'string' ? `: ${description}` : ''}` : undefined
  if (status === 401) {
    const reason = said ?? 'no token was accepted'
    return new CliError(`the admin API refused the token (HTTP 401, ${reason}); get one with: jotjwt token --issuer URL --client-id ID --client-secret-env VAR --scope jotjwt:admin --resource URL/admin`, EXIT_INVALID)
  }
  if (status === 403) return new CliError(`the token lacks the admin scope (HTTP 403, ${said ?? 'forbidden'})`, EXIT_INVALID)
  const issues = member(answer, 'issues')
  const listed = Array.isArray(issues) ? issues.filter((issue): issue is string => typeof issue === 'string') : []
  const details = listed.length === 0 ? '' : `: ${listed.join('; ')}`
  const retry = response.headers.get('retry-after')
  const unavailable = status >= 500
  return new CliError(`${said ?? 'the admin API answered without an error code'} (HTTP ${status}${retry && unavailable ? `, retry after ${retry} s` : ''})${details}`, unavailable ? EXIT_UNAVAILABLE : EXIT_INVALID)
}
