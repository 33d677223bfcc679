// Client registration (RFC 7591) through the running service, on each store backend: the route
// exists only when enabled and is named in the metadata, JSON in and out with no-store, a registered
// client survives a restart (the configuration sync leaves it alone) while configured clients are
// still synchronized, size limits, and a flood from one address answered 429 with Retry-After.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { ServiceConfigInput } from '../src/config/schema.js'
import { startService, type RunningService } from '../src/service/service.js'
import { BACKENDS } from './backends.js'

const API = 'https://api.example/mcp'
const SECRET = 'configured-secret-0123456789-abcd'

for (const backend of BACKENDS) {
  describe(`registration over HTTP (${backend.name})`, () => {
    let created: Awaited<ReturnType<(typeof backend)['create']>>
    let service: RunningService
    const config = (overrides: Partial<ServiceConfigInput> = {}): ServiceConfigInput => ({
      dev: true,
      dataDir: created.dataDir,
      store: created.store,
      listen: { host: '127.0.0.1', port: 0 },
      log: { level: 'silent' },
      registration: { enabled: true, allowedScopes: ['mcp:tools'], allowedResources: [API], maxMetadataBytes: 2048, rateLimit: { perAddress: 4 } },
      clients: [{ clientId: 'configured', clientSecret: SECRET, resources: [API] }],
      ...overrides,
    })
    const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
      fetch(`${service.issuer}/register`, { method: 'POST', headers, body })

    before(async () => {
      created = await backend.create()
      service = await startService(config())
    })
    after(async () => {
      await service?.close()
      await created?.drop()
    })

    test('registers, answers 201 JSON with no-store; the client survives a restart, an unconfigured client does not', async () => {
      assert.equal(service.metadata.registration_endpoint, `${service.issuer}/register`)
      const response = await post(JSON.stringify({ redirect_uris: ['http://127.0.0.1:9999/cb'], token_endpoint_auth_method: 'none' }))
      assert.equal(response.status, 201)
      assert.match(response.headers.get('content-type')!, /^application\/json/)
      assert.equal(response.headers.get('cache-control'), 'no-store')
      const { client_id: clientId } = (await response.json()) as { client_id: string }

      await service.close()
      service = await startService(config({ clients: [] }))
      const stored = await service.ctx.store.getClient(clientId)
      assert.equal(stored?.redirectUris?.[0], 'http://127.0.0.1:9999/cb')
      assert.equal(stored?.source, 'registration')
      assert.equal(await service.ctx.store.getClient('configured'), undefined, 'the configuration sync still deletes what is no longer configured')
    })

    test('a body over maxMetadataBytes is invalid_client_metadata; over http.bodyLimit too it is 413; another content type is invalid_request', async () => {
      const big = await post(JSON.stringify({ redirect_uris: ['http://127.0.0.1:9999/cb'], client_name: 'x'.repeat(4000) }))
      assert.equal(big.status, 400)
      assert.equal(((await big.json()) as { error: string }).error, 'invalid_client_metadata')
      const huge = await post(JSON.stringify({ client_name: 'x'.repeat(20_000) }))
      assert.equal(huge.status, 413)
      const form = await post('redirect_uris=x', { 'content-type': 'application/x-www-form-urlencoded' })
      assert.equal(form.status, 400)
      assert.equal(((await form.json()) as { error: string }).error, 'invalid_request')
    })

    test('a flood from one address: 429 with Retry-After and a JSON error', async () => {
      // The earlier requests of this suite used part of this address's budget (4 per hour).
      let response: Response | undefined
      for (let i = 0; i < 5 && response?.status !== 429; i++) response = await post(JSON.stringify({ redirect_uris: ['http://127.0.0.1:9999/cb'], token_endpoint_auth_method: 'none' }))
      assert.equal(response?.status, 429)
      assert.ok(Number(response!.headers.get('retry-after')) > 0)
      assert.equal(((await response!.json()) as { error: string }).error, 'temporarily_unavailable')
    })
  })
}

describe('registration off (the default)', () => {
  test('no /register route and no registration_endpoint', async () => {
    const backend = BACKENDS[0]!
    const created = await backend.create()
    const service = await startService({ dev: true, dataDir: created.dataDir, listen: { host: '127.0.0.1', port: 0 }, log: { level: 'silent' } })
    try {
      assert.equal(service.metadata.registration_endpoint, undefined)
      const response = await fetch(`${service.issuer}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      assert.equal(response.status, 404)
    } finally {
      await service.close()
      await created.drop()
    }
  })

  test('enabled without allowedResources is a configuration error', async () => {
    await assert.rejects(startService({ dev: true, listen: { port: 0 }, log: { level: 'silent' }, registration: { enabled: true } }), /registration.allowedResources: registration needs allowedResources/)
  })
})
