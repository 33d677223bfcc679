/** JWT signing (RFC 7519 §7.1) with a prepared signer. @module */
import { InvalidArgument } from '../errors.js'
import { checkKey, readObject, readOptions } from '../lib/arguments.js'
import { encode as encodeBase64URL, encodeSigningInput } from '../lib/base64url.js'
import { toSeconds } from '../lib/duration.js'
import { stringifyJSON } from '../lib/json.js'
import { settle, then, type MaybePromise } from '../lib/maybe-promise.js'
import { decodeUtf8, encodeUtf8 } from '../lib/utf8.js'
import type { JotKey } from '../key/key.js'
import { prepareHeader } from '../jws/sign.js'
import { createSignature } from '../jws/signature.js'
import { checkRegisteredTypes } from './claims.js'
import { clockFrom, toNumericDate } from './time.js'
import type { CreateSignerOptions, JWTClaims, SignJWTOptions } from './types.js'

type ClaimStep = (claims: JWTClaims, now: number) => void

/** Builds the per-call claim steps once from the options. */
export function compileClaimSteps(options: SignJWTOptions): ClaimStep[] {
  const steps: ClaimStep[] = []
  const set = (claim: string, value: (now: number) => unknown): ClaimStep => (claims, now) => {
    if (claims[claim] !== undefined) throw new InvalidArgument(`the payload already has "${claim}"; pass it once`)
    claims[claim] = value(now)
  }
  if (options.expiresIn !== undefined && options.expiresAt !== undefined) {
    throw new InvalidArgument('give expiresIn or expiresAt, not both')
  }
  if (options.notBeforeIn !== undefined && options.notBeforeAt !== undefined) {
    throw new InvalidArgument('give notBeforeIn or notBeforeAt, not both')
  }
  if (options.issuedAt !== false) {
    const at = options.issuedAt === undefined ? undefined : toNumericDate(options.issuedAt, 'issuedAt')
    // An `iat` already in the claims wins over the default "now", but not over an explicit option.
    steps.push(at === undefined ? (claims, now) => void (claims.iat ??= now) : set('iat', () => at))
  }
  if (options.expiresIn !== undefined) {
    const seconds = toSeconds(options.expiresIn, 'expiresIn')
    steps.push(set('exp', (now) => now + seconds))
  }
  if (options.expiresAt !== undefined) {
    const at = toNumericDate(options.expiresAt, 'expiresAt')
    steps.push(set('exp', () => at))
  }
  if (options.notBeforeIn !== undefined) {
    const seconds = toSeconds(options.notBeforeIn, 'notBeforeIn')
    steps.push(set('nbf', (now) => now + seconds))
  }
  if (options.notBeforeAt !== undefined) {
    const at = toNumericDate(options.notBeforeAt, 'notBeforeAt')
    steps.push(set('nbf', () => at))
  }
  for (const [claim, value] of [
    ['iss', options.issuer],
    ['sub', options.subject],
    ['aud', options.audience],
    ['jti', options.jwtId],
  ] as const) {
    if (value === undefined) continue
    if (typeof value !== 'string' && !(claim === 'aud' && Array.isArray(value) && value.every((v) => typeof v === 'string'))) {
      throw new InvalidArgument(`the ${claim} option has the wrong type`)
    }
    steps.push(set(claim, () => value))
  }
  return steps
}

/**
 * Prepares a JWT signer: options are validated and the protected header is encoded once; each call
 * then only serializes the claims and signs.
 *
 * @example
 * ```ts
 * const sign = createSigner({ key: privateKey, issuer: 'https://issuer.example', audience: 'api', expiresIn: '15m' })
 * const token = await sign({ sub: 'user-1', scope: 'read' })
 * ```
 */
export function createSigner<P extends JWTClaims = JWTClaims>(options: CreateSignerOptions): (claims: P) => Promise<string> {
  options = readObject<CreateSignerOptions>(options, 'options')
  return compileSigner<P>(options, checkKey(options.key, 'options.key'))
}

/** `options` as read by {@link readObject} or {@link readOptions}; `key` checked. */
function compileSigner<P extends JWTClaims>(options: SignJWTOptions, key: JotKey): (claims: P) => Promise<string> {
  const header = prepareHeader(
    key,
    { typ: options.typ ?? 'JWT', ...(options.kid === undefined ? {} : { kid: options.kid }), ...options.header },
    undefined,
    true,
  )
  // ASCII(BASE64URL(header) ‖ '.'), the fixed start of every signing input.
  const prefix = encodeUtf8(`${header.encoded}.`)
  const steps = compileClaimSteps(options)
  const clock = clockFrom(options.currentTime)
  const signClaims = (claims: P): MaybePromise<string> => {
    const payload = readObject<JWTClaims>(claims, 'JWT claims')
    const now = clock()
    for (const step of steps) step(payload, now)
    checkRegisteredTypes(payload)
    // The signing input is built as bytes in scratch memory (read by the signer before it yields),
    // and its text taken from the same bytes: the token is that text, '.', the signature.
    const input = encodeSigningInput(prefix, stringifyJSON(payload, 'JWT claims'))
    const signed = decodeUtf8(input)
    return then(createSignature(key, input), (signature) => `${signed}.${encodeBase64URL(signature)}`)
  }
  return (claims) => settle(signClaims, claims)
}

/**
 * Signs a JWT.
 *
 * @example
 * ```ts
 * const token = await signJWT({ sub: 'user-1' }, privateKey, { expiresIn: '15m', issuer, audience: 'api' })
 * ```
 */
export async function signJWT<P extends JWTClaims = JWTClaims>(claims: P, key: JotKey, options?: SignJWTOptions): Promise<string> {
  return compileSigner<P>(readOptions(options), checkKey(key))(claims)
}
