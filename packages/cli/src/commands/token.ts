/**
 * `jotjwt token`: get an access token with the client credentials grant (RFC 6749 §4.4) and print
 * it alone on stdout, so `jotjwt token … | jotjwt verify --issuer …` works as a pipe. The token
 * endpoint is found by discovery from the issuer (the same discovery `verify --issuer` uses, with
 * its exact issuer check); the client authenticates with a secret from an environment variable
 * (never a flag: flags show in `ps` and shell history) or with a private key (private_key_jwt,
 * RFC 7523 §2.2). With `--dpop-key` the token is bound to that key (RFC 9449 §5): each request
 * carries a DPoP proof, retried once with the server's nonce when it asks for one (§8). Without
 * `--issuer`, the one `--resource` names the API, and its protected resource metadata (RFC 9728)
 * names the authorization server (`net/protected-resource.ts`).
 * @module
 */
import { randomUUID } from 'node:crypto'
import { createDPoPProof, discoverOIDCProvider, signJWT, type JotKey } from 'jotjwt'
import { defineCommand, type Context } from '../cli/command.js'
import { CliError, EXIT_INVALID, UsageError } from '../cli/errors.js'
import { readEnv, utf8 } from '../io/input.js'
import { signingAlgorithm } from '../keys/algorithms.js'
import { importMaterial, loadKeyMaterial, requireAlgorithm } from '../keys/material.js'
import { allowHttpFor, durationFlag } from '../net/http-policy.js'
import { authorizationServersOf } from '../net/protected-resource.js'
import { requestToken } from '../net/token-endpoint.js'

const AUTH_METHODS = { basic: 'client_secret_basic', post: 'client_secret_post', private_key_jwt: 'private_key_jwt' } as const
type AuthMethod = keyof typeof AUTH_METHODS

/** RFC 7523 §3: the assertion is short-lived; the server refuses it once used anyway. */
const ASSERTION_LIFETIME_SECONDS = 60

/** RFC 6749 §2.3.1: client id and secret are form-encoded before they are joined for Basic. */
const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2)

