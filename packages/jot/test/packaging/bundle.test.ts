// What a bundler keeps when a user imports only JWS/JWT functions: no JWE primitives or options, on
// either backend. The algorithm tables and runtime primitives are written to be tree-shaken
// (pure annotations, one export per primitive); this test keeps it that way.
import assert from 'node:assert/strict'
import { test } from 'node:test'
// @ts-expect-error: a plain .mjs build script without type declarations
import { bundle, ENTRY_POINTS } from '../../scripts/bundle.mjs'

type Entry = { name: string; from?: string; jot: string[]; jwsOnly: boolean }

for (const entry of ENTRY_POINTS as Entry[]) {
  if (!entry.jwsOnly) continue
  const from = entry.from ?? 'jotjwt'
  test(`a bundle of ${entry.jot.join(', ')} from ${from} carries no JWE code`, async () => {
    for (const conditions of [[], ['jotjwt-webcrypto']]) {
      const { jweMarkers } = (await bundle(from, entry.jot, conditions)) as { jweMarkers: string[] }
      assert.deepEqual(jweMarkers, [], `${conditions[0] ?? 'node'} bundle contains ${jweMarkers.join(', ')}`)
    }
  })
}

test('the JWE markers are found when JWE is imported (the check can fail)', async () => {
  for (const from of ['jotjwt', 'jotjwt/jwe']) {
    const { jweMarkers } = (await bundle(from, ['encryptJWT', 'decryptJWT'], ['jotjwt-webcrypto'])) as { jweMarkers: string[] }
    assert.ok(jweMarkers.includes('AES-GCM'), `${from} markers: ${jweMarkers.join(', ')}`)
  }
})
