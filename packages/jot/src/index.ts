/**
 * jot: JSON Web Tokens done right. JWS (RFC 7515), JWT (RFC 7519), JWK (RFC 7517) and thumbprints
 * (RFC 7638, RFC 9278), strict and safe by default.
 *
 * @example
 * ```ts
 * import { generateKeyPair, signJWT, verifyJWT } from 'jotjwt'
 * const { privateKey, publicKey } = await generateKeyPair('ES256')
 * const token = await signJWT({ sub: 'user-1' }, privateKey, { expiresIn: '15m', audience: 'api' })
 * const { payload } = await verifyJWT(token, publicKey, { audience: 'api' })
 * ```
 * @module
 */
// The root entry is the union of the per-area subpath entries (jot/jws, jot/jwt, jot/jwe, jot/keys,
// jot/jwks, jot/dpop) and the error classes (jot/errors); each area's exports are listed once, in its entry file.
export * from './errors.js'
export * from './entry/jws.js'
export * from './entry/jwt.js'
export * from './entry/jwe.js'
export * from './entry/keys.js'
export * from './entry/jwks.js'
export * from './entry/dpop.js'
