/**
 * What key material is, from its structure: DER key structures, base64 of them (a PEM body without
 * its armour, as keys are kept in environment variables), PEM armour, SSH keys and JSON, in UTF-8 or
 * UTF-16 text. Its purpose is one decision: such material is never an HMAC secret, because whoever
 * holds a public key could then forge tokens with it (RFC 8725 §3.1). It never picks an algorithm.
 *
 * Each check is structural (a complete DER structure, an armour line, an SSH blob that names its own
 * key type, text that parses as JSON), so a real secret, random bytes or random text, does not match.
 * Text that is one more wrapping of key material (base64 or hex of any of these forms, as a
 * Kubernetes Secret holds base64 of a PEM file; a quoted string, as `docker --env-file` keeps the
 * quotes; escaped line breaks, as `.env` files write them) is unwrapped and read again, a few times
 * at most: a secret decodes to random bytes, which match nothing.
 * @module
 */
import { Base64URLInvalid, InvalidArgument } from '../errors.js'
import { decode as decodeBase64URL } from '../lib/base64url.js'
import { isUint8Array } from '../lib/bytes.js'
import { encodeUtf8 } from '../lib/utf8.js'
import { derKeyStructure, type DERKeyStructure } from './der.js'

export type { DERKeyStructure } from './der.js'

/** What {@link inspectKeyMaterial} found. */
export type KeyMaterialInfo =
  | {
      /**
       * `pem`: a PEM armour line (RFC 7468, any label: keys, certificates, OpenSSH private keys);
       * `ssh`: an OpenSSH public key (RFC 4253 §6.6 blob after its key type name, as in `*.pub`,
       * `authorized_keys`) or an RFC 4716 SSH2 public key; `json`: a JSON object or array (a JWK, a
       * JWK Set, an array of JWKs).
       */
      readonly format: 'pem' | 'ssh' | 'json'
      readonly encoding: 'utf-8' | 'utf-16le' | 'utf-16be'
      /** The decoded text. */
      readonly text: string
    }
  | {
      /** A DER key structure, as bytes or as base64 (or base64url) or hex text. */
      readonly format: 'der'
      readonly encoding: 'binary' | 'base64' | 'hex'
      readonly structure: DERKeyStructure
      /** The DER bytes, which {@link importDER} and {@link inspectDER} read. */
      readonly der: Uint8Array
    }

type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be'

/** RFC 7468 §3: `-----BEGIN `, a label of printable characters other than '-', `-----`. */
const PEM_ARMOUR = /-----BEGIN [\x20-\x2c\x2e-\x7e]{0,80}-----/
/** RFC 4716 §3.2. */
const SSH2_ARMOUR = /---- BEGIN SSH2 [A-Z ]{0,40}----/
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/
const HEX = /^(?:[0-9A-Fa-f]{2})+$/

/**
 * How many wrappings (base64 or hex of PEM, JSON, SSH or DER; quotes) are undone. Each one shrinks
 * the text, so the work stays linear; three cover the forms seen in practice (base64 of a base64 PEM
 * body, in quotes).
 */
const MAX_WRAPPINGS = 3

const utf8 = new TextDecoder()

/**
 * What `input` is as key material, or undefined when it is none of the forms keys are kept in (so it
 * can only be a secret). Reads structure only: nothing is imported, and DER is recognised whether or
 * not jot supports its key type (a DSA key is still a key).
 *
 * @example
 * ```ts
 * inspectKeyMaterial(readFileSync('issuer.der'))         // { format: 'der', encoding: 'binary', structure: 'SubjectPublicKeyInfo', der }
 * inspectKeyMaterial(process.env.ISSUER_KEY!)            // base64 PEM body → { format: 'der', encoding: 'base64', … }
 * inspectKeyMaterial(crypto.getRandomValues(new Uint8Array(32))) // undefined
 * ```
 */
export function inspectKeyMaterial(input: Uint8Array | string): KeyMaterialInfo | undefined {
  const bytes = typeof input === 'string' ? encodeUtf8(input) : isUint8Array(input) ? input : undefined
  if (!bytes) throw new InvalidArgument('key material must be bytes or text')
  return inspectBytes(bytes, 0)
}

function inspectBytes(bytes: Uint8Array, wrappings: number): KeyMaterialInfo | undefined {
  const structure = derKeyStructure(bytes)
  if (structure) return { format: 'der', encoding: 'binary', structure, der: bytes.slice() }
  for (const encoding of textEncodings(bytes)) {
    const found = inspectText(decodeText(bytes, encoding), encoding, wrappings)
    if (found) return found
  }
  return undefined
}

