/**
 * Dev mode only: the page the demo app's authorization codes land on (its registered redirect
 * URI). It shows the code, or the error, and the command that exchanges the code for tokens, with
 * the PKCE verifier dev mode made at start; codes live `tokens.authorizationCodeTtl` (1 minute).
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { layout, PAGE_HEADERS } from '../../login/pages.js'
import { html } from '../../lib/html.js'
import { shellQuote } from '../../lib/shell.js'
import { endpointUrl } from '../../oauth/endpoints.js'
import type { ServiceContext } from '../../service/context.js'
import { DEV_CALLBACK_PATH, type DevMode } from '../../service/dev.js'

export function devRoutes(app: FastifyInstance, ctx: ServiceContext, dev: DevMode): void {
  app.get(DEV_CALLBACK_PATH, async (request, reply) => {
    const query = request.query as Record<string, unknown>
    const text = (name: string) => (typeof query[name] === 'string' ? query[name] : undefined)
    const code = text('code')
    const error = text('error')
    const exchange = [
      'curl -sS -d grant_type=authorization_code',
      `-d client_id=${shellQuote(dev.app.clientId)}`,
      `--data-urlencode ${shellQuote(`redirect_uri=${dev.app.redirectUri}`)}`,
      `-d code_verifier=${shellQuote(dev.app.codeVerifier)}`,
      `--data-urlencode ${shellQuote(`code=${code ?? ''}`)}`,
      shellQuote(endpointUrl(ctx.config, 'token')),
    ].join(' ')
    const body =
      code !== undefined
        ? html`<h1>Signed in</h1>
<p>The demo app received an authorization code. Exchange it for tokens within a minute:</p>
<pre><code>${exchange}</code></pre>
<p>The answer holds an access token, an ID token and a refresh token.</p>`
        : html`<h1>No code</h1>
<p class="error">The authorization server answered: <code>${error ?? 'nothing'}</code> ${text('error_description') ?? ''}</p>`
    return reply.code(code !== undefined ? 200 : 400).headers(PAGE_HEADERS).send(layout('Demo app', body))
  })
}
