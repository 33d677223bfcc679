/**
 * Proxy configuration snippets that put the forward-auth service in front of an upstream. The
 * auth response alone does not remove a client's own copy of a claim header in every proxy (Envoy
 * appends, envoy#35553; Caddy's copy_headers sets only what the response has), so each snippet
 * removes every client copy first: each managed header in any case, with `_` for `-` in any
 * position (frameworks that map headers to `HTTP_X_ORG_ID` merge the two), on every route.
 *
 * With `resourceMetadata`, the well-known path of protected resource metadata (RFC 9728 §3.1,
 * `/.well-known/oauth-protected-resource` and below) is passed to the gateway itself, with the
 * client's host, and without forward auth: the gateway serves the documents of its `resources`.
 * @module
 */
import { fileURLToPath } from 'node:url'
import { PROTECTED_RESOURCE_WELL_KNOWN } from 'jotjwt-guard'

/** What the snippets need to know. */
export interface SnippetOptions {
  /** `host:port` of the forward-auth service. */
  readonly gateway: string
  /** `host:port` of the upstream. */
  readonly upstream: string
  /** The claim and payload headers the gateway sets (lower case); {@link Gateway.managedHeaders}. */
  readonly headers: readonly string[]
  /** Pass the protected resource metadata path (RFC 9728) to the gateway, which serves its `resources`. */
  readonly resourceMetadata?: boolean
}

/** Every spelling of `name` with `-` or `_` in each separator position. */
export function separatorVariants(name: string): string[] {
  const parts = name.split(/[-_]/)
  let variants = [parts[0]!]
  for (const part of parts.slice(1)) variants = variants.flatMap((prefix) => [`${prefix}-${part}`, `${prefix}_${part}`])
  return variants
}

/** nginx variable name for a header (`x-org-id` → `jot_x_org_id`). */
const nginxVariable = (header: string) => `jot_${header.replace(/-/g, '_')}`

/**
 * An nginx `server` body using `auth_request`. `proxy_set_header` replaces the client's copy of a
 * header (any case) and sends nothing when the value is empty, so each managed header is set from
 * the auth response or removed; headers with underscores are never passed (`underscores_in_headers
 * off`, the default, stated here because turning it on would reopen the underscore variants).
 */
export function nginxServer(options: SnippetOptions): string {
  const set = options.headers.map((h) => `    auth_request_set $${nginxVariable(h)} $upstream_http_${h.replace(/-/g, '_')};\n    proxy_set_header ${h} $${nginxVariable(h)};`).join('\n')
  // ^~: this prefix wins over `location /`, so the public document needs no token.
  const metadata = options.resourceMetadata
    ? `  location ^~ ${PROTECTED_RESOURCE_WELL_KNOWN} {
    proxy_pass http://${options.gateway};
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-Host $host;
  }
`
    : ''
  return `  underscores_in_headers off;
  ignore_invalid_headers on;
  location = /_jot_auth {
    internal;
    proxy_pass http://${options.gateway}/auth;
    proxy_pass_request_body off;
    proxy_set_header Content-Length "";
    proxy_set_header X-Original-Method $request_method;
    proxy_set_header X-Original-URI $request_uri;
    proxy_set_header X-Forwarded-Host $host;
  }
  location / {
    auth_request /_jot_auth;
    # 403 insufficient_scope: auth_request passes WWW-Authenticate on 401 only.
    auth_request_set $jot_challenge $upstream_http_www_authenticate;
    error_page 403 = @jot_forbidden;
    # RFC 9449 §8.2: the gateway's DPoP-Nonce (dpopNonce) reaches the client on every answer; empty: not sent.
    auth_request_set $jot_dpop_nonce $upstream_http_dpop_nonce;
    add_header DPoP-Nonce $jot_dpop_nonce always;
${set}
    proxy_pass http://${options.upstream};
  }
  location @jot_forbidden {
    add_header WWW-Authenticate $jot_challenge always;
    add_header DPoP-Nonce $jot_dpop_nonce always;
    return 403;
  }
${metadata}`
}

/** The Lua action that makes HAProxy ask the forward-auth service: `lua-load` it in `global`. */
export const HAPROXY_LUA = fileURLToPath(new URL('../../proxies/haproxy/jotjwt-auth.lua', import.meta.url))

/**
 * An HAProxy `frontend` (listening on `bind`) and its `backend`, using the Lua action of
 * {@link HAPROXY_LUA} (load it in `global`). Every spelling of every managed header is deleted first
 * (`del-header` ignores case; `_` spellings are other names); the action then sets each one from the
 * answer or removes it, and answers refusals itself with the gateway's status and challenge.
 */
export function haproxySections(options: SnippetOptions & { readonly bind: string }): string {
  const strip = options.headers.flatMap(separatorVariants).map((name) => `  http-request del-header ${name}`).join('\n')
  return `frontend jotjwt
  bind ${options.bind}
${strip}
  http-request lua.jotjwt-auth http://${options.gateway}/auth ${options.headers.join(',')}
  default_backend jotjwt_upstream

backend jotjwt_upstream
  server upstream ${options.upstream}
`
}

/** A Caddyfile site body using `forward_auth`, in a `route` so the strip runs first. */
export function caddySite(options: SnippetOptions): string {
  const strip = options.headers.flatMap(separatorVariants).map((name) => `    request_header -${name}`).join('\n')
  // Go's proxy drops the headers a request's Connection header names (RFC 9110 §7.6.1), which would
  // drop the claim headers forward_auth just set: the client's Connection goes first.
  // A terminal handler before forward_auth: the metadata documents are public (Caddy passes the Host on).
  const metadata = options.resourceMetadata ? `    reverse_proxy ${PROTECTED_RESOURCE_WELL_KNOWN}* ${options.gateway}\n` : ''
  return `  route {
    request_header -Connection
${strip}
${metadata}    forward_auth ${options.gateway} {
      uri /auth
${options.headers.length === 0 ? '' : `      copy_headers ${options.headers.join(' ')}\n`}    }
    reverse_proxy ${options.upstream}
  }
`
}
