// The reverse-proxy examples run end to end and every outcome is the expected one (each script exits
// non-zero otherwise): claim-based canary routing, and groups RBAC on tokens from jot's token service.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { promisify } from 'node:util'

async function runExample(name: string): Promise<string[]> {
  const script = fileURLToPath(new URL(`../../../examples/${name}/run.mjs`, import.meta.url))
  const { stdout } = await promisify(execFile)(process.execPath, [script, '--once'], { timeout: 90_000 }) // a bound against a hung example, not a speed check: it starts jotjwt serve and a gateway, 12 s alone under load
  return stdout.trim().split('\n')
}

test('examples/gateway-canary: employees to the canary by their verified email, everyone else to production', async () => {
  const lines = await runExample('gateway-canary')
  assert.equal(lines.filter((line) => line.startsWith('ok ')).length, 4, lines.join('\n'))
})

test('examples/gateway-infra: short-lived tokens from jotjwt serve, RBAC on groups', async () => {
  const lines = await runExample('gateway-infra')
  assert.equal(lines.filter((line) => line.startsWith('ok ')).length, 5, lines.join('\n'))
})
