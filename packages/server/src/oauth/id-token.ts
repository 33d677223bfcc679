/**
 * ID tokens (OIDC Core §2, §3.1.3.6): a JWT signed with the client's `idTokenAlg` (RS256 unless it
 * names another, as OIDC Registration's `id_token_signed_response_alg` defaults), `typ: JWT`, with
 * `iss`, `sub`, `aud` (the client), `azp` (the client: the party the token was issued to), `exp`,
 * `iat`, `auth_time`, `nonce` when the request sent one, `at_hash` binding the access token issued
 * with it, and the user claims its scopes release.
 * @module
 */
import { createHash } from 'node:crypto'
import { signJWT, type JWTClaims } from 'jotjwt'
import { durationSeconds } from '../config/duration.js'
import { ID_TOKEN_DEFAULT_ALG } from '../keys/manager.js'
import type { LoginUser } from '../login/provider.js'
import type { ServiceContext } from '../service/context.js'
import type { ClientRecord } from '../store/store.js'
import { issuerOf } from './endpoints.js'
import { signingKeyFor } from './signing-keys.js'
import { userClaims } from './user-claims.js'

/**
 * The hash of a JWS algorithm (its SHA-2 size), for `at_hash`; EdDSA keys here are Ed25519, whose
 * hash is SHA-512 (OIDC Core errata on §3.1.3.6).
 */
const HASHES: Readonly<Record<string, string>> = Object.freeze({
  ES256: 'sha256', RS256: 'sha256', PS256: 'sha256',
  ES384: 'sha384', RS384: 'sha384', PS384: 'sha384',
  ES512: 'sha512', RS512: 'sha512', PS512: 'sha512',
  EdDSA: 'sha512', Ed25519: 'sha512',
})

/**
 * OIDC Core §3.1.3.6 `at_hash`: base64url of the left-most half of the hash of the access token's
 * ASCII octets, with the hash of the ID token's algorithm.
 */
export function accessTokenHash(accessToken: string, alg: string): string {
  const hash = HASHES[alg]
  if (hash === undefined) throw new Error(`no token hash for ${JSON.stringify(alg)}`)
  const digest = createHash(hash).update(accessToken, 'ascii').digest()
  return digest.subarray(0, digest.length / 2).toString('base64url')
}

export interface IdTokenContent {
  user: LoginUser
  /** The grant's scopes: which user claims are released. */
  scopes: readonly string[]
  authTime: number
  /** The authentication request's `nonce`; none on refresh (the original login's nonce is not repeated). */
  nonce?: string | undefined
  /** The access token issued in the same response. */
  accessToken: string
}

/**
 * Signs an ID token for `client`. Its lifetime is `tokens.idTokenTtl`, never more than
 * `tokens.maxAccessTokenTtl` (the key schedule keeps keys published that long).
 *
 * @example
 * ```ts
 * const idToken = await mintIdToken(ctx, client, { user, scopes, authTime, nonce, accessToken })
 * ```
 */
export async function mintIdToken(ctx: ServiceContext, client: ClientRecord, content: IdTokenContent): Promise<string> {
  const alg = client.idTokenAlg ?? ID_TOKEN_DEFAULT_ALG
  const { tokens } = ctx.config
  const ttl = Math.min(durationSeconds(tokens.idTokenTtl), durationSeconds(tokens.maxAccessTokenTtl))
  const iat = Math.floor(ctx.now())
  const claims: JWTClaims = Object.assign(userClaims(ctx, client, content.user, content.scopes), {
    iss: issuerOf(ctx.config),
    sub: content.user.subject,
    aud: client.clientId,
    azp: client.clientId,
    exp: iat + Math.floor(ttl),
    iat,
    auth_time: Math.floor(content.authTime),
    ...(content.nonce === undefined ? {} : { nonce: content.nonce }),
    at_hash: accessTokenHash(content.accessToken, alg),
  })
  return signJWT(claims, await signingKeyFor(ctx, alg), { typ: 'JWT' })
}
