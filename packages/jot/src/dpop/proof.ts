/** Making DPoP proofs (RFC 9449 §4.2), for clients. @module */
import * as runtime from '#runtime'
import { InvalidArgument, quote } from '../errors.js'
import { jwsAlgorithm } from '../jwa/signing.js'
import { requiredMembers } from '../jwk/thumbprint.js'
import { prepareHeader, signWithHeader } from '../jws/sign.js'
import { clockFrom } from '../jwt/time.js'
import type { Instant } from '../jwt/types.js'
import { exportJWK, toPublicKey } from '../key/export.js'
import type { JotKey } from '../key/key.js'
import { checkKey, readObject } from '../lib/arguments.js'
import { encode as encodeBase64URL } from '../lib/base64url.js'
import { stringifyJSON } from '../lib/json.js'
import { accessTokenHash } from './ath.js'
import { checkMethod } from './htm.js'
import { htuFor } from './htu.js'

/** Options of {@link createDPoPProof}: the request the proof is for. */
export interface CreateDPoPProofOptions {
  /** The request's HTTP method (`htm`), exactly as sent: methods are case-sensitive (RFC 9110 §9.1). */
  method: string
  /** The request's URL (`htu`); its query and fragment are left out (RFC 9449 §4.2). */
  url: string | URL
  /** The access token the request carries: the proof then binds it with `ath` (RFC 9449 §4.2, §7). */
  accessToken?: string
  /** The server's latest `DPoP-Nonce` (RFC 9449 §8, §9). */
  nonce?: string
  /** The proof's `jti`. Default: 128 random bits, base64url (§4.2 asks for at least 96). */
  jti?: string
  /** The clock for `iat`, for tests: seconds since the epoch or a Date, or a function returning one. */
  currentTime?: Instant | (() => Instant)
}

function optionalText(value: unknown, name: string): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || value === '')) throw new InvalidArgument(`${name} must be a non-empty string`)
  return value
}

/**
 * Makes a DPoP proof for one HTTP request (RFC 9449 §4.2): a JWT typed `dpop+jwt`, signed with
 * `key` (a private key of an asymmetric algorithm), carrying the public key as its `jwk` header
 * (exactly the RFC 7638 members) and `jti`, `htm`, `htu`, `iat`, plus `ath` with an access token and
 * `nonce` when the server asked for one. Send it in the `DPoP` header; make a new one per request.
 *
 * @example
 * ```ts
 * const { privateKey } = await generateKeyPair('ES256')
 * const url = 'https://api.example/orders?page=2'
 * const proof = await createDPoPProof(privateKey, { method: 'GET', url, accessToken })
 * await fetch(url, { headers: { authorization: `DPoP ${accessToken}`, dpop: proof } })
 * ```
 * @throws {@link InvalidArgument} for a key that is not a private asymmetric signing key, or a
 *   method or URL that is not an HTTP one.
 */
export async function createDPoPProof(key: JotKey, options: CreateDPoPProofOptions): Promise<string> {
  checkKey(key)
  options = readObject<CreateDPoPProofOptions>(options, 'options')
  const algorithm = jwsAlgorithm(key.alg)
  // RFC 9449 §4.2: an asymmetric signature algorithm; the public half goes in the header.
  if (!algorithm || algorithm.kty === 'oct' || key.type !== 'private') {
    throw new InvalidArgument(`DPoP proofs are signed with the private key of an asymmetric signature algorithm, not a ${key.type} ${quote(key.alg)} key`)
  }
  const htm = checkMethod(options.method)
  const htu = htuFor(options.url)
  if (htu === undefined) throw new InvalidArgument('url must be an absolute http(s) URL without user information')
  const accessToken = optionalText(options.accessToken, 'accessToken')
  const nonce = optionalText(options.nonce, 'nonce')
  const jti = optionalText(options.jti, 'jti') ?? encodeBase64URL(runtime.randomBytes(16))

  const jwk = requiredMembers(await exportJWK(await toPublicKey(key)))
  const header = prepareHeader(key, stringifyJSON({ typ: 'dpop+jwt', alg: key.alg, jwk }, 'DPoP proof header'), undefined, true)
  const claims: Record<string, unknown> = { jti, htm, htu, iat: clockFrom(options.currentTime)() }
  if (accessToken !== undefined) claims.ath = await accessTokenHash(accessToken)
  if (nonce !== undefined) claims.nonce = nonce
  const payload = encodeBase64URL(stringifyJSON(claims, 'DPoP proof claims'))
  return `${header.encoded}.${payload}.${await signWithHeader(key, header, payload)}`
}
