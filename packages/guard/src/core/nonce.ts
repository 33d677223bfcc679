/**
 * Server nonces for DPoP (RFC 9449 §8, §9) that need no shared state between replicas: a nonce is
 * an HMAC of the current time window under a key derived from a secret every replica is given, so
 * each replica computes the same nonce and rotates it at the same moment, and accepts the nonces
 * the others hand out. The previous window's nonce stays acceptable, so a client that fetched one
 * just before the rotation is not refused.
 *
 * The guard's {@link DPoPNonceSource} answers `current()` synchronously (it is read while a
 * challenge is built), so the HMAC is node:crypto's (Node, Deno and Bun have it; found through
 * `process.getBuiltinModule`, like the token cache's hash, so the core still imports no Node module).
 * @module
 */
import { base64url, durationToSeconds, type Duration, type Instant } from 'jotjwt'
import type { DPoPNonceSource } from './dpop.js'

/** Options of {@link createDPoPNonces}. */
export interface DPoPNonceOptions {
  /**
   * The secret every replica shares (at least 32 bytes; a string is taken as UTF-8). Nonces are
   * keyed by HKDF-SHA-256 of it (RFC 5869), so the secret itself may serve another purpose too.
   */
  secret: string | Uint8Array
  /** How long a nonce is current; the previous one is still accepted for as long again. Default 5 minutes. */
  lifetime?: Duration
  /** The clock, for tests. */
  currentTime?: () => Instant
}

/** The part of node:crypto used here (the core imports no Node module, not even its types). */
interface NodeHmac {
  hkdfSync(digest: 'sha256', ikm: Uint8Array, salt: Uint8Array, info: string, length: number): ArrayBuffer
  createHmac(algorithm: 'sha256', key: Uint8Array): { update(text: string): { digest(): Uint8Array } }
}

const nodeCrypto = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:crypto') as NodeHmac | undefined

/** The default {@link DPoPNonceOptions.lifetime}, in seconds. */
export const DEFAULT_DPOP_NONCE_LIFETIME = 300

const MIN_SECRET_BYTES = 32

/** A nonce source with its nonces by time, for a server that keeps its own clock per request. */
export interface DPoPNonces extends DPoPNonceSource {
  /** The nonce current at `now` (seconds since the epoch). */
  currentAt(now: number): string
  /** True for the nonce current at `now` or the one before it. */
  acceptsAt(nonce: string, now: number): boolean
}

/**
 * Stateless nonces shared by every replica given the same secret.
 *
 * @example
 * ```ts
 * const guard = createGuard({ ..., dpop: 'required', dpopSettings: { nonce: createDPoPNonces({ secret: process.env.DPOP_NONCE_SECRET! }) } })
 * ```
 * @throws TypeError for a secret shorter than 32 bytes, a lifetime that is not positive, or a runtime without node:crypto.
 */
export function createDPoPNonces(options: DPoPNonceOptions): DPoPNonces {
  if (nodeCrypto === undefined) throw new TypeError('createDPoPNonces needs node:crypto (Node, Deno or Bun)')
  const crypto = nodeCrypto
  const secret = typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret
  if (!(secret instanceof Uint8Array) || secret.length < MIN_SECRET_BYTES) throw new TypeError(`the DPoP nonce secret must be at least ${MIN_SECRET_BYTES} bytes`)
  const lifetime = options.lifetime === undefined ? DEFAULT_DPOP_NONCE_LIFETIME : durationToSeconds(options.lifetime)
  if (!Number.isFinite(lifetime) || lifetime <= 0) throw new TypeError('the DPoP nonce lifetime must be positive')
  // RFC 5869: a key of its own for nonces, whatever else the secret is used for.
  const key = new Uint8Array(crypto.hkdfSync('sha256', secret, new Uint8Array(0), 'jotjwt dpop nonce v1', 32))
  const nonceOf = (window: number) => base64url.encode(crypto.createHmac('sha256', key).update(`${window}`).digest().subarray(0, 16))
  const windowAt = (now: number) => Math.floor(now / lifetime)
  const { currentTime } = options
  const now = (): number => {
    const instant = currentTime === undefined ? Date.now() / 1000 : currentTime()
    return instant instanceof Date ? instant.getTime() / 1000 : instant
  }
  const currentAt = (at: number) => nonceOf(windowAt(at))
  const acceptsAt = (nonce: string, at: number) => {
    const window = windowAt(at)
    return nonce === nonceOf(window) || nonce === nonceOf(window - 1)
  }
  return {
    currentAt,
    acceptsAt,
    current: () => currentAt(now()),
    accepts: (nonce) => acceptsAt(nonce, now()),
  }
}
