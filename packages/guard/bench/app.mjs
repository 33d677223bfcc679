// One contender's app in its own process: `node app.mjs <contender> <config.json>`. Prints its port
// on stdout once listening. Every app has the same route: GET /orders answers {"ok":true} after
// its authentication middleware (or none) has accepted the request.
import { createPublicKey, verify } from 'node:crypto'
import { createServer } from 'node:http'
import { readFileSync } from 'node:fs'

const [contender, configFile] = process.argv.slice(2)
const config = JSON.parse(readFileSync(configFile, 'utf8'))
const { issuer, jwksUri, audience, publicPem, tokenCount } = config
const jotOptions = (cache) => ({
  issuer,
  jwksUri,
  allowHttp: true,
  audience,
  algorithms: ['ES256'],
  profile: 'rfc9068',
  // Room for every token of the round-robin (an LRU smaller than the cycle would never hit).
  ...(cache ? { cache: { maxEntries: tokenCount } } : {}),
  ...(process.env.GUARD_BENCH_INLINE === '1' ? { offload: false } : {}),
})

async function expressApp(use) {
  const { default: express } = await import('express')
  const app = express()
  for (const middleware of use) app.use(middleware)
  app.get('/orders', (_req, res) => res.json({ ok: true }))
  // A refusal that an incumbent routes through next(err) must still end as a 401, not an HTML 500.
  app.use((err, _req, res, _next) => res.status(err.status ?? err.statusCode ?? 500).end())
  return createServer(app)
}

async function fastifyApp(register) {
  const { default: Fastify } = await import('fastify')
  const app = Fastify()
  await register(app)
  app.get('/orders', async () => ({ ok: true }))
  await app.ready()
  return app.server
}

async function honoApp(use) {
  const { Hono } = await import('hono')
  const { getRequestListener } = await import('@hono/node-server')
  const app = new Hono()
  for (const middleware of use) app.use('*', middleware)
  app.get('/orders', (c) => c.json({ ok: true }))
  return createServer(getRequestListener(app.fetch))
}

// The floor: the one P-256 signature check every uncached verification needs, and nothing else (no
// claims, no key lookup), done synchronously with a prepared key. What no library can go below.
const floorKey = { key: createPublicKey(publicPem), dsaEncoding: 'ieee-p1363' }
function signatureOnly(authorization) {
  const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : ''
  const dot = token.lastIndexOf('.')
  return dot > 0 && verify('sha256', Buffer.from(token.slice(0, dot)), floorKey, Buffer.from(token.slice(dot + 1), 'base64url'))
}

const contenders = {
  'express:floor': () => expressApp([(req, res, next) => (signatureOnly(req.headers.authorization) ? next() : res.status(401).end())]),
  'fastify:floor': () =>
    fastifyApp(async (app) => app.addHook('onRequest', (request, reply, done) => (signatureOnly(request.headers.authorization) ? done() : reply.code(401).send()))),
  'hono:floor': () => honoApp([async (c, next) => (signatureOnly(c.req.header('authorization')) ? next() : c.body(null, 401))]),
  'express:none': () => expressApp([]),
  'express:jot': async () => expressApp([(await import('jotjwt-guard/express')).auth(jotOptions(false))]),
  'express:jot+cache': async () => expressApp([(await import('jotjwt-guard/express')).auth(jotOptions(true))]),
  'express:express-oauth2-jwt-bearer': async () => {
    const { auth } = await import('express-oauth2-jwt-bearer')
    return expressApp([auth({ issuer, jwksUri, audience, tokenSigningAlg: 'ES256' })])
  },
  'express:express-jwt+jwks-rsa': async () => {
    const { expressjwt } = await import('express-jwt')
    const { default: jwksRsa } = await import('jwks-rsa')
    const secret = jwksRsa.expressJwtSecret({ jwksUri, cache: true, rateLimit: true })
    return expressApp([expressjwt({ secret, audience, issuer, algorithms: ['ES256'] })])
  },
  'fastify:none': () => fastifyApp(async () => undefined),
  'fastify:jot': async () => fastifyApp(async (app) => app.register((await import('jotjwt-guard/fastify')).fastifyGuard, jotOptions(false))),
  'fastify:jot+cache': async () => fastifyApp(async (app) => app.register((await import('jotjwt-guard/fastify')).fastifyGuard, jotOptions(true))),
  ...Object.fromEntries(
    [false, true].map((cache) => [
      `fastify:@fastify/jwt${cache ? '+cache' : ''}`,
      () =>
        fastifyApp(async (app) => {
          const { default: fastifyJwt } = await import('@fastify/jwt')
          await app.register(fastifyJwt, { secret: { public: publicPem }, verify: { algorithms: ['ES256'], allowedIss: issuer, allowedAud: audience, cache } })
          app.addHook('onRequest', async (request, reply) => {
            try {
              await request.jwtVerify()
            } catch {
              return reply.code(401).send()
            }
          })
        }),
    ]),
  ),
  'hono:none': () => honoApp([]),
  'hono:jot': async () => honoApp([(await import('jotjwt-guard/hono')).auth(jotOptions(false))]),
  'hono:jot+cache': async () => honoApp([(await import('jotjwt-guard/hono')).auth(jotOptions(true))]),
  'hono:hono/jwt': async () => {
    const { jwt } = await import('hono/jwt')
    return honoApp([jwt({ secret: publicPem, alg: 'ES256', verification: { iss: issuer, aud: audience, typ: 'at+jwt' } })])
  },
}

const make = contenders[contender]
if (!make) throw new Error(`unknown contender ${contender}`)
const server = await make()
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
