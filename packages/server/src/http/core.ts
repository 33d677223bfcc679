/**
 * What the HTTP layer needs from the OAuth core: one framework-free function per endpoint. The app
 * receives them (the service passes the real core, tests pass stand-ins), so routes stay thin
 * shells and the HTTP behaviour can be tested on its own.
 * @module
 */
import type { RegistrationRequest } from '../oauth/registration.js'
import type { BrowserRequest, BrowserResponse, OAuthRequest, OAuthResponse, ServiceContext } from '../service/context.js'

export type OAuthHandler = (request: OAuthRequest, ctx: ServiceContext) => Promise<OAuthResponse>
export type BrowserHandler = (request: BrowserRequest, ctx: ServiceContext) => Promise<BrowserResponse>
/** A browser endpoint of one upstream provider, named by its id in the path. */
export type UpstreamHandler = (request: BrowserRequest, ctx: ServiceContext, upstreamId: string) => Promise<BrowserResponse>

export interface CoreHandlers {
  /** RFC 6749 §3.2 */
  token: OAuthHandler
  /** RFC 7009 §2 */
  revocation: OAuthHandler
  /** RFC 7662 §2 */
  introspection: OAuthHandler
  /** OIDC Core §5.3 */
  userinfo: OAuthHandler
  /** RFC 6749 §3.1, OIDC Core §3.1.2 (a browser) */
  authorization: BrowserHandler
  /** The built-in login form's submission (a browser) */
  login: BrowserHandler
  /** An upstream provider's button on the login page: starts the login there (a browser) */
  upstreamLogin: UpstreamHandler
  /** An upstream provider's redirect URI (a browser, sent back by the provider) */
  upstreamCallback: UpstreamHandler
  /** RFC 7591 §3 (only routed with `registration.enabled`). */
  registration: (request: RegistrationRequest, ctx: ServiceContext) => Promise<OAuthResponse>
  /** The RFC 8414 metadata document, as served at both well-known paths. */
  metadata(ctx: ServiceContext): OAuthResponse | Promise<OAuthResponse>
}
