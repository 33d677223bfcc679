/**
 * What `jotjwt serve` prints once it listens: the endpoints (from the discovery document, the one
 * place they are defined), and in dev mode the demo client with two commands that work as printed
 * (a `curl` that gets a token, and a `jotjwt` pipe that gets one and verifies it against the JWKS),
 * then how to log in as a demo user: the URL to open, after which the page the browser lands on
 * shows the command that exchanges the code.
 * @module
 */
import { shellQuote } from '../lib/shell.js'
import type { RunningService } from './service.js'

/**
 * The startup text. `cli` is how the user runs the CLI (`jotjwt`, or `npx jotjwt` in a checkout).
 *
 * @example
 * ```ts
 * process.stdout.write(startupBanner(await startService({ dev: true }), { cli: 'jotjwt' }))
 * ```
 */
export function startupBanner(service: RunningService, options: { cli: string }): string {
  const { issuer, demo, metadata } = service
  const rows: [string, unknown][] = [
    ['issuer', issuer],
    ['discovery', `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`],
    ['JWKS', metadata.jwks_uri],
    ['authorize', metadata.authorization_endpoint],
    ['token', metadata.token_endpoint],
    ['userinfo', metadata.userinfo_endpoint],
    ['revoke', metadata.revocation_endpoint],
    ['introspect', metadata.introspection_endpoint],
    ...(service.debuggerUrl === undefined ? [] : [['debugger', `${service.debuggerUrl}  (JWT debugger page: tokens and keys stay in your browser)`] as [string, unknown]]),
  ]
  const lines = [
    `jotjwt token service${service.ctx.config.dev ? ' (dev mode)' : ''} listening on ${service.url}`,
    '',
    ...rows.map(([name, value]) => `  ${name.padEnd(11)}${String(value)}`),
    '',
  ]
  if (demo) {
    const secretVariable = 'JOTJWT_DEMO_SECRET'
    lines.push(
      `Demo client (its secret is kept in ${demo.file}):`,
      `  client_id      ${demo.clientId}`,
      `  client_secret  ${demo.clientSecret}`,
      `  scopes         ${demo.scopes.join(' ')}`,
      `  resource       ${demo.resource}`,
      '',
      'Get a token with curl:',
      `  curl -sS -u ${shellQuote(`${demo.clientId}:${demo.clientSecret}`)} -d grant_type=client_credentials ${shellQuote(String(metadata.token_endpoint))}`,
      '',
      'Get a token and verify it against the published keys:',
      `  ${secretVariable}=${shellQuote(demo.clientSecret)} ${options.cli} token --issuer ${shellQuote(issuer)} --client-id ${demo.clientId} --client-secret-env ${secretVariable}` +
        ` | ${options.cli} verify --issuer ${shellQuote(issuer)} --audience ${shellQuote(demo.resource)} --typ at+jwt`,
      '',
      `Log in as a person (authorization code with PKCE, public client ${demo.app.clientId}):`,
      ...demo.users.map((user) => `  ${user.username.padEnd(6)} password ${user.password}   groups ${user.groups.join(', ')}`),
      `  (passwords kept in ${demo.usersFile})`,
      '',
      'Open this URL in a browser and sign in; the page it lands on shows the command that exchanges the code for tokens:',
      `  ${demo.app.authorizationUrl}`,
      '',
      `Stop with Ctrl-C. Keys, clients and users stay in ${service.ctx.config.dataDir} for the next start.`,
      '',
    )
  }
  return lines.join('\n')
}
