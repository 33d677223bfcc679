/**
 * `jot/jwt`: signed JSON Web Tokens (RFC 7519): issue, verify (also as prepared, cached
 * verifiers), decode, unsecured tokens, and the OAuth access token (RFC 9068) and OpenID Connect ID
 * token profiles. Encrypted JWTs are in `jot/jwe`, so this entry carries no JWE code.
 *
 * @example
 * ```ts
 * import { signJWT, verifyJWT } from 'jotjwt/jwt'
 * const token = await signJWT({ sub: 'user-42' }, privateKey, { audience: 'api', expiresIn: '15m' })
 * const { payload } = await verifyJWT(token, publicKey, { audience: 'api' })
 * ```
 * @module
 */
export { durationToSeconds, type Duration } from '../lib/duration.js'
export type {
  CreateSignerOptions,
  CreateVerifierOptions,
  Instant,
  JWTClaimOptions,
  JWTClaims,
  SignJWTOptions,
  VerifiedJWT,
  VerifyJWTOptions,
} from '../jwt/types.js'
export { createSigner, signJWT } from '../jwt/sign.js'
export { createVerifier, verifyJWT } from '../jwt/verify.js'
export { decodeJWTUnverified } from '../jwt/decode.js'
export { encodeUnsecuredJWT, decodeUnsecuredJWT } from '../jwt/unsecured.js'
export {
  createAccessTokenVerifier,
  verifyAccessToken,
  type AccessTokenClaims,
  type AccessTokenVerifierOptions,
  type VerifiedAccessToken,
} from '../jwt/access-token.js'
export { hasScopes, scopesOf } from '../jwt/scope.js'
export {
  createIdTokenVerifier,
  verifyIdToken,
  type IdTokenCheck,
  type IdTokenClaims,
  type IdTokenVerifierOptions,
} from '../oidc/id-token.js'
