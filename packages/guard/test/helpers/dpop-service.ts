// A running `jotjwt serve` that requires DPoP nonces, and a DPoP-bound access token openid-client
// obtained from it (client_credentials with its DPoP option, answering use_dpop_nonce by itself).
// Shared by the guard's and the gateway's DPoP end-to-end suites.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeJWTUnverified, importJWK, jwkThumbprint, type JWK, type JotKey } from 'jotjwt'
import { startService } from 'jotjwt-server'
import * as oidc from 'openid-client'

export const API = 'https://api.example/orders'
export const CLIENT_ID = 'orders-client'
export const CLIENT_SECRET = 'client-secret-0123456789-abcdef'
/** The proof algorithms the guard and the gateway name in their challenges (`algs`). */
export const ALGS = 'ES256 EdDSA RS256 PS256'
/** A `WWW-Authenticate: DPoP` challenge (RFC 9449 §7.1) as the guard writes it for realm "api". */
export const dpopChallenge = (error: string, description: string) => `DPoP realm="api", error="${error}", error_description="${description}", algs="${ALGS}"`

export interface DPoPService {
  service: Awaited<ReturnType<typeof startService>>
  /** openid-client's view of the service (discovered). */
  config: oidc.Configuration
  /** The client's DPoP key pair, and its private half as a jot key for hand-made proofs. */
  keyPair: oidc.CryptoKeyPair
  key: JotKey
  /** Bound to `keyPair` (`cnf.jkt` checked here). */
  accessToken: string
  close(): Promise<void>
}

export async function startDPoPService(): Promise<DPoPService> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jotjwt-dpop-e2e-'))
  const service = await startService({
    dev: true,
    dataDir,
    listen: { host: '127.0.0.1', port: 0 },
    log: { level: 'silent' },
    dpop: { requireNonce: true },
    clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: ['orders:read'], resources: [API] }],
  })
  const close = async () => {
    await service.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    const config = await oidc.discovery(new URL(service.issuer), CLIENT_ID, undefined, oidc.ClientSecretBasic(CLIENT_SECRET), { execute: [oidc.allowInsecureRequests] })
    const keyPair = await oidc.randomDPoPKeyPair('ES256', { extractable: true })
    const key = await importJWK((await crypto.subtle.exportKey('jwk', keyPair.privateKey)) as JWK, { alg: 'ES256' })
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'orders:read', resource: API }, { DPoP: oidc.getDPoPHandle(config, keyPair) })
    assert.equal(tokens.token_type, 'dpop')
    const publicJwk = await crypto.subtle.exportKey('jwk', keyPair.publicKey)
    assert.deepEqual(decodeJWTUnverified(tokens.access_token).payload.cnf, { jkt: await jwkThumbprint(await importJWK(publicJwk as JWK, { alg: 'ES256' })) })
    return { service, config, keyPair, key, accessToken: tokens.access_token, close }
  } catch (error) {
    await close()
    throw error
  }
}
