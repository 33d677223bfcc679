// The same small API on every adapter, listening on loopback: GET /orders (authenticated) and
// GET /orders/write (authenticated, scope orders:write). Each answers the verified client_id.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import express4 from 'express-v4'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { serve } from '@hono/node-server'
import type { GuardOptions } from 'jotjwt-guard'
import * as expressGuard from 'jotjwt-guard/express'
import * as fastifyGuard from 'jotjwt-guard/fastify'
import * as honoGuard from 'jotjwt-guard/hono'

export interface RunningApp {
  readonly name: string
  readonly url: string
  close(): Promise<void>
}

export type AdapterName = 'express5' | 'express4' | 'fastify' | 'hono'
export const ADAPTERS: readonly AdapterName[] = ['express5', 'express4', 'fastify', 'hono']

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)))
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
}

export async function startApp(adapter: AdapterName, options: GuardOptions): Promise<RunningApp> {
  if (adapter === 'express5' || adapter === 'express4') {
    // Express 4 and 5 share the middleware signature; the adapter serves both.
    const app = adapter === 'express5' ? express() : (express4 as unknown as typeof express)()
    app.use(express.urlencoded({ extended: false }))
    app.use(expressGuard.auth(options))
    app.all('/orders', (req, res) => void res.json({ client: req.auth?.claims.client_id ?? null }))
    app.get('/orders/write', expressGuard.requiredScopes('orders:write'), (req, res) => void res.json({ client: req.auth?.claims.client_id }))
    const server = createServer(app)
    return { name: adapter, url: await listen(server), close: closer(server) }
  }
  if (adapter === 'fastify') {
    const app = Fastify()
    await app.register(import('@fastify/formbody'))
    await app.register(fastifyGuard.fastifyGuard, options)
    app.route({ method: ['GET', 'POST'], url: '/orders', handler: async (request) => ({ client: request.auth?.claims.client_id ?? null }) })
    app.get('/orders/write', { preHandler: fastifyGuard.requiredScopes('orders:write') }, async (request) => ({ client: request.auth?.claims.client_id }))
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    return { name: adapter, url, close: () => app.close() }
  }
  // Hono carries the middleware's variable types along the chain: c.get('auth') is typed.
  const app = new Hono().use('*', honoGuard.auth(options))
  app.on(['GET', 'POST'], '/orders', (c) => c.json({ client: c.get('auth')?.claims.client_id ?? null }))
  app.get('/orders/write', honoGuard.requiredScopes('orders:write'), (c) => c.json({ client: c.get('auth')?.claims.client_id }))
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({ name: adapter, url: `http://127.0.0.1:${info.port}`, close: closer(server as Server) })
    }) as Server
  })
}
