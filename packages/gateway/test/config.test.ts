// Configuration validation: every problem reported at once, each named by its path in the file,
// and the published JSON Schema generated from the same definition.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { gatewayConfigSchema, parseConfig } from 'jotjwt-gateway'
import { problems } from './helpers/gateway.js'

const VALID = `
providers:
  k8s:
    issuer: https://kubernetes.default.svc
    jwks: { remote: { url: https://kubernetes.default.svc/openid/v1/jwks } }
    audiences: [orders]
    algorithms: [RS256]
    claimsToHeaders: [{ claim: /kubernetes.io/namespace, header: x-k8s-namespace }]
rules:
  - match: { pathPrefix: /api, methods: [GET] }
    requires: { provider: k8s }
    authorize: { claims: [{ path: /kubernetes.io/serviceaccount/name, op: in, value: [billing, reports] }] }
`

test('a valid configuration parses', () => {
  const config = parseConfig(VALID)
  assert.deepEqual(Object.keys(config.providers), ['k8s'])
})

test('problems are named by path, all at once', () => {
  const bad = VALID.replace('algorithms: [RS256]', 'algorithms: []').replace('methods: [GET]', 'methods: [get]').replace('header: x-k8s-namespace', 'header: x_k8s_namespace')
  assert.deepEqual(
    problems(bad).map((problem) => problem.split(':')[0]),
    ['providers.k8s.algorithms', 'providers.k8s.claimsToHeaders.0.header', 'rules.0.match.methods.0'],
  )
})

test('a rule naming an unknown provider, or a provider without a key source, is refused', () => {
  assert.deepEqual(problems(VALID.replace('provider: k8s }', 'provider: k9s }')), ['rules.0.requires: no provider named "k9s"'])
  const noKeys = VALID.replace('    jwks: { remote: { url: https://kubernetes.default.svc/openid/v1/jwks } }\n', '')
  assert.deepEqual(problems(noKeys), ['providers.k8s.jwks: give exactly one key source: discovery: true, jwks.remote or jwks.local'])
  assert.match(problems('providers: {}\nrules: [ { requires: none, extra: 1 } ]')[0]!, /^rules\.0: /)
})

test('the published JSON Schema describes the same fields', () => {
  const schema = JSON.parse(readFileSync(new URL('../gateway.schema.json', import.meta.url), 'utf8'))
  assert.deepEqual(Object.keys(schema.properties).sort(), Object.keys(gatewayConfigSchema.shape).sort())
  assert.deepEqual(schema.required, ['providers', 'rules'])
  assert.equal(schema.additionalProperties, false)
})
