/** The `ath` claim of a DPoP proof (RFC 9449 §4.2), made and checked with the same function. @module */
import * as runtime from '#runtime'
import { encode as encodeBase64URL } from '../lib/base64url.js'
import { then, type MaybePromise } from '../lib/maybe-promise.js'
import { encodeUtf8 } from '../lib/utf8.js'

/**
 * BASE64URL(SHA-256(ASCII(access token))). Access tokens are ASCII (RFC 6750 §2.1 and RFC 9449 §7.1
 * send them as token68), where UTF-8 and ASCII agree.
 */
export function accessTokenHash(accessToken: string): MaybePromise<string> {
  return then(runtime.digest('SHA-256', encodeUtf8(accessToken)), encodeBase64URL)
}
