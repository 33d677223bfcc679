// The Hono adapter on jot's WebCrypto build, as edge runtimes (workerd, Deno, Bun) select it: the
// app is called through app.fetch only, in a process started with the condition that picks WebCrypto.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'

const script = join(dirname(fileURLToPath(import.meta.url)), 'helpers', 'hono-fetch.mjs')

for (const [backend, conditions] of [
  ['webcrypto', ['--conditions=jotjwt-webcrypto']],
  ['node', []],
] as const) {
  test(`Hono through app.fetch on the ${backend} build`, () => {
    const run = spawnSync(process.execPath, [...conditions, script], { encoding: 'utf8' })
    assert.equal(run.status, 0, run.stderr)
    const seen = JSON.parse(run.stdout)
    assert.equal(seen.backend, backend)
    assert.deepEqual(seen.valid, { status: 200, challenge: null, body: '{"client":"c"}' })
    assert.equal(seen.missingScope.status, 403)
    assert.equal(seen.missingScope.challenge, 'Bearer realm="api", error="insufficient_scope", error_description="the access token lacks a required scope", scope="orders:read"')
    assert.deepEqual(seen.none, { status: 401, challenge: 'Bearer realm="api"', body: '' })
  })
}
