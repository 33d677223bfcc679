/**
 * Just enough of a browser for the login tests: a cookie jar (name → value, as the servers set
 * them; like a browser's, shared by every port of 127.0.0.1), requests that do not follow
 * redirects, and a reader for a form's fields, so tests fill and post the real form, CSRF token included.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'

export interface Page {
  status: number
  headers: Headers
  body: string
  /** Set-Cookie values of this response. */
  setCookies: string[]
}

/** The HTML character references the service's escaping produces (lib/html.ts). */
function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|#96);/g, (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#96': '`' })[name]!)
}

export interface LoginForm {
  action: string
  /** Every field of the form, in order: the hidden ones with their values, username and password empty. */
  fields: [string, string][]
}

/**
 * A form of a page, read from its HTML: the one posting to `action` (as written in the page), or the
 * first. Only that form's fields: a page may have several forms (the login page's upstream buttons).
 */
export function loginForm(page: Page, action?: string): LoginForm {
  const forms = [...page.body.matchAll(/<form [^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)].map(([, target, body]) => ({ action: unescapeHtml(target!), body: body! }))
  const form = action === undefined ? forms[0] : forms.find((candidate) => candidate.action === action)
  assert.ok(form, `no form${action === undefined ? '' : ` posting to ${action}`} in:\n${page.body}`)
  const fields: [string, string][] = []
  for (const match of form.body.matchAll(/<input ([^>]*)>/g)) {
    const attributes = Object.fromEntries([...match[1]!.matchAll(/([a-z-]+)(?:="([^"]*)")?/g)].map(([, name, value]) => [name!, unescapeHtml(value ?? '')]))
    if (attributes.name !== undefined) fields.push([attributes.name, attributes.value ?? ''])
  }
  return { action: form.action, fields }
}

export class Browser {
  /** Cookies by name, as the server last set them (Max-Age=0 deletes). */
  readonly cookies = new Map<string, string>()

  async request(url: string, init: { method?: string; form?: [string, string][]; headers?: Record<string, string> } = {}): Promise<Page> {
    const headers: Record<string, string> = { ...init.headers }
    if (this.cookies.size > 0 && headers.cookie === undefined) headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    let body: string | undefined
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      body = new URLSearchParams(init.form).toString()
    }
    const response = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, redirect: 'manual', ...(body === undefined ? {} : { body }) })
    const setCookies = response.headers.getSetCookie()
    for (const cookie of setCookies) {
      const [pair, ...attributes] = cookie.split(';').map((part) => part.trim())
      const equals = pair!.indexOf('=')
      const [name, value] = [pair!.slice(0, equals), pair!.slice(equals + 1)]
      if (attributes.some((attribute) => /^max-age=0$/i.test(attribute))) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return { status: response.status, headers: response.headers, body: await response.text(), setCookies }
  }

  /** Posts the login form with these credentials (and `changes` applied to its fields). */
  submit(form: LoginForm, username: string, password: string, changes: Record<string, string | undefined> = {}): Promise<Page> {
    const fields: [string, string][] = form.fields
      .map(([name, value]): [string, string] => [name, name === 'username' ? username : name === 'password' ? password : value])
      .filter(([name]) => !(name in changes && changes[name] === undefined))
      .map(([name, value]): [string, string] => [name, changes[name] ?? value])
    return this.request(form.action, { form: fields })
  }
}

/** Opens the authorization URL and logs in through the form; returns the redirect to the client. */
export async function logIn(browser: Browser, authorizationUrl: string, username: string, password: string): Promise<URL> {
  const page = await browser.request(authorizationUrl)
  assert.equal(page.status, 200, page.body)
  const answer = await browser.submit(loginForm(page), username, password)
  assert.equal(answer.status, 303, answer.body)
  return new URL(answer.headers.get('location')!)
}

/** The public client of the code-flow tests: its redirect URI and PKCE pair (RFC 7636 Appendix B's verifier). */
export const APP_REDIRECT = 'https://app.example/callback'
export const APP_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'

/**
 * Such a client's configuration entry: public (no secret, PKCE), the code and refresh token grants,
 * scope `orders:read` for `resource`, and its own refresh token grace window when given.
 */
export function appClient(clientId: string, resource: string, graceWindow?: number) {
  return {
    clientId,
    authMethod: 'none' as const,
    grantTypes: ['authorization_code' as const, 'refresh_token' as const],
    redirectUris: [APP_REDIRECT],
    scopes: ['orders:read'],
    resources: [resource],
    ...(graceWindow === undefined ? {} : { refreshToken: { graceWindow } }),
  }
}

/**
 * An authorization code for `clientId` with `scope`, through `browser`: it logs in through the form
 * the first time, and its session gets later codes without the form.
 */
export async function authorizationCode(browser: Browser, issuer: string, clientId: string, scope: string, user: { username: string; password: string }): Promise<string> {
  const url = new URL(`${issuer}/authorize`)
  const challenge = createHash('sha256').update(APP_VERIFIER).digest('base64url')
  for (const [name, value] of Object.entries({ response_type: 'code', client_id: clientId, redirect_uri: APP_REDIRECT, scope, code_challenge: challenge, code_challenge_method: 'S256' })) {
    url.searchParams.set(name, value)
  }
  if (browser.cookies.size === 0) return (await logIn(browser, url.href, user.username, user.password)).searchParams.get('code')!
  const page = await browser.request(url.href)
  assert.equal(page.status, 303, page.body)
  return new URL(page.headers.get('location')!).searchParams.get('code')!
}

/** The token request that redeems `code` for the public client `clientId`. */
export function redeemCode(issuer: string, clientId: string, code: string): Promise<Response> {
  return fetch(`${issuer}/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: APP_REDIRECT, code_verifier: APP_VERIFIER }),
  })
}
