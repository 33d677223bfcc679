/**
 * Minting access tokens: RFC 9068 JWTs (`typ: at+jwt`) with `iss`, `sub`, `aud`, `client_id`, `iat`,
 * `exp`, `jti` (128 random bits) and `scope`, signed with the current key of the client's algorithm
 * (the service default unless the client names one). A client's `extraClaims` are added, except
 * reserved names, which no configuration can set (see {@link RESERVED_CLAIMS}).
 * @module
 */
import { createSigner, type AccessTokenClaims, type JotKey } from 'jotjwt'
import { durationSeconds } from '../config/duration.js'
import { randomId } from '../crypto/random-id.js'
import type { ServiceContext } from '../service/context.js'
import type { ClientRecord } from '../store/store.js'
import { issuerOf } from './endpoints.js'
import { signingKeyFor } from './signing-keys.js'

/**
 * Claim names `extraClaims` can never set: the JWT registered claims (RFC 7519 §4.1), RFC 9068 §2.2
 * claims (and §2.2.3.1 `groups`, which speaks for the person logged in), the ones resource servers
 * make security decisions on (`scp`/`scopes` are read as scopes by verifiers, jot's `scopesOf`
 * among them; `cnf` binds a token to a key, RFC 7800; `act` and `may_act` express delegation,
 * RFC 8693 §4), and JOSE header names, which in a payload would only confuse a reader.
 */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'groups',
  'client_id', 'scope', 'scp', 'scopes', 'auth_time', 'acr', 'amr', 'cnf', 'act', 'may_act', 'azp', 'nonce',
  'alg', 'kid', 'typ', 'cty', 'crit', 'jku', 'jwk', 'x5u', 'x5c', 'x5t', 'x5t#S256', 'b64', 'enc', 'zip',
])

/**
 * The access-token signer of each signing key, compiled once (the protected header, `typ: at+jwt`
 * and the key's `alg` and `kid`, encoded once): the key managers hand out the same key object while
 * it signs, and a key they drop takes its signer with it.
 */
const signers = new WeakMap<JotKey, (claims: AccessTokenClaims) => Promise<string>>()

function signerFor(key: JotKey): (claims: AccessTokenClaims) => Promise<string> {
  let signer = signers.get(key)
  if (signer === undefined) signers.set(key, (signer = createSigner<AccessTokenClaims>({ key, typ: 'at+jwt' })))
  return signer
}

/** What a grant decided: who the token is about, for which audiences, with which scopes. */
export interface AccessTokenGrant {
  /** `sub`: the client itself for client_credentials, the person for a login (RFC 9068 §2.2). */
  subject: string
  /** `aud`: the resource indicators (RFC 8707), at least one. */
  audiences: readonly string[]
  scopes: readonly string[]
  /** RFC 9068 §2.2.1 `auth_time`, for a person's token. */
  authTime?: number
  /** The person's claims (`accessTokenClaims`): RFC 9068 §2.2.2 identity claims, §2.2.3.1 `groups`. */
  userClaims?: Readonly<Record<string, unknown>>
  /** RFC 9449 §6.1: the thumbprint of the DPoP key the token is bound to (`cnf.jkt`). */
  jkt?: string | undefined
}

export interface MintedAccessToken {
  token: string
  claims: AccessTokenClaims
  /** Seconds until `exp` (the response's `expires_in`). */
  expiresIn: number
}

/**
 * Signs an access token for `client`. The token lifetime is the client's `accessTokenTtl` or the
 * service default, never more than `tokens.maxAccessTokenTtl` (the key schedule keeps keys published
 * that long). Logs the issuance by `jti` and `client_id` only.
 *
 * @example
 * ```ts
 * const { token, expiresIn } = await mintAccessToken(ctx, client, { subject: client.clientId, audiences: ['https://api.example'], scopes: ['read'] })
 * ```
 */
export async function mintAccessToken(ctx: ServiceContext, client: ClientRecord, grant: AccessTokenGrant): Promise<MintedAccessToken> {
  if (grant.audiences.length === 0) throw new Error('an access token needs an audience (RFC 9068 section 2.2)')
  const { tokens } = ctx.config
  const ttl = Math.min(client.accessTokenTtl ?? durationSeconds(tokens.accessTokenTtl), durationSeconds(tokens.maxAccessTokenTtl))
  const iat = Math.floor(ctx.now())
  const claims: AccessTokenClaims = Object.create(null)
  for (const [name, value] of Object.entries(client.extraClaims ?? {})) {
    if (RESERVED_CLAIMS.has(name)) {
      ctx.log.warn({ client_id: client.clientId, claim: name }, 'a reserved claim in extraClaims was ignored')
      continue
    }
    // The null prototype makes "__proto__" an ordinary claim name rather than a prototype change.
    claims[name] = value
  }
  // The person's claims, then the registered ones, which nothing can override.
  Object.assign(claims, grant.userClaims, {
    iss: issuerOf(ctx.config),
    sub: grant.subject,
    aud: grant.audiences.length === 1 ? grant.audiences[0]! : [...grant.audiences],
    client_id: client.clientId,
    iat,
    exp: iat + Math.floor(ttl),
    jti: randomId(16),
    ...(grant.scopes.length === 0 ? {} : { scope: grant.scopes.join(' ') }),
    ...(grant.authTime === undefined ? {} : { auth_time: Math.floor(grant.authTime) }),
    ...(grant.jkt === undefined ? {} : { cnf: { jkt: grant.jkt } }),
  })
  const key = await signingKeyFor(ctx, client.accessTokenAlg)
  const token = await signerFor(key)(claims)
  ctx.log.info({ jti: claims.jti, client_id: client.clientId }, 'access token issued')
  return { token, claims, expiresIn: claims.exp - iat }
}

/**
 * The response's `token_type`: `DPoP` for a token bound to a DPoP key (RFC 9449 §5), else `Bearer`.
 *
 * @example
 * ```ts
 * tokenType(undefined) // 'Bearer'
 * ```
 */
export function tokenType(jkt: string | undefined): 'DPoP' | 'Bearer' {
  return jkt === undefined ? 'Bearer' : 'DPoP'
}
