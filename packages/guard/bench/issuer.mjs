// The benchmarks' issuer (run.mjs, core.mjs): one ES256 key, its JWKS on loopback, and `count`
// distinct RFC 9068 access tokens for one audience, so round-robin over them defeats any cache
// smaller than `count`.
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import { exportJWK, generateKeyPair, signJWT } from 'jotjwt'

export const audience = 'https://api.example/orders'

/** Claims of one access token (`i` spreads them over ten clients). */
export const claimsOf = (i = 0) => ({ sub: `client-${i % 10}`, client_id: `client-${i % 10}`, jti: randomUUID(), scope: 'orders:read' })

export async function startBenchIssuer(count) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { kid: 'bench-key' })
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench-key', alg: 'ES256', use: 'sig' }] })
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=3600' }).end(jwks))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${server.address().port}`
  const issuer = `${base}/`
  const tokens = []
  for (let i = 0; i < count; i++) tokens.push(await signJWT(claimsOf(i), privateKey, { issuer, audience, expiresIn: '2h', typ: 'at+jwt' }))
  return { privateKey, publicKey, issuer, jwksUri: `${base}/jwks.json`, tokens, close: () => server.close() }
}
