/**
 * The login transaction of a login through an upstream provider: what the callback needs to finish
 * it (the provider, `state`, `nonce`, the PKCE verifier, the client's authorization request), kept
 * in the browser that started it, in a cookie sealed with `keys.encryptionKey` (AES-256-GCM,
 * `crypto/encryption.ts`). The browser can neither read it (the verifier and nonce stay secret) nor
 * change it, every replica can open it, and the store holds nothing for an abandoned login.
 *
 * The `state` sent to the provider is checked against this cookie at the callback (RFC 6749 §10.12,
 * RFC 9700 §4.7.1): a callback URL made in another browser (an attacker's own login, to be
 * completed in the victim's browser: login CSRF) meets no transaction, or another one, and is
 * refused. The cookie is `SameSite=Lax`, since the callback arrives as a top-level navigation from
 * the provider's site, `HttpOnly`, and `__Host-` with an `https:` issuer (`login/cookies.ts`). One
 * login at a time per browser: starting another replaces it. The callback deletes it, whatever the outcome.
 * @module
 */
import { open, seal } from '../crypto/encryption.js'
import { cookieNames, setCookie } from '../login/cookies.js'
import type { ServiceContext } from '../service/context.js'

/** How long a person has to log in at the provider. */
export const TRANSACTION_SECONDS = 600
/** Browsers keep cookies up to about 4 KiB (RFC 6265 §6.1); a larger transaction cannot be kept. */
const MAX_COOKIE_LENGTH = 3800
/** Authenticated with the sealed value: a value sealed for another purpose does not open here. */
const PURPOSE = 'jotjwt upstream login transaction v1'

export interface UpstreamTransaction {
  /** The upstream's id: the callback of another upstream does not finish it. */
  upstream: string
  state: string
  nonce: string
  /** RFC 7636 `code_verifier`. */
  verifier: string
  /** The client's authorization request, as carried through the login form. */
  carried: [string, string][]
  /** OIDC Core §3.1.2.1 `max_age` of the client's request, checked against the ID token's `auth_time`. */
  maxAge: number | undefined
  expiresAt: number
}

/**
 * The `Set-Cookie` value keeping `transaction`, or undefined when it is too large for a cookie (an
 * authorization request near its parameters' length limits).
 */
export function transactionCookie(ctx: ServiceContext, transaction: UpstreamTransaction): string | undefined {
  const names = cookieNames(ctx.config)
  const value = seal(JSON.stringify(transaction), ctx.oauth.encryptionKey, PURPOSE)
  if (value.length > MAX_COOKIE_LENGTH) return undefined
  return setCookie(names.upstream, value, { maxAge: TRANSACTION_SECONDS, sameSite: 'Lax', secure: names.secure })
}

/** The `Set-Cookie` value deleting the transaction. */
export function clearTransactionCookie(ctx: ServiceContext): string {
  const names = cookieNames(ctx.config)
  return setCookie(names.upstream, '', { maxAge: 0, sameSite: 'Lax', secure: names.secure })
}

/** The browser's transaction, or undefined when it has none that opens and lives. */
export function readTransaction(ctx: ServiceContext, cookies: ReadonlyMap<string, string>): UpstreamTransaction | undefined {
  const value = cookies.get(cookieNames(ctx.config).upstream)
  if (value === undefined || value.length > MAX_COOKIE_LENGTH) return undefined
  let transaction: UpstreamTransaction
  try {
    transaction = JSON.parse(open(value, ctx.oauth.encryptionKey, PURPOSE)) as UpstreamTransaction
  } catch {
    // Not sealed by us, altered, or sealed under a key this deployment no longer has.
    return undefined
  }
  return transaction.expiresAt > ctx.now() ? transaction : undefined
}
