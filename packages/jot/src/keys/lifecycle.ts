/**
 * Issuer key lifecycle: every key goes next → active → retiring → retired, on a schedule built so
 * that verifiers never meet an unknown or vanished `kid`:
 *
 * - a key is published (state `next`) at least `publishAhead` before it signs, so every verifier
 *   whose cached JWKS is younger than that already knows it (set `publishAhead` ≥ your verifiers'
 *   longest cache age; service-anchors §0.5: issuers that sign with a brand-new key break verifiers);
 * - a key signs (`active`) for `rotationPeriod`, exactly one key at a time;
 * - after signing it stays published (`retiring`) for `maxTokenLifetime` + `clockTolerance`, so every
 *   token it signed can be verified until it expires;
 * - then it is `retired`: never published again, and its private key is deleted from the store.
 *
 * Managers sharing a store (replicas) agree through its compare-and-swap: each operation loads,
 * applies the schedule and saves only if nobody saved in between, otherwise it reloads and decides
 * again. So every replica signs with the key the store holds, and a revocation cannot be undone by a
 * replica that loaded before it.
 *
 * States are derived from timestamps, not from when {@link KeyManager.rotate} last ran, so a manager
 * that is called rarely is still correct (it just plans successors later). Emergency revocation
 * unpublishes a key at once and, if it was signing, promotes the successor immediately: tokens signed
 * with a revoked key are meant to fail. The revoked key stays in the store as a tombstone (public
 * half only, never published, never signing) until `revokedAt` + `maxTokenLifetime` + `clockTolerance`,
 * so its revocation is on record for as long as any token it signed could otherwise be valid.
 * @module
 */
import { InvalidArgument, isJotError, quote } from '../errors.js'
import { checkMethods, checkNumber, checkString, readObject } from '../lib/arguments.js'
import { toSeconds, type Duration } from '../lib/duration.js'
import { jwsAlgorithm, type JWSAlgorithmName } from '../jwa/signing.js'
import type { Curve } from '../jwa/curves.js'
import { jwkThumbprint } from '../jwk/thumbprint.js'
import { exportJWK, toPublicKey } from '../key/export.js'
import { generateKeyPair } from '../key/generate.js'
import { importJWK } from '../key/import.js'
import type { JotKey } from '../key/key.js'
import type { JWK, JWKSet } from '../key/jwk.js'
import { withoutPrivateMembers } from '../key/members.js'
import { clockFrom } from '../jwt/time.js'
import type { Instant } from '../jwt/types.js'
import { createMemoryKeyStore, type KeyStore, type StoredKey } from './store.js'

/** Saves tried per operation before a {@link KeyStoreConflict} is reported (replicas racing for one store). */
const MAX_SAVE_ATTEMPTS = 8

/** Where a key is in its life. Only `next`, `active` and `retiring` keys are published. */
export type KeyState = 'next' | 'active' | 'retiring' | 'retired'

/** Options of {@link createKeyManager}. Durations are seconds or strings like `"30d"`. */
export interface KeyManagerOptions {
  /** The signing algorithm of every key (asymmetric: the JWKS is public). */
  alg: JWSAlgorithmName
  /** Where keys are kept. Default: in memory. */
  store?: KeyStore
  /** How long each key signs. Default 30 days. */
  rotationPeriod?: Duration
  /** How long a key is published before it signs: at least the verifiers' longest JWKS cache age. Default 1 day. */
  publishAhead?: Duration
  /** The longest lifetime (`exp` − `iat`) of any token the keys sign. Default 1 day. */
  maxTokenLifetime?: Duration
  /** Verifiers' clock tolerance, added to the retiring period. Default 5 minutes. */
  clockTolerance?: Duration
  /** Key generation: RSA modulus length, EdDSA curve. */
  modulusLength?: number
  curve?: Curve
  /** The clock, for tests. */
  currentTime?: Instant | (() => Instant)
}

/** A key's public description. */
export interface ManagedKeyInfo {
  kid: string
  alg: JWSAlgorithmName
  state: KeyState
  createdAt: number
  activateAt: number
  deactivateAt: number | undefined
  /** When it stops being published: `deactivateAt` + `maxTokenLifetime` + `clockTolerance`, or the revocation. */
  retireAt: number | undefined
}

