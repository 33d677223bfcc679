/**
 * `jot/dpop`: OAuth 2.0 Demonstrating Proof of Possession (RFC 9449): making proofs (clients),
 * checking them with a replay store (servers), and the `cnf.jkt` binding of access tokens.
 *
 * @example
 * ```ts
 * import { createDPoPProof, createDPoPVerifier, createMemoryReplayStore } from 'jotjwt/dpop'
 * const proof = await createDPoPProof(privateKey, { method: 'POST', url: 'https://as.example/token' })
 * const verifyProof = createDPoPVerifier({ algorithms: ['ES256'], replay: createMemoryReplayStore() })
 * const { jkt } = await verifyProof(proof, { method: 'POST', url: 'https://as.example/token' })
 * ```
 * @module
 */
export { createDPoPProof, type CreateDPoPProofOptions } from '../dpop/proof.js'
export {
  DEFAULT_DPOP_CLOCK_TOLERANCE,
  DEFAULT_DPOP_MAX_AGE,
  type DPoPNonceCheck,
  type DPoPProofClaims,
  type DPoPRequest,
  type DPoPVerifierOptions,
  type VerifiedDPoPProof,
  type VerifyDPoPProofOptions,
} from '../dpop/types.js'
export { createDPoPVerifier, verifyDPoPProof } from '../dpop/verify.js'
export { checkDPoPBinding } from '../dpop/binding.js'
export {
  createMemoryReplayStore,
  DEFAULT_MAX_REPLAY_ENTRIES,
  type MemoryReplayStoreOptions,
  type ReplayStore,
} from '../dpop/replay.js'
