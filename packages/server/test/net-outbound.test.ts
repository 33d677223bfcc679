/**
 * The SSRF guard for client-chosen URLs (`src/net/outbound.ts`): which addresses are special-purpose
 * (IANA registries, RFC 6890), that every resolved address is checked before any connection, and
 * that the connection goes to the checked address (a local server on 127.0.0.1, allowed explicitly,
 * sees the URL's host name). No traffic leaves 127.0.0.0/8: other hosts only meet a recording resolver.
 */
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { createOutboundPolicy, isNetwork, isSpecialPurposeAddress, OutboundAddressRefused, type PinnedRequest } from '../src/net/outbound.js'

describe('special-purpose addresses', () => {
  it('refuses private, loopback, link-local, unique-local, CGNAT, documentation, multicast and reserved ranges, in both families', () => {
    for (const address of [
      '0.0.0.0', '10.20.30.40', '100.64.0.1', '100.127.255.254', '127.0.0.1', '127.255.255.254', '169.254.169.254', '172.16.0.1', '172.31.255.255',
      '192.0.0.8', '192.0.2.1', '192.168.1.1', '198.18.0.1', '198.51.100.7', '203.0.113.9', '224.0.0.1', '240.0.0.1', '255.255.255.255',
      '::', '::1', 'fe80::1', 'fd00::1', 'fc12:3456::1', 'fec0::1', 'ff02::1', '2001:db8::1', '100::1',
      // IPv4 inside IPv6: judged by the IPv4 address.
      '::ffff:127.0.0.1', '::ffff:a9fe:a9fe', '::ffff:10.0.0.1', '64:ff9b::a9fe:a9fe', '64:ff9b::10.1.1.1',
      // Tunnels to addresses nobody checked: 6to4, Teredo, local NAT64.
      '2002:7f00:1::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2', '64:ff9b:1::1',
      'not an address',
    ]) {
      assert.equal(isSpecialPurposeAddress(address), true, address)
    }
  })

  it('lets public addresses through', () => {
    for (const address of ['93.184.215.14', '8.8.8.8', '100.63.255.255', '172.32.0.1', '2606:4700:4700::1111', '2a00:1450:4001:82a::200e', '::ffff:8.8.8.8', '64:ff9b::808:808']) {
      assert.equal(isSpecialPurposeAddress(address), false, address)
    }
  })

  it('allowedNetworks entries are addresses or CIDR ranges', () => {
    for (const good of ['10.0.0.0/8', '10.1.2.3', 'fd00::/8', '::1']) assert.equal(isNetwork(good), true, good)
    for (const bad of ['10.0.0.0/33', 'fd00::/129', 'example.com', '10.0.0.0/8/1', '', '10.0.0.0/x']) assert.equal(isNetwork(bad), false, bad)
  })
})

describe('the guarded fetch', () => {
  function recorder(answers: Record<string, { address: string; family: 4 | 6 }[]>) {
    const resolved: string[] = []
    const connects: PinnedRequest[] = []
    const policy = createOutboundPolicy({
      resolve: async (name) => {
        resolved.push(name)
        return answers[name] ?? []
      },
      connect: async (request) => {
        connects.push(request)
        return new Response('{"keys":[]}', { status: 200 })
      },
    })
    return { policy, resolved, connects }
  }

  it('resolves once, checks every address, and connects to the checked one', async () => {
    const { policy, resolved, connects } = recorder({ 'keys.example': [{ address: '93.184.215.14', family: 4 }, { address: '2606:4700::1', family: 6 }] })
    const response = await policy.fetch('https://keys.example/jwks.json', { headers: { accept: 'application/json' } })
    assert.equal(response.status, 200)
    assert.deepEqual(resolved, ['keys.example'])
    assert.equal(connects.length, 1)
    assert.deepEqual(connects[0]!.address, { address: '93.184.215.14', family: 4 })
    assert.equal(connects[0]!.url.hostname, 'keys.example')
    assert.equal(connects[0]!.headers.accept, 'application/json')
  })

  it('refuses before connecting: one bad address among good ones, a name without addresses, a literal, a scheme other than http(s)', async () => {
    const { policy, connects } = recorder({ 'mixed.example': [{ address: '93.184.215.14', family: 4 }, { address: '10.0.0.1', family: 4 }] })
    for (const url of ['https://mixed.example/', 'https://empty.example/', 'https://[::ffff:7f00:1]/', 'https://0177.0.0.1/', 'file:///etc/passwd']) {
      await assert.rejects(policy.fetch(url), OutboundAddressRefused, url)
    }
    assert.equal(connects.length, 0)
  })

  it('a resolver failure is a refusal, not a crash', async () => {
    const policy = createOutboundPolicy({ resolve: () => Promise.reject(new Error('SERVFAIL')), connect: () => assert.fail('no connect') })
    await assert.rejects(policy.check(new URL('https://keys.example/')), (error: unknown) => error instanceof OutboundAddressRefused && /does not resolve/.test(error.message))
  })

  it('the real connection goes to the checked address and keeps the URL\'s host (a loopback server, allowed explicitly)', async () => {
    const seen: { host: string | undefined; url: string | undefined }[] = []
    const server = createServer((request, response) => {
      seen.push({ host: request.headers.host, url: request.url })
      response.writeHead(200, { 'content-type': 'application/json', 'x-two': ['a', 'b'] }).end('{"keys":[]}')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    try {
      const resolved: string[] = []
      const policy = createOutboundPolicy({
        allowedNetworks: ['127.0.0.1/32'],
        resolve: async (name) => {
          resolved.push(name)
          return [{ address: '127.0.0.1', family: 4 }]
        },
      })
      const response = await policy.fetch(`http://keys.test:${port}/jwks.json?x=1`)
      assert.equal(response.status, 200)
      assert.deepEqual(await response.json(), { keys: [] })
      assert.equal(response.headers.get('x-two'), 'a, b')
      assert.deepEqual(seen, [{ host: `keys.test:${port}`, url: '/jwks.json?x=1' }])
      assert.deepEqual(resolved, ['keys.test'])
      // Without the allowance the same loopback answer is refused.
      await assert.rejects(createOutboundPolicy({ resolve: async () => [{ address: '127.0.0.1', family: 4 }] }).fetch(`http://keys.test:${port}/`), OutboundAddressRefused)
      assert.equal(seen.length, 1)
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
