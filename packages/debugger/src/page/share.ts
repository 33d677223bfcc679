/**
 * Links to the page's state. The state goes after `#`, which browsers never send to a server (RFC
 * 3986 §3.5, and the fetch standard strips it from requests). Only the fields named here are written
 * or read, and none of them is a key or secret: a link can carry a token and where to find its
 * public keys, never what signs or verifies it.
 * @module
 */

const SHARED_FIELDS = ['mode', 'token', 'expected', 'iss', 'aud', 'jwks', 'issuer', 'alg', 'header', 'claims'] as const

export type SharedField = (typeof SHARED_FIELDS)[number]
export type SharedState = Partial<Record<SharedField, string>>

export function readFragment(hash: string): SharedState {
  const params = new URLSearchParams(hash.replace(/^#/, ''))
  const state: SharedState = {}
  for (const field of SHARED_FIELDS) {
    const value = params.get(field)
    if (value !== null) state[field] = value
  }
  return state
}

export function fragmentFor(state: SharedState): string {
  const params = new URLSearchParams()
  for (const field of SHARED_FIELDS) {
    const value = state[field]
    if (value !== undefined && value !== '') params.set(field, value)
  }
  return `#${params.toString()}`
}
