// What the HTTP layer logs: one JSON line per request (method, route, status, duration, request id)
// and the core's own fields, never a header, body, secret or token, even when a handler logs a
// whole object or fails; a 500 is logged with its stack under the request id the client receives.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildApp } from '../src/http/app.js'
import { createLogger } from '../src/service/logger.js'
import { recordingCore, testContext } from './http-stubs.js'

const SECRET = 'S3cr3t-client-secret-do-not-log'
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJkby1ub3QtbG9nIn0.c2lnbmF0dXJlLWRvLW5vdC1sb2c'
const ASSERTION = 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJhc3NlcnRpb24ifQ.YXNzZXJ0aW9uLWRvLW5vdC1sb2c'
const BASIC = `Basic ${Buffer.from(`billing:${SECRET}`).toString('base64')}`

function capture() {
  const lines: string[] = []
  return { lines, stream: { write: (line: string) => void lines.push(line) } }
}

test('logs: requests with secrets in headers, body and query leave none of them in the log', async () => {
  const { lines, stream } = capture()
  const logger = createLogger('trace', stream)
  // A careless core: logs the request and context objects whole, and fails on introspection.
  const core = recordingCore(async (endpoint, request, ctx) => {
    ctx.log.info({ client_id: 'billing', jti: 'jti-123', request: { params: request.params, authorization: request.authorization } }, `${endpoint} handled`)
    ctx.log.info({ authorization: request.authorization, client_secret: SECRET, token: TOKEN, access_token: TOKEN }, 'careless')
    if (endpoint === 'introspection') throw new Error('introspection exploded')
    return { status: 200, headers: {}, body: { access_token: TOKEN, token_type: 'Bearer' } }
  })
  const app = buildApp({ ...testContext(), log: logger }, { core, logger })
  const form = { 'content-type': 'application/x-www-form-urlencoded' }
  const calls = [
    { url: '/token', headers: { ...form, authorization: BASIC }, payload: `grant_type=client_credentials&client_assertion=${ASSERTION}` },
    { url: '/token?client_secret=' + SECRET, headers: form, payload: `grant_type=client_credentials&client_id=billing&client_secret=${SECRET}` },
    { url: '/revoke', headers: { ...form, authorization: BASIC }, payload: `token=${TOKEN}` },
    { url: '/introspect', headers: { ...form, authorization: BASIC }, payload: `token=${TOKEN}` },
  ]
  const ids: string[] = []
  for (const call of calls) {
    const response = await app.inject({ method: 'POST', ...call })
    ids.push(String(response.headers['x-request-id']))
  }
  await app.close()
  // Fastify logs `{ req }` on some error paths: only method and route may show.
  logger.warn({ req: { method: 'POST', url: `/token?access_token=${TOKEN}`, headers: { authorization: BASIC }, body: { client_secret: SECRET } } }, 'fastify error path')

  const log = lines.join('')
  for (const secret of [SECRET, TOKEN, ASSERTION, BASIC.slice('Basic '.length), 'c2lnbmF0dXJl']) {
    assert.ok(!log.includes(secret), `the log contains ${secret.slice(0, 12)}…:\n${log}`)
  }

  const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
  const completed = entries.filter((entry) => entry.msg === 'request completed')
  assert.deepEqual(
    completed.map((entry) => [entry.method, entry.route, entry.status]),
    [
      ['POST', '/token', 200],
      ['POST', '/token', 200],
      ['POST', '/revoke', 200],
      ['POST', '/introspect', 500],
    ],
  )
  for (const entry of completed) assert.equal(typeof entry.duration_ms, 'number')
  assert.deepEqual(completed.map((entry) => entry.reqId), ids, 'each line carries the request id the client got')
  const handled = entries.find((entry) => entry.msg === 'token handled')!
  assert.deepEqual([handled.client_id, handled.jti, handled.reqId], ['billing', 'jti-123', ids[0]])

  const failure = entries.find((entry) => entry.msg === 'request failed')!
  assert.equal(failure.reqId, ids[3])
  assert.match(String((failure.err as { stack?: unknown }).stack), /introspection exploded\n\s+at /)
})

test('logs at a level above info: no request lines; a failure is still logged, with its stack, under the request id the client got; silent logs nothing', async () => {
  for (const level of ['error', 'silent'] as const) {
    const { lines, stream } = capture()
    const logger = createLogger(level, stream)
    const core = recordingCore(async (endpoint, _request, ctx) => {
      ctx.log.info({ client_id: 'billing' }, `${endpoint} handled`)
      if (endpoint === 'introspection') throw new Error('introspection exploded')
      return { status: 200, headers: {}, body: { active: false } }
    })
    const app = buildApp({ ...testContext(), log: logger }, { core, logger })
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    const ok = await app.inject({ method: 'POST', url: '/revoke', headers: { ...form, authorization: BASIC }, payload: `token=${TOKEN}` })
    const failed = await app.inject({ method: 'POST', url: '/introspect', headers: { ...form, authorization: BASIC }, payload: `token=${TOKEN}` })
    await app.close()
    assert.deepEqual([ok.statusCode, failed.statusCode], [200, 500])
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    if (level === 'silent') {
      assert.deepEqual(entries, [])
      continue
    }
    assert.deepEqual(entries.map((entry) => entry.msg), ['request failed'], 'only the failure')
    assert.equal(entries[0]!.reqId, failed.headers['x-request-id'])
    assert.match(String((entries[0]!.err as { stack?: unknown }).stack), /introspection exploded\n\s+at /)
  }
})
