// Types flow from the options to the handlers: the claims type you name and the RFC 9068 profile
// reach c.get('auth') (Hono), res.locals.auth (Express) and guard results. Checked by `npm run
// typecheck` (each `Expect` fails to compile if the type is wrong); the runtime part only shows the
// file loads.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import express from 'express'
import { Hono } from 'hono'
import { createGuard, isGuardError } from 'jotjwt-guard'
import * as expressGuard from 'jotjwt-guard/express'
import * as honoGuard from 'jotjwt-guard/hono'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
function expectType<T extends true>(_proof?: T): void {}

const base = { issuer: 'https://as.example', jwksUri: 'https://as.example/jwks.json', audience: 'api', algorithms: ['ES256'] } as const
interface Tenant {
  tenant: string
}

test('types flow from the options to the handlers', async () => {
  // Core: your claims type, plus RFC 9068's claims under that profile.
  const guard = createGuard<Tenant>({ ...base, profile: 'rfc9068' })
  const result = await guard.authenticate({ method: 'GET', url: '/', headers: {} })
  if (result !== undefined && !isGuardError(result)) {
    expectType<Equal<typeof result.claims.tenant, string>>()
    expectType<Equal<typeof result.claims.client_id, string>>()
  }

  // Hono: c.get('auth') is typed along the chain; optional when authRequired is false.
  new Hono()
    .use(honoGuard.auth<Tenant>({ ...base, profile: 'rfc9068' }))
    .get('/', (c) => {
      expectType<Equal<typeof c.var.auth.claims.client_id, string>>()
      return c.text(c.get('auth').claims.tenant)
    })
  new Hono().use(honoGuard.auth({ ...base, authRequired: false })).get('/', (c) => {
    const auth = c.get('auth')
    expectType<Equal<undefined extends typeof auth ? true : false, true>>()
    return c.text(auth?.claims.sub ?? 'anonymous')
  })

  // Express: res.locals.auth follows the middleware on the same route; req.auth is always there, untyped claims.
  const requireAuth = expressGuard.auth<Tenant>({ ...base, profile: 'rfc9068' })
  express().get('/', requireAuth, (req, res) => {
    expectType<Equal<typeof res.locals.auth.claims.tenant, string>>()
    expectType<Equal<typeof res.locals.auth.claims.jti, string>>()
    res.send(req.auth?.claims.sub)
  })
  assert.ok(true)
})