/**
 * UTF-8, or UTF-16 when a byte order mark says so. Without one, UTF-16 is tried as well when there
 * is a NUL byte: UTF-8 text has none, and ASCII in UTF-16 is half NUL bytes (PowerShell and Notepad
 * write UTF-16 by default).
 */
function textEncodings(bytes: Uint8Array): readonly TextEncoding[] {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return ['utf-16le']
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return ['utf-16be']
  return bytes.includes(0) ? ['utf-8', 'utf-16le', 'utf-16be'] : ['utf-8']
}

/** Decoded by hand: not every runtime's TextDecoder has UTF-16BE. An odd last byte is dropped. */
function decodeText(bytes: Uint8Array, encoding: TextEncoding): string {
  if (encoding === 'utf-8') return utf8.decode(bytes)
  const [high, low] = encoding === 'utf-16be' ? [0, 1] : [1, 0]
  const units = new Uint16Array(bytes.length >> 1)
  for (let i = 0; i < units.length; i++) units[i] = (bytes[2 * i + high]! << 8) | bytes[2 * i + low]!
  let text = ''
  for (let i = 0; i < units.length; i += 8192) text += String.fromCharCode(...units.subarray(i, i + 8192))
  return text
}

function inspectText(text: string, encoding: TextEncoding, wrappings: number): KeyMaterialInfo | undefined {
  if (PEM_ARMOUR.test(text)) return { format: 'pem', encoding, text }
  if (SSH2_ARMOUR.test(text) || hasOpenSSHKey(text)) return { format: 'ssh', encoding, text }
  const trimmed = text.trim()
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      JSON.parse(trimmed)
      return { format: 'json', encoding, text }
    } catch {
      // Not JSON after all; it may still be a secret that starts with a brace.
    }
  }
  if (wrappings >= MAX_WRAPPINGS) return undefined
  const quoted = unquote(trimmed)
  if (quoted !== undefined) return inspectText(quoted, encoding, wrappings + 1)
  // Line breaks, real or written as \n, are no part of base64 or hex (RFC 4648 §3.3).
  const compact = trimmed.replace(/\\[nr]|\s+/g, '')
  for (const [name, decoded] of [['hex', decodeHex(compact)], ['base64', decodeBase64(compact)]] as const) {
    const found = decoded && inspectBytes(decoded, wrappings + 1)
    if (found) return found.format === 'der' && found.encoding === 'binary' ? { ...found, encoding: name } : found
  }
  return undefined
}

/** The contents of a JSON string literal (its escapes decoded) or of single quotes. */
function unquote(text: string): string | undefined {
  if (text.length >= 2 && text.startsWith("'") && text.endsWith("'")) return text.slice(1, -1)
  if (!text.startsWith('"')) return undefined
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'string' ? value : undefined
  } catch {
    return undefined
  }
}

function decodeHex(text: string): Uint8Array | undefined {
  if (!HEX.test(text)) return undefined
  const bytes = new Uint8Array(text.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16)
  return bytes
}

/**
 * RFC 4253 §6.6: an SSH public key blob starts with its own key type name (a uint32 length, then the
 * name), and an OpenSSH line writes that name, a space, then the blob in base64. A word followed by
 * a blob that names it is a key, whatever options or comment surround it; text that merely starts
 * with "ssh-" is not.
 */
function hasOpenSSHKey(text: string): boolean {
  const words = text.split(/\s+/)
  for (let i = 0; i + 1 < words.length; i++) {
    const name = words[i]!
    if (name.length === 0 || name.length > 64) continue
    // Just the base64 characters that encode the length and the name, whole groups of four that the
    // blob goes on after (so no padding): the rest may be cut or wrapped. A shorter word is no blob,
    // and is skipped without a decode that fails.
    const length4 = Math.ceil((4 + name.length) / 3) * 4
    const head = words[i + 1]!.slice(0, length4)
    if (head.length < length4 || head.includes('=')) continue
    const blob = decodeBase64(head)
    if (!blob) continue
    const length = ((blob[0]! << 24) | (blob[1]! << 16) | (blob[2]! << 8) | blob[3]!) >>> 0
    if (length === name.length && String.fromCharCode(...blob.subarray(4, 4 + length)) === name) return true
  }
  return false
}

/** Standard base64 or base64url, padded or not (RFC 4648 §4, §5); undefined when it is neither. */
function decodeBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text) && !BASE64URL.test(text)) return undefined
  try {
    return decodeBase64URL(text.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'))
  } catch (error) {
    if (error instanceof Base64URLInvalid) return undefined
    throw error
  }
}
