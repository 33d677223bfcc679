/**
 * Keys pasted into the page: PEM, a JWK, a JWK Set, or a shared secret. The format is recognised
 * from the text (a PEM armour line, a JSON object); the algorithm never is. It comes from the token
 * being verified or the algorithm chosen for signing, and the library binds the key to it and
 * refuses any mismatch, so an RSA public key pasted for an HS256 token fails instead of becoming an
 * HMAC secret (RFC 8725 §3.1). Messages never quote the pasted text: it may be a secret.
 * @module
 */
import { base64url, importJWK, importPEM, importSecret, inspectPEM, jwkThumbprint } from 'jotjwt'
import type { ContentEncryptionName, JotKey, JWK, JWKSet, KeyAlgorithmName } from 'jotjwt'

export type KeyMaterial =
  | { readonly format: 'pem'; readonly pem: string }
  | { readonly format: 'jwk'; readonly jwk: JWK }
  | { readonly format: 'jwks'; readonly jwks: JWKSet }
  | { readonly format: 'secret'; readonly secret: Uint8Array }

/** How a pasted shared secret is to be read: as the UTF-8 bytes of the text, or base64url-decoded. */
export type SecretEncoding = 'text' | 'base64url'

/** The pasted key could not be read; the message names what is wrong, never the key. */
export class KeyTextError extends Error {
  override readonly name = 'KeyTextError'
}

export function parseKeyText(text: string, secretEncoding: SecretEncoding): KeyMaterial {
  const trimmed = text.trim()
  if (trimmed === '') throw new KeyTextError('no key: paste a secret, a PEM key, a JWK or a JWK Set')
  if (trimmed.startsWith('-----BEGIN')) return { format: 'pem', pem: `${trimmed}\n` }
  if (trimmed.startsWith('{')) {
    let value: unknown
    try {
      value = JSON.parse(trimmed)
    } catch {
      // JSON.parse's message quotes the input, which may be a secret: say only that it is malformed.
      throw new KeyTextError('the key starts with "{" but is not valid JSON')
    }
    const object = value as Record<string, unknown>
    if (Array.isArray(object.keys)) return { format: 'jwks', jwks: object as unknown as JWKSet }
    if (typeof object.kty === 'string') return { format: 'jwk', jwk: object as JWK }
    throw new KeyTextError('the key is JSON but neither a JWK (no "kty") nor a JWK Set (no "keys")')
  }
  if (secretEncoding === 'base64url') {
    try {
      return { format: 'secret', secret: base64url.decode(trimmed) }
    } catch {
      throw new KeyTextError('the secret is not base64url (letters, digits, "-" and "_", no padding)')
    }
  }
  // The text as typed, but not the line break an editor or a copy adds at the end.
  return { format: 'secret', secret: new TextEncoder().encode(text.replace(/\r?\n$/, '')) }
}

/**
 * Whether the material is an issuer's published (public) keys: then a token with a shared-secret
 * `alg` cannot be meant to verify with it.
 */
export function isPublishedKeyMaterial(material: KeyMaterial): boolean {
  switch (material.format) {
    case 'pem':
      try {
        return inspectPEM(material.pem).kind === 'public'
      } catch {
        return false
      }
    case 'jwk':
      return material.jwk.kty !== 'oct' && material.jwk.d === undefined && material.jwk.priv === undefined
    case 'jwks':
      return material.jwks.keys.some((jwk) => jwk.kty !== 'oct')
    case 'secret':
      return false
  }
}

export interface ImportOptions {
  readonly kid?: string
  readonly enc?: ContentEncryptionName
}

/** Imports the material for exactly one algorithm; the library checks that the key fits it. */
export async function importMaterial(material: KeyMaterial, alg: KeyAlgorithmName, options: ImportOptions = {}): Promise<JotKey> {
  const importOptions = { alg, ...options }
  switch (material.format) {
    case 'pem':
      return importPEM(material.pem, importOptions)
    case 'jwk':
      return importJWK(material.jwk, importOptions)
    case 'secret':
      return importSecret(material.secret, importOptions)
    case 'jwks':
      throw new KeyTextError('this is a JWK Set; paste the one key to use')
  }
}

/** A key in words, for "verified with …": algorithm, key type, curve or size, kid, and the RFC 7638 thumbprint of public keys. */
export async function describeKey(key: JotKey): Promise<string> {
  const shape = key.type === 'secret' ? 'shared secret' : key.curve ? `${key.curve} ${key.type} key` : `${key.bits ?? ''}-bit ${key.type} key`.trim()
  const parts = [`${key.alg} ${shape}`]
  if (key.kid !== undefined) parts.push(`kid ${JSON.stringify(key.kid)}`)
  // A secret's thumbprint is a hash of the secret: not shown, so a screenshot of the page reveals nothing about it.
  if (key.type !== 'secret') parts.push(`thumbprint ${await jwkThumbprint(key)}`)
  return parts.join(', ')
}
