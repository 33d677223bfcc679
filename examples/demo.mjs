// `npm run demo`: the whole flow in one process. An issuer signs an ES256 access token, a resource
// server verifies it with only the published public JWK, and a tampered and an expired token are
// rejected with stable error codes.
import {
  exportJWK,
  generateKeyPair,
  importJWK,
  jwkThumbprint,
  isJotError,
  signJWT,
  createVerifier,
  cryptoBackend,
} from 'jotjwt'

const ISSUER = 'https://issuer.example'
const AUDIENCE = 'https://api.example'

function show(label, value) {
  console.log(`${label.padEnd(22)} ${value}`)
}

// --- issuer ---------------------------------------------------------------------------------
const { privateKey: signingKey, publicKey } = await generateKeyPair('ES256', { kid: 'issuer-2026-11' })
const jwks = { keys: [await exportJWK(publicKey)] } // what /jwks.json would serve

const token = await signJWT({ sub: 'user-42', scope: 'orders:read' }, signingKey, {
  issuer: ISSUER,
  audience: AUDIENCE,
  expiresIn: '15m',
  typ: 'at+jwt',
})
console.log(`jot demo (crypto backend: ${cryptoBackend})\n`)
show('issuer signed', `${token.slice(0, 60)}…`)
show('published JWK', JSON.stringify(jwks.keys[0]))
show('JWK thumbprint', await jwkThumbprint(publicKey))

// --- resource server --------------------------------------------------------------------------
// The verifier is prepared once: key imported, options compiled. It accepts only ES256 tokens from
// this issuer, for this audience, of type at+jwt.
const verificationKey = await importJWK(jwks.keys[0], { alg: 'ES256' })
const verify = createVerifier({ key: verificationKey, issuer: ISSUER, audience: AUDIENCE, typ: 'at+jwt' })

async function check(label, candidate) {
  try {
    const { payload } = await verify(candidate)
    show(label, `ACCEPTED sub=${payload.sub} scope=${payload.scope} exp=${new Date(payload.exp * 1000).toISOString()}`)
  } catch (error) {
    if (!isJotError(error)) throw error
    show(label, `REJECTED ${error.code}: ${error.message}`)
  }
}

console.log()
await check('valid token', token)

const [header, payload, signature] = token.split('.')
const forged = JSON.parse(Buffer.from(payload, 'base64url').toString())
forged.scope = 'orders:write'
await check('tampered token', `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`)

const expired = await signJWT({ sub: 'user-42' }, signingKey, {
  issuer: ISSUER,
  audience: AUDIENCE,
  typ: 'at+jwt',
  expiresAt: Math.floor(Date.now() / 1000) - 60,
})
await check('expired token', expired)

const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`
await check('alg "none" token', unsigned)