export const token = defineCommand({
  name: 'token',
  summary: 'get an access token from an OAuth 2.0 token endpoint (client credentials)',
  usage: '(--issuer URL | --resource URL) --client-id ID (--client-secret-env VAR | --client-key FILE) [options]',
  description: [
    'Finds the token endpoint by discovery from --issuer, requests a token with the client credentials',
    'grant and prints the access token alone on stdout (pipe it into jotjwt verify). The client',
    'authenticates with a secret read from an environment variable (--client-secret-env; sent with',
    'HTTP Basic, or in the body with --auth-method post) or with a private key (--client-key: a',
    'signed client assertion, private_key_jwt). A refusal prints the server\'s OAuth error code and',
    'description and exits 1; an unreachable or unavailable server exits 3.',
    'With --dpop-key the request carries a DPoP proof made with that private key (RFC 9449), and the',
    'token is bound to it: use it with "Authorization: DPoP" and a proof per request (jotjwt dpop).',
    'A token of another type than DPoP is refused then (the server does not support DPoP).',
    'Without --issuer, one --resource names the API: its protected resource metadata (RFC 9728, at',
    '/.well-known/oauth-protected-resource) names the authorization server; with several, pick one',
    'with --issuer. The metadata must name exactly that resource, or it is not trusted.',
    'Plain http: is allowed for loopback hosts, elsewhere only with --allow-http.',
  ].join('\n'),
  options: {
    issuer: { type: 'string', value: 'URL', description: 'the authorization server (default: from the --resource\'s metadata, RFC 9728)' },
    'client-id': { type: 'string', value: 'ID', description: 'the client id' },
    'client-secret-env': { type: 'string', value: 'VAR', description: 'read the client secret from this environment variable' },
    'client-key': { type: 'string', value: 'FILE', description: 'private key (PEM or JWK) for private_key_jwt' },
    alg: { type: 'string', short: 'a', value: 'ALG', description: 'with --client-key: the assertion\'s algorithm (default: from the key)' },
    'auth-method': { type: 'string', value: 'METHOD', description: 'basic, post or private_key_jwt (default: basic with a secret, private_key_jwt with a key)' },
    scope: { type: 'string', value: 'SCOPE', description: 'space-separated scopes to ask for' },
    resource: { type: 'string', multiple: true, value: 'URI', description: 'the resource (audience) the token is for (RFC 8707)' },
    'dpop-key': { type: 'string', value: 'FILE', description: 'private key (PEM or JWK) to bind the token to with DPoP' },
    'allow-http': { type: 'boolean', description: 'allow http: URLs beyond loopback' },
    timeout: { type: 'string', value: 'SECONDS', description: 'network timeout for discovery and the token request (default 5)' },
  },
  examples: [
    'JOTJWT_SECRET=... jotjwt token --issuer https://as.example --client-id billing --client-secret-env JOTJWT_SECRET',
    'jotjwt token --issuer https://as.example --client-id billing --client-key billing.private.jwk --scope orders:read',
    'JOTJWT_SECRET=... jotjwt token --resource https://api.example/orders --client-id billing --client-secret-env JOTJWT_SECRET',
    'jotjwt token --issuer https://as.example --client-id billing --client-secret-env S --dpop-key dpop.private.jwk',
    'jotjwt token --issuer http://127.0.0.1:8080 --client-id demo --client-secret-env S | jotjwt verify --issuer http://127.0.0.1:8080 --audience http://127.0.0.1:8080/api',
  ],
  maxPositionals: 0,
  async run({ values }, context) {
    const clientId = values['client-id']
    const resources = values.resource ?? []
    if (values.issuer === undefined && resources.length !== 1) {
      throw new UsageError('pass --issuer URL, or one --resource URL whose metadata names the authorization server (RFC 9728)')
    }
    if (clientId === undefined) throw new UsageError('pass --client-id ID')
    if ((values['client-secret-env'] === undefined) === (values['client-key'] === undefined)) {
      throw new UsageError('pass either --client-secret-env VAR or --client-key FILE')
    }
    const requested = values['auth-method'] ?? (values['client-key'] === undefined ? 'basic' : 'private_key_jwt')
    if (!Object.hasOwn(AUTH_METHODS, requested)) throw new UsageError(`unknown --auth-method "${requested}"; use basic, post or private_key_jwt`)
    const method = requested as AuthMethod
    if ((method === 'private_key_jwt') !== (values['client-key'] !== undefined)) {
      throw new UsageError(method === 'private_key_jwt' ? 'private_key_jwt needs --client-key FILE' : `--auth-method ${method} needs --client-secret-env VAR`)
    }

    const timeout = durationFlag(values.timeout) ?? 5
    if (typeof timeout !== 'number') throw new UsageError('--timeout takes a number of seconds')

    // Credentials first: a missing variable or unreadable key is reported before any network use.
    const clientKey = method === 'private_key_jwt' ? await clientKeyFrom(values['client-key']!, values.alg, context) : undefined
    const secret = method === 'private_key_jwt' ? undefined : utf8(readEnv(values['client-secret-env']!, 'client secret', context.env))
    const dpopKey = values['dpop-key'] === undefined ? undefined : await dpopKeyFrom(values['dpop-key'], context)

    const policy = (url: string) => ({ allowHttp: allowHttpFor(url, values['allow-http']), timeout })
    const issuer = values.issuer ?? (await discoveredIssuer(resources[0]!, policy(resources[0]!)))
    const params = new URLSearchParams({ grant_type: 'client_credentials' })
    if (values.scope !== undefined) params.set('scope', values.scope)
    for (const resource of resources) params.append('resource', resource)
    let authorization: string | undefined
    if (clientKey !== undefined) {
      params.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      params.set('client_assertion', await clientAssertion(clientKey, clientId, issuer))
      params.set('client_id', clientId)
    } else if (secret !== undefined) {
      if (method === 'basic') {
        authorization = `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(secret)}`).toString('base64')}`
      } else {
        params.set('client_id', clientId)
        params.set('client_secret', secret)
      }
    }

    const metadata = await discoverOIDCProvider(issuer, policy(issuer))
    const endpoint = metadata.token_endpoint
    if (typeof endpoint !== 'string') throw new CliError(`the discovery document of ${issuer} names no token_endpoint`, EXIT_INVALID)
    checkEndpoint(endpoint, policy(endpoint).allowHttp)
    const dpop = dpopKey === undefined ? undefined : (nonce: string | undefined) => createDPoPProof(dpopKey, { method: 'POST', url: endpoint, ...(nonce === undefined ? {} : { nonce }) })
    const response = await requestToken({ endpoint, params, ...(authorization === undefined ? {} : { authorization }), ...(dpop === undefined ? {} : { dpop }), timeoutMs: timeout * 1000 })
    // RFC 9449 §5: a server without DPoP ignores the proof and issues a bearer token; the caller asked for a bound one.
    if (dpop !== undefined && response.token_type.toLowerCase() !== 'dpop') {
      throw new CliError(`the server issued a ${response.token_type} token, not a DPoP-bound one (does it support DPoP?)`, EXIT_INVALID)
    }
    context.stdout.write(`${response.access_token}\n`)
    return 0
  },
})

/** The token endpoint receives credentials: https:, unless plain HTTP is allowed for it. */
function checkEndpoint(endpoint: string, allowHttp: boolean): void {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw new CliError('the discovery document\'s token_endpoint is not a URL', EXIT_INVALID)
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && allowHttp)) return
  throw new CliError(`the token endpoint ${endpoint} is not https: (credentials would travel in the clear; --allow-http allows it)`, EXIT_INVALID)
}

/** The one authorization server the resource's metadata names (RFC 9728); several need `--issuer`. */
async function discoveredIssuer(resource: string, policy: { allowHttp: boolean; timeout: number }): Promise<string> {
  const servers = await authorizationServersOf(resource, policy)
  if (servers.length > 1) throw new CliError(`the resource names several authorization servers; pick one with --issuer: ${servers.join(', ')}`, EXIT_INVALID)
  return servers[0]!
}

/** The private key of private_key_jwt, its algorithm from --alg or the key. */
async function clientKeyFrom(file: string, algFlag: string | undefined, context: Context): Promise<JotKey> {
  const material = (await loadKeyMaterial(file, undefined, 'client-key', context, { flag: 'alg', given: algFlag !== undefined }))!
  const alg = signingAlgorithm(requireAlgorithm(material, algFlag === undefined ? undefined : signingAlgorithm(algFlag), 'sig'))
  const key = await importMaterial(material, alg)
  if (key.type !== 'private') throw new CliError(`${material.source} is not a private key; private_key_jwt signs with one`, EXIT_INVALID)
  return key
}

/**
 * RFC 7523 §3 client assertion: `iss` and `sub` are the client id, `aud` the issuer (the
 * authorization server's identifier), a fresh `jti`, and a short `exp`.
 */
function clientAssertion(key: JotKey, clientId: string, issuer: string): Promise<string> {
  return signJWT({}, key, { issuer: clientId, subject: clientId, audience: issuer, jwtId: randomUUID(), expiresIn: ASSERTION_LIFETIME_SECONDS })
}

/** The DPoP key: a private key of an asymmetric algorithm (RFC 9449 §4.2), its algorithm from the key. */
async function dpopKeyFrom(file: string, context: Context): Promise<JotKey> {
  const material = (await loadKeyMaterial(file, undefined, 'dpop-key', context, { flag: 'alg', given: false }))!
  const key = await importMaterial(material, signingAlgorithm(requireAlgorithm(material, undefined, 'sig')))
  if (key.type !== 'private') throw new CliError(`${material.source} is not a private key; DPoP proofs are signed with one`, EXIT_INVALID)
  return key
}
