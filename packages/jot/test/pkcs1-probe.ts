// Whether this Node's node:crypto decrypts RSAES-PKCS1-v1_5 with OpenSSL implicit rejection (the fix
// for CVE-2023-46809, the Marvin attack): a ciphertext with wrong padding must *return* bytes (a
// deterministic random message) instead of throwing. Probed directly, not through jot, so that the
// RSA1_5 tests can hold jot's answer to what the runtime actually does: where this is true an RSA1_5
// key must import (with the opt-in) and decrypt; where it is false it must be ERR_NOT_SUPPORTED.
// It is a property of the bundled OpenSSL (with Node's CVE-2023-46809 hardening), not of the Node
// major: of the releases this suite runs on, Node 22.23.3 and 24.21.0 (both OpenSSL 3.5.8) have it
// and Node 20 (OpenSSL 3.0) refuses PKCS#1 v1.5 private decryption outright.
//
// No imports from 'jotjwt': the caller hands in its backend name and import function.
import assert from 'node:assert/strict'
import { constants, generateKeyPairSync, privateDecrypt, publicEncrypt } from 'node:crypto'
import type { TestContext } from 'node:test'

export interface Pkcs1Probe {
  readonly implicitRejection: boolean
  /** What happened, with the Node and OpenSSL versions, for `t.diagnostic`. */
  readonly detail: string
}

let probe: Pkcs1Probe | undefined

export function probePkcs1ImplicitRejection(): Pkcs1Probe {
  if (probe) return probe
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  // EM = 0x00 ‖ 0x01 ‖ 0xff…: block type 1 (signatures), where decryption needs type 2.
  const badPadding = Buffer.alloc(256, 0xff)
  badPadding[0] = 0
  badPadding[1] = 1
  const ciphertext = publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, badPadding)
  const versions = `Node ${process.version}, OpenSSL ${process.versions.openssl}`
  try {
    const message = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, ciphertext)
    probe = { implicitRejection: true, detail: `${versions}: wrong padding returned ${message.length} bytes (implicit rejection)` }
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string }
    probe = { implicitRejection: false, detail: `${versions}: wrong padding threw ${code ?? ''} ${message ?? ''}`.trim() }
  }
  return probe
}

/**
 * Imports an RSA1_5 key the way the runtime allows, asserting the refusals on the way, and logs the
 * branch taken (naming `what`). `importKey(false)` must import without `unsafeAllowRSA1_5`, and
 * `importKey(true)` with it:
 * - without the opt-in: ERR_ALG_NOT_ALLOWED, everywhere;
 * - WebCrypto backend (no RSAES-PKCS1-v1_5 at all): ERR_NOT_SUPPORTED naming WebCrypto; `undefined`;
 * - node backend without implicit rejection: ERR_NOT_SUPPORTED naming CVE-2023-46809; `undefined`;
 * - node backend with implicit rejection: the key, which must then decrypt.
 * Neither outcome is accepted in place of the other: the probe decides which one is required.
 */
export async function importRsa1_5WhereSafe<K>(
  t: TestContext,
  what: string,
  backend: string,
  importKey: (unsafeAllowRSA1_5: boolean) => Promise<K>,
): Promise<K | undefined> {
  await assert.rejects(importKey(false), { code: 'ERR_ALG_NOT_ALLOWED' }, `${what}: RSA1_5 without the opt-in`)
  if (backend !== 'node') {
    t.diagnostic(`${what} branch: ${backend} backend (no RSAES-PKCS1-v1_5): import is ERR_NOT_SUPPORTED`)
    await assert.rejects(importKey(true), { code: 'ERR_NOT_SUPPORTED', message: /WebCrypto/ }, `${what}: RSA1_5 on WebCrypto`)
    return undefined
  }
  const { implicitRejection, detail } = probePkcs1ImplicitRejection()
  if (!implicitRejection) {
    t.diagnostic(`${what} branch: node backend without implicit rejection (${detail}): import is ERR_NOT_SUPPORTED`)
    await assert.rejects(importKey(true), { code: 'ERR_NOT_SUPPORTED', message: /CVE-2023-46809/ }, `${what}: RSA1_5 without implicit rejection`)
    return undefined
  }
  t.diagnostic(`${what} branch: node backend with implicit rejection (${detail}): the key imports with the opt-in`)
  return importKey(true)
}
