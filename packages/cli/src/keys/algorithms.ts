/**
 * Algorithm names given on the command line, checked against the library's own tables before any
 * work, so a typo is a usage error (exit 2) listing the valid names, not a failure deep inside.
 * @module
 */
import { JWE_CONTENT_ENCRYPTION_NAMES, JWE_KEY_MANAGEMENT_NAMES, JWS_ALGORITHM_NAMES } from 'jotjwt'
import type { ContentEncryptionName, JWSAlgorithmName, KeyAlgorithmName, KeyManagementAlgorithmName } from 'jotjwt'
import { UsageError } from '../cli/errors.js'

export type Purpose = 'sig' | 'enc'

function list(names: readonly string[]): string {
  return names.join(', ')
}

export function signingAlgorithm(name: string): JWSAlgorithmName {
  if (name === 'none') throw new UsageError('"none" is not a signature algorithm: an unsigned token can be forged by anyone')
  if (!(JWS_ALGORITHM_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown signature algorithm "${name}"; known: ${list(JWS_ALGORITHM_NAMES)}`)
  }
  return name as JWSAlgorithmName
}

export function keyManagementAlgorithm(name: string): KeyManagementAlgorithmName {
  if (!(JWE_KEY_MANAGEMENT_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown key management algorithm "${name}"; known: ${list(JWE_KEY_MANAGEMENT_NAMES)}`)
  }
  return name as KeyManagementAlgorithmName
}

export function contentEncryption(name: string): ContentEncryptionName {
  if (!(JWE_CONTENT_ENCRYPTION_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown content encryption algorithm "${name}"; known: ${list(JWE_CONTENT_ENCRYPTION_NAMES)}`)
  }
  return name as ContentEncryptionName
}

/** Any algorithm a key can be bound to (keygen, key). */
export function keyAlgorithm(name: string): KeyAlgorithmName {
  if ((JWS_ALGORITHM_NAMES as readonly string[]).includes(name)) return name as JWSAlgorithmName
  if ((JWE_KEY_MANAGEMENT_NAMES as readonly string[]).includes(name)) return name as KeyManagementAlgorithmName
  throw new UsageError(
    `unknown algorithm "${name}"; signature: ${list(JWS_ALGORITHM_NAMES)}; encryption: ${list(JWE_KEY_MANAGEMENT_NAMES)}`,
  )
}

export function purposeOf(alg: KeyAlgorithmName): Purpose {
  return (JWS_ALGORITHM_NAMES as readonly string[]).includes(alg) ? 'sig' : 'enc'
}
