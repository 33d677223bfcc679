/**
 * The login's HTML pages: the sign-in form and the error page. Server-rendered with `lib/html.ts`
 * (every value escaped), no script, one stylesheet allowed by its hash. Each page is sent with
 * {@link PAGE_HEADERS}: a Content-Security-Policy that forbids framing (`frame-ancestors 'none'`,
 * clickjacking) and everything but that stylesheet, and `X-Frame-Options: DENY` for browsers that
 * predate CSP's framing rule.
 * @module
 */
import { createHash } from 'node:crypto'
import { Html, html } from '../lib/html.js'

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f4f5;color:#18181b}
main{max-width:22rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px #0002}
h1{font-size:1.4rem;margin:0 0 .25rem}label{display:block;margin:1rem 0 .25rem}
input{box-sizing:border-box;width:100%;padding:.5rem;font:inherit;border:1px solid #a1a1aa;border-radius:.25rem}
button{margin-top:1.5rem;width:100%;padding:.6rem;font:inherit;border:0;border-radius:.25rem;background:#2563eb;color:#fff}
.upstream button{margin-top:.75rem;background:#fff;color:#18181b;border:1px solid #a1a1aa}
.or{margin:1.5rem 0 0;text-align:center;color:#71717a}
.error{color:#b91c1c}code{word-break:break-all}`

/**
 * No `form-action`: after the login form is posted, the answer redirects to the client, and
 * browsers apply `form-action` to that redirect too. `default-src 'none'` covers everything else.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; base-uri 'none'; frame-ancestors 'none'`,
  'X-Frame-Options': 'DENY',
})

/** A page of the service: `body` inside the common layout. */
export function layout(title: string, body: Html): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>${new Html(STYLE)}</style>
</head>
<body><main>${body}</main></body>
</html>
`.text
}

export interface LoginFormPage {
  /** Where the password form posts (the login endpoint's absolute URL); undefined: no password form. */
  action: string | undefined
  /** The upstream providers offered: a button each, posting the same hidden fields to `action`. */
  upstreams: readonly { action: string; name: string }[]
  /** The CSRF field of every form of the page. */
  csrfToken: string
  /** The authorization request's parameters, carried in hidden fields. */
  carried: readonly (readonly [string, string])[]
  /** The client's display name. */
  clientName: string
  username?: string | undefined
  error?: string | undefined
}

/** The sign-in page: the password form, then a button per upstream provider. */
export function loginFormPage(page: LoginFormPage): string {
  const hidden = html`<input type="hidden" name="csrf_token" value="${page.csrfToken}">
${page.carried.map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">
`)}`
  const passwordForm =
    page.action === undefined
      ? undefined
      : html`<form method="post" action="${page.action}">
${hidden}<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" autocapitalize="none" required autofocus value="${page.username ?? ''}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`
  const upstreams = page.upstreams.map(
    (upstream) => html`<form class="upstream" method="post" action="${upstream.action}">
${hidden}<button type="submit">Sign in with ${upstream.name}</button>
</form>
`,
  )
  return layout(
    'Sign in',
    html`<h1>Sign in</h1>
<p>to continue to <strong>${page.clientName}</strong></p>
${page.error === undefined ? undefined : html`<p class="error" role="alert">${page.error}</p>`}
${passwordForm}
${passwordForm && upstreams.length > 0 ? html`<p class="or">or</p>` : undefined}
${upstreams}`,
  )
}

/** An error shown to the person (never a redirect): `error` is the OAuth code, for the client's developer. */
export function errorPage(title: string, message: string, error?: string): string {
  return layout(title, html`<h1>${title}</h1>
<p class="error">${message}</p>
${error === undefined ? undefined : html`<p>Error code: <code>${error}</code></p>`}`)
}
