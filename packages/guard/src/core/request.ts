/**
 * How the core reads a request without knowing the framework: a reader is a handful of functions
 * taking the framework's own request object, written once per adapter. The core calls only what the
 * enabled token locations need (a header-only guard never parses the URL or the body), and nothing
 * is copied into an intermediate object per request.
 * @module
 */

/** Reads what the guard needs from a request of type `R`. Header names are matched case-insensitively by the reader. */
export interface RequestReader<R> {
  /** The `Authorization` header; an array when the request repeated it. */
  authorization(request: R): string | readonly string[] | undefined
  /** The request method, upper case. */
  method(request: R): string
  /** The request target (path and query) or the full URL. Read only when query tokens are enabled. */
  url(request: R): string
  /** The `Cookie` header. Read only when cookie tokens are enabled. */
  cookie(request: R): string | undefined
  /** The `Content-Type` header. Read only when body tokens are enabled. */
  contentType(request: R): string | undefined
  /** The parsed form body (an object of fields). Read only when body tokens are enabled and the body is a form. */
  body(request: R): unknown
  /** The `DPoP` header (RFC 9449 §4.1); an array when repeated. Read only for `Authorization: DPoP`; without it no proof is found. */
  dpop?(request: R): string | readonly string[] | undefined
  /** The origin the request arrived at (`https://api.example`), for the proof's `htu` when `dpopSettings.publicOrigin` is not set. */
  origin?(request: R): string | undefined
}

/** A framework-free request, for gateways and tests: what {@link plainRequestReader} reads. */
export interface GuardRequest {
  method: string
  /** Path and query, or a full URL. */
  url: string
  /** Header values by name (any case), or a Fetch `Headers` object. */
  headers: Headers | Readonly<Record<string, string | readonly string[] | undefined>>
  /** The parsed form body, when body tokens are enabled. */
  body?: unknown
}

function header(request: GuardRequest, name: string): string | readonly string[] | undefined {
  const { headers } = request
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>
  if (Object.hasOwn(record, name)) return record[name]
  for (const key of Object.keys(record)) if (key.toLowerCase() === name) return record[key]
  return undefined
}

function single(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.join(', ')
}

/**
 * The reader for {@link GuardRequest} objects.
 *
 * @example
 * ```ts
 * const result = await guard.authenticate({ method: 'GET', url: '/orders', headers: { authorization: `Bearer ${token}` } })
 * ```
 */
export const plainRequestReader: RequestReader<GuardRequest> = {
  authorization: (request) => header(request, 'authorization'),
  method: (request) => request.method.toUpperCase(),
  url: (request) => request.url,
  cookie: (request) => single(header(request, 'cookie')),
  contentType: (request) => single(header(request, 'content-type')),
  body: (request) => request.body,
  dpop: (request) => header(request, 'dpop'),
  // Only a full URL says which origin the client addressed; a bare path needs `publicOrigin`.
  origin: (request) => (request.url.startsWith('/') ? undefined : new URL(request.url).origin),
}

/**
 * The path of a request target or full URL, without query or fragment (what DPoP's `htu` and the
 * metadata path are compared with).
 *
 * @example
 * ```ts
 * pathOf('/orders?page=2') // '/orders'
 * pathOf('https://api.example/orders#x') // '/orders'
 * ```
 */
export function pathOf(url: string): string {
  if (!url.startsWith('/')) return new URL(url).pathname
  const end = url.search(/[?#]/)
  return end === -1 ? url : url.slice(0, end)
}
