// A test authorization server: signing keys, a JWKS endpoint on loopback that can rotate keys and
// go down, and token minting (valid RFC 9068 access tokens and every kind of bad one).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHmac, randomUUID } from 'node:crypto'
import { base64url, decodeJWTUnverified, encodeUnsecuredJWT, exportJWK, exportPEM, generateKeyPair, signJWT, type JotKey, type JWK } from 'jotjwt'

export const AUDIENCE = 'https://api.example/orders'
export const CLIENT_ID = 'orders-client'

export interface TestIssuer {
  readonly issuer: string
  readonly jwksUri: string
  /** Requests the JWKS endpoint has answered (or refused). */
  readonly jwksRequests: () => number
  /** The public key's PEM (for the HS256-signed-with-the-public-key attack). */
  readonly publicPem: string
  /** Publishes a new key (kept with the old one) and returns its kid. */
  rotate(): Promise<string>
  /** A key that is not published yet: tokens signed with it carry an unknown kid. */
  unpublished(): Promise<{ kid: string; publish(): void; sign(claims?: Record<string, unknown>, options?: MintOptions): Promise<string> }>
  /** While true the JWKS endpoint answers 503. */
  setDown(down: boolean): void
  mint(claims?: Record<string, unknown>, options?: MintOptions): Promise<string>
  close(): Promise<void>
}

export interface MintOptions {
  typ?: string
  expiresIn?: number
  notBeforeIn?: number
  issuer?: string
  audience?: string | string[]
  key?: JotKey
}

export async function startIssuer(options: { cacheSeconds?: number } = {}): Promise<TestIssuer> {
  const keys: Array<{ kid: string; privateKey: JotKey; jwk: JWK }> = []
  let down = false
  let requests = 0
  const addKey = async (publish = true) => {
    const kid = `k-${randomUUID()}`
    const { privateKey, publicKey } = await generateKeyPair('ES256', { kid })
    const entry = { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } }
    if (publish) keys.push(entry)
    return { entry, publicKey }
  }
  const first = await addKey()
  const publicPem = await exportPEM(first.publicKey)
  const server: Server = createServer((req, res) => {
    requests++
    if (down || req.url !== '/jwks.json') {
      res.writeHead(down ? 503 : 404).end()
      return
    }
    res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'cache-control': `max-age=${options.cacheSeconds ?? 600}` })
    res.end(JSON.stringify({ keys: keys.map((k) => k.jwk) }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const issuer = `${base}/as`

  const sign = (privateKey: JotKey, claims: Record<string, unknown> = {}, mint: MintOptions = {}) =>
    signJWT({ client_id: CLIENT_ID, scope: 'orders:read', jti: randomUUID(), sub: CLIENT_ID, ...claims }, mint.key ?? privateKey, {
      issuer: mint.issuer ?? issuer,
      audience: mint.audience ?? AUDIENCE,
      // A negative lifetime: issued long enough ago that the token expired beyond the clock tolerance.
      ...(mint.expiresIn !== undefined && mint.expiresIn < 0
        ? { expiresAt: Math.floor(Date.now() / 1000) + mint.expiresIn, issuedAt: Math.floor(Date.now() / 1000) + mint.expiresIn - 300 }
        : { expiresIn: mint.expiresIn ?? 300 }),
      ...(mint.notBeforeIn !== undefined ? { notBeforeIn: mint.notBeforeIn } : {}),
      typ: mint.typ ?? 'at+jwt',
    })

  return {
    issuer,
    jwksUri: `${base}/jwks.json`,
    jwksRequests: () => requests,
    publicPem,
    async rotate() {
      const { entry } = await addKey()
      return entry.kid
    },
    async unpublished() {
      const { entry } = await addKey(false)
      return {
        kid: entry.kid,
        publish: () => void keys.push(entry),
        sign: (claims, mint) => sign(entry.privateKey, claims, mint),
      }
    },
    setDown(value) {
      down = value
    },
    mint: (claims, mint) => sign(keys[keys.length - 1]!.privateKey, claims, mint),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/** An `alg: none` token with otherwise valid claims. */
export function unsecuredToken(issuer: string): string {
  const now = Math.floor(Date.now() / 1000)
  return encodeUnsecuredJWT({ iss: issuer, aud: AUDIENCE, sub: CLIENT_ID, client_id: CLIENT_ID, jti: randomUUID(), iat: now, exp: now + 300 })
}

/**
 * HS256 with the issuer's public key (its PEM text) as the HMAC secret: the algorithm-confusion
 * attack. jot refuses to sign with PEM text as a secret, so the token is assembled by hand.
 */
export async function publicKeyAsSecretToken(issuer: TestIssuer): Promise<string> {
  const { header, payload } = decodeJWTUnverified(await issuer.mint())
  const encode = (value: unknown) => base64url.encode(new TextEncoder().encode(JSON.stringify(value)))
  const input = `${encode({ ...header, alg: 'HS256' })}.${encode(payload)}`
  return `${input}.${createHmac('sha256', issuer.publicPem).update(input).digest('base64url')}`
}
