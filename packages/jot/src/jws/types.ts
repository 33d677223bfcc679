/** Public JWS types. @module */
import type { JWSAlgorithmName } from '../jwa/signing.js'
import type { JotKey } from '../key/key.js'
import type { JWK } from '../key/jwk.js'

/** JOSE header parameters (RFC 7515 §4.1). Other parameters are allowed and passed through. */
export interface JWSHeaderParameters {
  alg?: string
  kid?: string
  typ?: string
  cty?: string
  crit?: string[]
  /** RFC 7797: `false` means the payload is not base64url-encoded. Only in the JSON serializations. */
  b64?: boolean
  jwk?: JWK
  jku?: string
  x5u?: string
  x5c?: string[]
  x5t?: string
  'x5t#S256'?: string
  [parameter: string]: unknown
}

/** Which JWS serialization a token arrived in. */
export type JWSSerialization = 'compact' | 'flattened' | 'general'

/**
 * Chooses the verification key from the token's (not yet verified) header, e.g. by `kid`. Treat every
 * header value as attacker-controlled: compare `kid` as an opaque string, never fetch `jku`/`x5u`,
 * never trust an embedded `jwk`.
 *
 * It may return one key or a non-empty array of candidates (e.g. several keys share a `kid` during a
 * rotation): each candidate bound to the header's `alg` is tried in order, at most
 * {@link MAX_CANDIDATE_KEYS}, and the first that verifies wins. Key sets ({@link createLocalKeySet},
 * {@link createRemoteKeySet}) are resolvers.
 *
 * @example
 * ```ts
 * const resolver: KeyResolver = (header) => keysById.get(String(header.kid)) ?? fallbackKey
 * ```
 */
export type KeyResolver = (
  header: Readonly<JWSHeaderParameters>,
  context: { readonly serialization: JWSSerialization },
) => KeyCandidates | Promise<KeyCandidates>

/** What a {@link KeyResolver} returns: one key, or candidate keys tried in order. */
export type KeyCandidates = JotKey | readonly JotKey[]

/** Options shared by every JWS and JWT verification entry point. */
export interface VerifyJWSOptions {
  /**
   * Allowlist of acceptable `alg` values. Every key is already bound to one algorithm, so this is a
   * second fence, useful with a {@link KeyResolver} that can return keys of several algorithms.
   */
  algorithms?: readonly JWSAlgorithmName[]
  /**
   * Names of `crit` extension parameters the caller understands and checks itself (RFC 7515
   * §4.1.11). `b64` is built in. A token listing any other name is rejected.
   */
  crit?: readonly string[]
  /** Maximum input length in characters; default {@link DEFAULT_MAX_TOKEN_LENGTH}. */
  maxTokenLength?: number
  /**
   * Check asymmetric signatures off the calling thread where the crypto backend can: node:crypto's
   * thread pool (`crypto.verify` with a callback). For servers under concurrent load: the event
   * loop stays free for requests while other cores verify, at the cost of a thread hop per token
   * (a little more latency when idle). HMAC stays on the calling thread (it is cheap); WebCrypto is
   * asynchronous anyway. A process that may use only one CPU (`os.availableParallelism()` is 1, e.g.
   * under `taskset -c 0`) verifies inline on node:crypto: a pool thread could only take turns with
   * the event loop on that CPU. Default false.
   */
  offload?: boolean
}

/** Default cap on token length: 16 KiB, above the largest real-world ID and access tokens. */
export const DEFAULT_MAX_TOKEN_LENGTH = 16 * 1024

/** The result of a successful JWS verification. */
export interface VerifiedJWS {
  /** The payload bytes (decoded from base64url unless `b64: false`). */
  payload: Uint8Array
  /** The integrity-protected header. Empty when the JWS had none (JSON serializations only). */
  protectedHeader: JWSHeaderParameters
  /** The unprotected header (JSON serializations only). Not covered by the signature. */
  unprotectedHeader?: JWSHeaderParameters
  /** The key that verified the signature. */
  key: JotKey
}

/** Options for producing a JWS. */
export interface SignJWSOptions {
  /**
   * Extra protected header parameters: `alg` is always the key's algorithm and `kid` defaults to the
   * key's. Or a string: the exact header JSON text to sign (it must name the key's `alg`), e.g. to
   * reproduce a test vector; `''` for no protected header (JSON serializations only; `alg` then goes
   * in the unprotected header).
   */
  protectedHeader?: JWSHeaderParameters | string
  /** RFC 7797 unencoded payload (`b64: false`, listed in `crit`). JSON serializations only. */
  b64?: boolean
  /** Leave the payload out of the output (RFC 7515 Appendix F); the verifier supplies it. */
  detached?: boolean
}

/** Flattened JWS JSON serialization (RFC 7515 §7.2.2). */
export interface FlattenedJWS {
  protected?: string
  header?: JWSHeaderParameters
  payload?: string
  signature: string
}

/** General JWS JSON serialization (RFC 7515 §7.2.1). */
export interface GeneralJWS {
  payload?: string
  signatures: Array<{ protected?: string; header?: JWSHeaderParameters; signature: string }>
}
