// Whether this Node's node:crypto decrypts RSAES-PKCS1-v1_5 with OpenSSL implicit rejection (the fix
// for CVE-2023-46809, the Marvin attack): a ciphertext with wrong padding must *return* bytes (a
// deterministic random message) instead of throwing. Probed directly, not through jot, so that the
// RSA1_5 tests can hold jot's answer to what the runtime actually does: where this is true an RSA1_5
// key must import (with the opt-in) and decrypt; where it is false it must be ERR_NOT_SUPPORTED.
import { constants, generateKeyPairSync, privateDecrypt, publicEncrypt } from 'node:crypto'

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
