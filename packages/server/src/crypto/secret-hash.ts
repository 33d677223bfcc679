/**
 * Client secrets at rest and at the token endpoint.
 *
 * At rest a secret is only its scrypt hash (RFC 7914), in a self-describing string
 * `scrypt$<N>$<r>$<p>$<salt>$<hash>` (salt and hash base64url): the parameters travel with the hash,
 * so they can be raised later without breaking stored secrets. Defaults N = 2^15, r = 8, p = 1
 * (32 MiB and roughly 0.1–0.2 s per check on one core): RFC 7914 §2's interactive-use range and
 * OWASP's scrypt minimum, so a leaked store costs an attacker that much per guess.
 *
 * At the token endpoint a secret is checked by {@link createSecretVerifier}, which makes the KDF
 * affordable without making it skippable:
 * - after one successful check it keeps an HMAC-SHA-256 of the presented secret under a random
 *   per-process key, per client and stored hash; a later request with the same secret compares
 *   HMACs (timing-safe) instead of running scrypt. A changed stored hash replaces the entry. Only
 *   successes are cached: a wrong secret always costs the full KDF, so guessing never gets cheaper.
 *   (The HMAC is as hard to invert as the secret is to guess; secrets are at least 16 characters.)
 * - an unknown client, or one without a secret, costs the same KDF against a dummy hash, so response
 *   times do not tell which client ids exist (RFC 6819 §5.1.4.2.2).
 * - at most `maxConcurrent` KDFs run at once (each holds 32 MiB), `maxQueued` more wait; beyond that
 *   {@link KdfSaturated} is thrown (the caller answers 503 with Retry-After), so a flood of wrong
 *   secrets cannot exhaust memory or the thread pool.
 * @module
 */
import { createHmac, createSecretKey, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import { BoundedMap } from '../lib/bounded-map.js'

/** scrypt parameters (RFC 7914 §2): `cost` is log2(N), `blockSize` r, `parallelization` p. */
export interface ScryptParameters {
  cost: number
  blockSize: number
  parallelization: number
}

export const DEFAULT_SCRYPT_PARAMETERS: Readonly<ScryptParameters> = Object.freeze({ cost: 15, blockSize: 8, parallelization: 1 })

const SALT_BYTES = 16
const HASH_BYTES = 32
/** Upper bounds for parameters read from a stored hash: a tampered hash must not pin a core for minutes. */
const MAX_COST = 20
const MAX_MEMORY = 256 * 1024 * 1024
/** Longest secret checked; longer ones cannot be registered (configSchema) and are refused unhashed. */
export const MAX_SECRET_LENGTH = 512

interface ParsedHash {
  N: number
  r: number
  p: number
  salt: Buffer
  hash: Buffer
}

/** scrypt's working memory is about 128·N·r·p bytes; allow twice that (node's default cap is 32 MiB). */
function scryptOptions({ N, r, p }: { N: number; r: number; p: number }): ScryptOptions {
  return { N, r, p, maxmem: 2 * 128 * N * r * p }
}

function derive(secret: string, parsed: Omit<ParsedHash, 'hash'> & { length: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, parsed.salt, parsed.length, scryptOptions(parsed), (error, key) => (error ? reject(error) : resolve(key))),
  )
}

const B64URL = /^[A-Za-z0-9_-]+$/

/** The parts of a stored hash, or undefined when it is not one this module wrote (or is out of bounds). */
function parseSecretHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined
  const [N, r, p] = parts.slice(1, 4).map((part) => (/^[1-9]\d{0,9}$/.test(part) ? Number(part) : NaN)) as [number, number, number]
  const [salt, hash] = parts.slice(4).map((part) => (B64URL.test(part) ? Buffer.from(part, 'base64url') : undefined))
  if (!salt || !hash || salt.length < 8 || hash.length < 16 || hash.length > 64 || !parametersInBounds(N, r, p)) return undefined
  return { N, r, p, salt, hash }
}

