// What the replica suites (Redis and PostgreSQL notifications) ask of a deployment: which keys a
// replica publishes, and an operator revoking the signing key from outside the replicas.
import assert from 'node:assert/strict'
import type { ServiceConfigInput } from '../src/config/schema.js'
import { openKeyAdministration } from '../src/service/keys-admin.js'
import type { RunningService } from '../src/service/service.js'

/** The `kid`s a replica's /jwks.json publishes now. */
export const publishedKids = async (service: RunningService): Promise<string[]> =>
  ((await (await fetch(`${service.url}/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid)

/** Revokes the active ES256 signing key through key administration (its own store connection, as `jotjwt keys revoke` does; the successor signs at once). */
export async function revokeSigningKey(config: ServiceConfigInput): Promise<string> {
  const admin = await openKeyAdministration(config)
  try {
    const active = (await admin.list()).find((key) => key.alg === 'ES256' && key.state === 'active')
    assert.ok(active)
    await admin.revoke(active.kid)
    return active.kid
  } finally {
    await admin.close()
  }
}
