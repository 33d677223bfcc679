/**
 * When plain HTTP is allowed for JWKS and discovery URLs. Keys fetched over HTTP can be swapped by
 * anyone on the path, so the library refuses `http:` unless told otherwise. The CLI allows it
 * without a flag only for loopback hosts (127.0.0.0/8, ::1, localhost), where no network is crossed,
 * so a local identity provider or test server just works; any other host needs `--allow-http`.
 * @module
 */
import type { Duration } from 'jotjwt'

export function isLoopbackURL(url: string): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  const host = parsed.hostname
  // Not "*.localhost": those names go to the resolver (getaddrinfo), which may send them anywhere.
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host)
}

export function allowHttpFor(url: string, explicit: boolean | undefined): boolean {
  return explicit === true || isLoopbackURL(url)
}

/** `--timeout 2` is seconds, `--timeout 500ms` is refused by the library (seconds everywhere). */
export function durationFlag(text: string | undefined): Duration | undefined {
  if (text === undefined) return undefined
  return /^\d+(\.\d+)?$/.test(text) ? Number(text) : text
}
