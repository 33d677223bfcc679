/**
 * The page's only network access: GETs of the JWK Set and OpenID configuration URLs the reader typed.
 * Every request is sent without cookies or HTTP authentication (`credentials: 'omit'`), without a
 * Referer (`referrerPolicy: 'no-referrer'`), bypassing the HTTP cache, and reported to the page, which
 * lists it. Nothing the reader pasted is in such a request: the URL is the one typed, and the library
 * adds only an Accept header.
 * @module
 */

/**
 * Plain HTTP is allowed only to this machine (RFC 8725 §3.10: keys fetched over HTTP can be swapped
 * by anyone on the path). The same hosts as the Content-Security-Policy's `connect-src`, which has no
 * syntax for IPv6 literals or other loopback addresses.
 */
export function isLoopbackHttp(url: string): boolean {
  try {
    const { protocol, hostname } = new URL(url)
    return protocol === 'http:' && (hostname === '127.0.0.1' || hostname === 'localhost')
  } catch {
    return false
  }
}

/** A `fetch` for the library's key sets and discovery: GET only, anonymous, and reported through `onRequest`. */
export function createPrivateFetch(onRequest: (url: string) => void, fetchImpl: typeof fetch = globalThis.fetch): typeof fetch {
  return (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    onRequest(url)
    return fetchImpl(url, {
      ...init,
      method: 'GET',
      mode: 'cors',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      cache: 'no-store',
    })
  }
}