/** N a power of two above 1 (RFC 7914 §2), and the work and memory bounded. */
function parametersInBounds(N: number, r: number, p: number): boolean {
  return N > 1 && N <= 2 ** MAX_COST && (N & (N - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 16 && 128 * N * r * p <= MAX_MEMORY
}

/**
 * True when `stored` is a well-formed secret hash within this module's bounds, e.g. to validate a
 * configured `clientSecretHash` at start-up rather than failing every request later.
 *
 * @example
 * ```ts
 * if (!isSecretHash(client.clientSecretHash)) throw new Error('clientSecretHash is not a jotjwt secret hash')
 * ```
 */
export function isSecretHash(stored: string): boolean {
  return parseSecretHash(stored) !== undefined
}

/**
 * Hashes a client secret for storage.
 *
 * @example
 * ```ts
 * const secretHash = await hashSecret(process.env.CLIENT_SECRET!) // 'scrypt$32768$8$1$…$…'
 * ```
 */
export async function hashSecret(secret: string, parameters: Partial<ScryptParameters> = {}): Promise<string> {
  const { cost, blockSize: r, parallelization: p } = { ...DEFAULT_SCRYPT_PARAMETERS, ...parameters }
  if (typeof secret !== 'string' || secret.length === 0 || secret.length > MAX_SECRET_LENGTH) {
    throw new RangeError(`a secret is 1 to ${MAX_SECRET_LENGTH} characters`)
  }
  const N = 2 ** cost
  if (!Number.isInteger(cost) || !Number.isInteger(r) || !Number.isInteger(p) || !parametersInBounds(N, r, p)) {
    throw new RangeError('scrypt parameters out of bounds')
  }
  const salt = randomBytes(SALT_BYTES)
  const hash = await derive(secret, { N, r, p, salt, length: HASH_BYTES })
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${hash.toString('base64url')}`
}

/** Too many secret checks are running or waiting: answer 503 and retry later. */
export class KdfSaturated extends Error {
  override readonly name = 'KdfSaturated'
  readonly code = 'ERR_KDF_SATURATED'
  constructor() {
    super('too many client secret checks in progress')
  }
}

export interface SecretVerifierOptions {
  /** KDF runs at once. Default 4 (libuv's default thread pool size; 32 MiB each at the default cost). */
  maxConcurrent?: number
  /** KDF runs waiting for a slot before {@link KdfSaturated}. Default 32. */
  maxQueued?: number
  /** Clients whose last verified secret is remembered. Default 1,000. */
  cacheSize?: number
  /** Called at the start of every KDF run (metrics; tests count them). */
  onKdf?: () => void
}

/** Checks presented client secrets against stored hashes; see the module comment. */
export interface SecretVerifier {
  /**
   * True when `secret` matches `storedHash`. `storedHash` undefined (unknown client, or one that has
   * no secret) costs the same KDF and returns false.
   * @throws {@link KdfSaturated}
   */
  verify(clientId: string, storedHash: string | undefined, secret: string): Promise<boolean>
}

/**
 * Creates the process's secret verifier (one per process: its cache key is random per process).
 *
 * @example
 * ```ts
 * const secrets = createSecretVerifier({ maxConcurrent: 2 })
 * if (!(await secrets.verify(client.clientId, client.secretHash, presented))) throw invalidClient()
 * ```
 */
export function createSecretVerifier(options: SecretVerifierOptions = {}): SecretVerifier {
  const { maxConcurrent = 4, maxQueued = 32, cacheSize = 1000, onKdf } = options
  // A KeyObject: HMAC set-up per check without copying the key in again (about half the cost).
  const macKey = createSecretKey(randomBytes(32))
  const verified = new BoundedMap<string, { storedHash: string; mac: Buffer }>(cacheSize)
  const limit = createLimiter(maxConcurrent, maxQueued)
  // A hash of a random secret with the default parameters: what an unknown client id costs.
  const dummy: ParsedHash = {
    N: 2 ** DEFAULT_SCRYPT_PARAMETERS.cost,
    r: DEFAULT_SCRYPT_PARAMETERS.blockSize,
    p: DEFAULT_SCRYPT_PARAMETERS.parallelization,
    salt: randomBytes(SALT_BYTES),
    hash: randomBytes(HASH_BYTES),
  }
  const macOf = (secret: string) => createHmac('sha256', macKey).update(secret, 'utf8').digest()

  // Checks in progress of one secret against one stored hash: a burst of requests with the same
  // credentials (every connection of a client after a restart) shares one KDF instead of queueing
  // one each. Only identical guesses share, so guessing gets no cheaper.
  const inFlight = new Map<string, Promise<boolean>>()

  return {
    async verify(clientId, storedHash, secret) {
      const cached = verified.get(clientId)
      const mac = macOf(secret)
      // A cached entry's hash was parsed and matched once: the same hash needs no parsing again.
      if (storedHash !== undefined && cached?.storedHash === storedHash && timingSafeEqual(cached.mac, mac)) return true
      const parsed = storedHash === undefined ? undefined : parseSecretHash(storedHash)
      if (!parsed) return check(clientId, undefined, undefined, secret, mac)
      const key = `${clientId.length}:${clientId}${storedHash}\u0000${mac.toString('base64url')}`
      let pending = inFlight.get(key)
      if (pending === undefined) {
        pending = check(clientId, storedHash, parsed, secret, mac).finally(() => inFlight.delete(key))
        inFlight.set(key, pending)
      }
      return pending
    },
  }

  async function check(clientId: string, storedHash: string | undefined, parsed: ParsedHash | undefined, secret: string, mac: Buffer): Promise<boolean> {
    const target = parsed ?? dummy
    const derived = await limit(() => {
      onKdf?.()
      return derive(secret, { ...target, length: target.hash.length })
    })
    // Unknown clients and malformed stored hashes compare against the dummy and always fail.
    const match = timingSafeEqual(derived, target.hash) && parsed !== undefined
    if (match) verified.set(clientId, { storedHash: storedHash!, mac })
    return match
  }
}

/** A counting semaphore with a bounded queue. */
function createLimiter(maxConcurrent: number, maxQueued: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0
  const waiting: (() => void)[] = []
  return async (task) => {
    if (running < maxConcurrent) running++
    else if (waiting.length < maxQueued) await new Promise<void>((resolve) => waiting.push(resolve))
    else throw new KdfSaturated()
    try {
      return await task()
    } finally {
      // Hand the slot straight to the next waiter, so `running` never overshoots.
      const next = waiting.shift()
      if (next) next()
      else running--
    }
  }
}
