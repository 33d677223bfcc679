/**
 * The admin API's errors: the JSON shape of the service's other errors (`error`, `error_description`,
 * RFC 6749 §5.2 style, so one parser reads both), with `issues` listing every invalid field of a body.
 * Descriptions never quote a secret or token.
 * @module
 */
import type { OAuthResponse } from '../service/context.js'

/**
 * `invalid_request` (400: malformed body or invalid fields), `not_found` (404), `conflict` (409:
 * the id, username or issuer and subject is taken; the key is in the wrong state), `read_only`
 * (409: defined in the configuration, changed there only).
 */
export type AdminErrorCode = 'invalid_request' | 'not_found' | 'conflict' | 'read_only'

const STATUS: Record<AdminErrorCode, number> = { invalid_request: 400, not_found: 404, conflict: 409, read_only: 409 }

export class AdminError extends Error {
  override readonly name = 'AdminError'
  readonly status: number
  constructor(
    readonly error: AdminErrorCode,
    readonly description: string,
    readonly issues?: readonly string[],
  ) {
    super(`${error}: ${description}`)
    this.status = STATUS[error]
  }

  /** The response: `{ error, error_description, issues? }`, never cached. */
  response(): OAuthResponse {
    return {
      status: this.status,
      headers: { 'Cache-Control': 'no-store' },
      body: { error: this.error, error_description: this.description, ...(this.issues === undefined ? {} : { issues: this.issues }) },
    }
  }
}

/** Refuses a change to something the configuration defines: it would be undone at the next start. */
export function readOnly(what: string): AdminError {
  return new AdminError('read_only', `${what} is defined in the configuration: change it there (the admin API changes only what it created)`)
}