/** An issuer's key manager; see {@link createKeyManager}. */
export interface KeyManager {
  /** Applies the schedule now: promotes, plans the successor, deletes retired keys. The other methods call it. */
  rotate(): Promise<void>
  /** The private key that signs now (with its `kid`). */
  signingKey(): Promise<JotKey>
  /** The public JWK Set to serve: `next`, `active` and `retiring` keys, each with `kid`, `alg` and `use`. */
  jwks(): Promise<JWKSet>
  /** Every stored key with its state now. */
  keys(): Promise<ManagedKeyInfo[]>
  /** Emergency: unpublish the key now; if it was signing, its successor signs from now on. Revoking a revoked key does nothing. */
  revoke(kid: string): Promise<void>
  /**
   * Starts a rotation now instead of at the end of the signing period: a fresh key is published at
   * once and signs from `publishAhead` from now, when the signing key stops. Planned successors
   * (never signed with) are discarded. Returns the new key.
   */
  rotateNow(): Promise<ManagedKeyInfo>
}

/** The state of `key` at `now`; `retention` = maxTokenLifetime + clockTolerance. */
export function keyState(key: StoredKey, now: number, retention: number): KeyState {
  key = readObject<StoredKey>(key, 'key')
  checkNumber(now, 'now')
  checkNumber(retention, 'retention')
  if (key.revokedAt !== undefined && now >= key.revokedAt) return 'retired'
  if (now < key.activateAt) return 'next'
  if (key.deactivateAt === undefined || now < key.deactivateAt) return 'active'
  if (now < key.deactivateAt + retention) return 'retiring'
  return 'retired'
}

/**
 * Creates an issuer key manager. Call {@link KeyManager.signingKey} to sign and serve
 * {@link KeyManager.jwks} at your `jwks_uri`; both apply the schedule first. The first key of an
 * empty store signs at once (nothing can have cached anything yet).
 *
 * @example
 * ```ts
 * const manager = createKeyManager({ alg: 'ES256', rotationPeriod: '30d', publishAhead: '1d', maxTokenLifetime: '1h' })
 * const token = await signJWT(claims, await manager.signingKey(), { expiresIn: '1h' })
 * app.get('/.well-known/jwks.json', async () => manager.jwks())
 * ```
 */
