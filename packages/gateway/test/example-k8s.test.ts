// The Kubernetes service-account example (examples/gateway-k8s) runs behind nginx and every outcome
// is the expected one (the script exits non-zero otherwise).
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { promisify } from 'node:util'

test('examples/gateway-k8s/run.mjs: service-account RBAC behind nginx', async () => {
  const script = fileURLToPath(new URL('../../../examples/gateway-k8s/run.mjs', import.meta.url))
  const { stdout } = await promisify(execFile)(process.execPath, [script], { timeout: 30_000 })
  assert.equal(stdout.trim().split('\n').filter((line) => line.startsWith('ok ')).length, 7, stdout)
})
