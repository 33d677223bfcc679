/**
 * `jot/jwks`: JWK Sets as key resolvers: in memory, fetched from a `jwks_uri` (cached, with a fetch
 * budget), embedded in the header (opt-in), and OpenID Provider discovery.
 *
 * @example
 * ```ts
 * import { createRemoteKeySet } from 'jotjwt/jwks'
 * import { verifyJWT } from 'jotjwt/jwt'
 * const keys = createRemoteKeySet('https://issuer.example/.well-known/jwks.json')
 * const { payload } = await verifyJWT(token, keys, { issuer: 'https://issuer.example', audience: 'api' })
 * ```
 * @module
 */
export type {
  KeySetEvent,
  KeySetFetchReason,
  KeySetOptions,
  KeySetState,
  RemoteKeySet,
  RemoteKeySetOptions,
} from '../jwks/types.js'
export { createLocalKeySet } from '../jwks/local.js'
export { createRemoteKeySet } from '../jwks/remote.js'
export { createEmbeddedJWKResolver, type EmbeddedJWKOptions } from '../jwks/embedded.js'
export {
  createOIDCKeySet,
  discoverOIDCProvider,
  type DiscoveryOptions,
  type OIDCProviderMetadata,
} from '../oidc/discovery.js'