export function createKeyManager(options: KeyManagerOptions): KeyManager {
  options = readObject<KeyManagerOptions>(options, 'options')
  const { alg } = options
  const store = options.store === undefined ? createMemoryKeyStore() : checkMethods<KeyStore>(options.store, ['load', 'save'], 'options.store')
  if (store.version !== undefined && typeof store.version !== 'function') throw new InvalidArgument('options.store.version must be a function when present')
  const algorithm = jwsAlgorithm(alg)
  if (!algorithm || algorithm.kty === 'oct') throw new InvalidArgument(`alg must be an asymmetric JWS algorithm (the JWKS is public), not ${quote(alg)}`)
  const rotationPeriod = toSeconds(options.rotationPeriod ?? '30d', 'rotationPeriod')
  const publishAhead = toSeconds(options.publishAhead ?? '1d', 'publishAhead')
  const retention = toSeconds(options.maxTokenLifetime ?? '1d', 'maxTokenLifetime') + toSeconds(options.clockTolerance ?? '5m', 'clockTolerance')
  if (rotationPeriod <= 0) throw new InvalidArgument('rotationPeriod must be positive')
  const clock = clockFrom(options.currentTime)
  const imported = new Map<string, Promise<{ privateKey: JotKey; publicJwk: JWK }>>()
  let queue: Promise<unknown> = Promise.resolve()
  /**
   * The list as last loaded or saved, with the schedule applied: reused by readers (with a store
   * that has `version()`) while the store is at `version` and it is before `until`, the next time
   * the schedule changes a key's state. Its published keys are looked up once.
   */
  let applied: { keys: StoredKey[]; version: string; until: number; jwks?: Promise<JWK[]> } | undefined

  /** Operations run one at a time, so two concurrent calls cannot both plan a successor. */
  const serialized = <T>(operation: () => Promise<T>): Promise<T> => {
    const result = queue.then(operation)
    queue = result.catch(() => undefined)
    return result
  }

  async function generate(createdAt: number, activateAt: number): Promise<StoredKey> {
    const { privateKey } = await generateKeyPair(alg, {
      ...(options.modulusLength === undefined ? {} : { modulusLength: options.modulusLength }),
      ...(options.curve === undefined ? {} : { curve: options.curve }),
    })
    const kid = await jwkThumbprint(privateKey) // RFC 7638: stable, collision-free, reveals nothing
    const jwk = { ...(await exportJWK(privateKey)), kid }
    return { kid, alg, jwk, createdAt, activateAt }
  }

  /** A change an operator asks for, planned on top of the schedule. */
  type Change = { revoke: string } | { rotateNow: true }

  /**
   * The schedule at `now` applied to the stored list (with `change`) and saved if anything changed.
   * A conflicting save (another replica saved first) means the decision was made on old data:
   * reload and decide again, so what is returned is always what the store holds.
   */
  async function apply(now: number, change?: Change): Promise<StoredKey[]> {
    applied = undefined
    for (let attempt = 1; ; attempt++) {
      const { keys: loaded, version } = await store.load()
      const { keys, changed } = await plan(loaded, now, change)
      let current = version
      try {
        if (changed) current = await store.save(keys, version)
      } catch (error) {
        if (!isJotError(error) || error.code !== 'ERR_KEY_STORE_CONFLICT' || attempt === MAX_SAVE_ATTEMPTS) throw error
        // Jitter, so replicas that collided do not collide again in lockstep.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt))
        continue
      }
      forgetUnpublished(keys, now)
      applied = { keys, version: current, until: nextChange(keys, now) }
      return keys
    }
  }

  /** The first time after `now` at which a key of `keys` changes state (or a tombstone is deleted). */
  function nextChange(keys: readonly StoredKey[], now: number): number {
    let next = Infinity
    for (const key of keys) {
      const { activateAt, deactivateAt, revokedAt } = key
      for (const at of [activateAt, deactivateAt, deactivateAt === undefined ? undefined : deactivateAt + retention, revokedAt, revokedAt === undefined ? undefined : revokedAt + retention]) {
        if (at !== undefined && at > now && at < next) next = at
      }
    }
    return next
  }

  /** `loaded` with the schedule at `now` applied (and `change` made), and whether that changed it. */
  async function plan(loaded: StoredKey[], now: number, change?: Change): Promise<{ keys: StoredKey[]; changed: boolean }> {
    const state = (key: StoredKey) => keyState(key, now, retention)
    let changed = false
    const revokeKid = change && 'revoke' in change ? change.revoke : undefined
    if (revokeKid !== undefined) {
      const target = loaded.find((key) => key.kid === revokeKid)
      if (!target || (state(target) === 'retired' && target.revokedAt === undefined)) {
        throw new InvalidArgument(`no published key has kid ${quote(revokeKid)}`)
      }
      if (state(target) !== 'retired') {
        if (state(target) === 'next') {
          // A revoked successor must not end the signing period of the key it was to replace.
          const active = loaded.find((key) => state(key) === 'active')
          if (active?.deactivateAt === target.activateAt) delete active.deactivateAt
        }
        target.revokedAt = now
        target.jwk = withoutPrivateMembers(target.jwk) // a tombstone: nothing left that could sign
        changed = true
      }
    }
    // Retired keys are deleted, except revocation tombstones while tokens of theirs could still be valid.
    const keys = loaded.filter((key) => state(key) !== 'retired' || (key.revokedAt !== undefined && now < key.revokedAt + retention))
    if (keys.length !== loaded.length) changed = true
    let active = keys.find((key) => state(key) === 'active')
    if (!active) {
      // Bootstrap, or the signing key was revoked: the earliest successor signs now, or a new key does.
      const successor = keys.filter((key) => state(key) === 'next').sort((a, b) => a.activateAt - b.activateAt)[0]
      if (successor) successor.activateAt = now
      else keys.push(await generate(now, now))
      active = successor ?? keys[keys.length - 1]!
      changed = true
    }
    if (change && 'rotateNow' in change) {
      // The planned successors never signed, so no token names them: dropping them loses nothing, and
      // keeps "one next key" true. The fresh key is published now and signs after publishAhead, like
      // any successor, so verifiers whose cached JWKS predates this call still know it by then.
      const unused = keys.filter((key) => state(key) === 'next')
      const kept = keys.filter((key) => !unused.includes(key))
      const activateAt = now + publishAhead
      kept.push(await generate(now, activateAt))
      active.deactivateAt = activateAt
      return { keys: kept, changed: true }
    }
    if (!keys.some((key) => state(key) === 'next')) {
      const activateAt = Math.max(now + publishAhead, active.activateAt + rotationPeriod)
      keys.push(await generate(now, activateAt))
      active.deactivateAt = activateAt
      changed = true
    }
    return { keys, changed }
  }

  /** Drops imported private keys of keys no longer published (retired, revoked, deleted by a replica). */
  function forgetUnpublished(keys: readonly StoredKey[], now: number): void {
    const published = new Set(keys.filter((key) => keyState(key, now, retention) !== 'retired').map((key) => key.kid))
    for (const kid of imported.keys()) if (!published.has(kid)) imported.delete(kid)
  }

  function material(key: StoredKey): Promise<{ privateKey: JotKey; publicJwk: JWK }> {
    let entry = imported.get(key.kid)
    if (!entry) {
      entry = (async () => {
        const privateKey = await importJWK(key.jwk, { alg: key.alg, kid: key.kid })
        return { privateKey, publicJwk: { ...(await exportJWK(await toPublicKey(privateKey))), kid: key.kid } }
      })()
      entry.catch(() => imported.delete(key.kid))
      imported.set(key.kid, entry)
    }
    return entry
  }

  /**
   * The stored list with the schedule applied, for readers (signingKey, jwks). Readers that call
   * while one is waiting its turn share that one load: it starts after each of their calls, so each
   * still sees every save (a replica's revocation included) made before it called, as if it had
   * loaded alone. A busy issuer then loads and decrypts once per batch, not once per token.
   */
  let waitingRead: Promise<{ now: number; keys: StoredKey[] }> | undefined
  const read = (): Promise<{ now: number; keys: StoredKey[] }> =>
    (waitingRead ??= serialized(async () => {
      waitingRead = undefined // callers from here on need a load that starts after them
      const now = clock()
      // Unchanged in the store and nothing due on the schedule: what apply() would return.
      const last = applied
      if (last !== undefined && now < last.until && store.version !== undefined && (await store.version()) === last.version && applied === last) return { now, keys: last.keys }
      return { now, keys: await apply(now) }
    }))

  /** A key's public description at `now`. */
  function info(key: StoredKey, now: number): ManagedKeyInfo {
    return {
      kid: key.kid,
      alg: key.alg,
      state: keyState(key, now, retention),
      createdAt: key.createdAt,
      activateAt: key.activateAt,
      deactivateAt: key.deactivateAt,
      retireAt: key.revokedAt ?? (key.deactivateAt === undefined ? undefined : key.deactivateAt + retention),
    }
  }

  return {
    rotate: () => serialized(async () => void (await apply(clock()))),
    signingKey: async () => {
      const { now, keys } = await read()
      const active = keys.find((key) => keyState(key, now, retention) === 'active')!
      return (await material(active)).privateKey
    },
    jwks: async () => {
      const { now, keys } = await read()
      const published = async () => {
        const live = keys.filter((key) => keyState(key, now, retention) !== 'retired')
        return Promise.all(live.map(async (key) => (await material(key)).publicJwk))
      }
      // The published keys depend only on the list (states change only at applied.until): looked
      // up once per list. Each caller gets its own set (the JWKs are shared, as they always were).
      const last = applied
      if (last?.keys !== keys) return { keys: await published() }
      if (last.jwks === undefined) {
        const pending = (last.jwks = published())
        pending.catch(() => {
          if (last.jwks === pending) delete last.jwks
        })
      }
      return { keys: [...(await last.jwks)] }
    },
    keys: () =>
      serialized(async () => {
        const now = clock()
        return (await apply(now)).map((key) => info(key, now))
      }),
    revoke: async (kid) => {
      checkString(kid, 'kid')
      return serialized(async () => void (await apply(clock(), { revoke: kid })))
    },
    rotateNow: () =>
      serialized(async () => {
        const now = clock()
        const keys = await apply(now, { rotateNow: true })
        // The one key created by this call: the last one planned, published from now.
        return info(keys[keys.length - 1]!, now)
      }),
  }
}
