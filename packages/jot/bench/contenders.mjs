// Every contender prepared the way its own documentation recommends for a hot path: keys parsed
// once, verifiers/signers built once. `floor` is node:crypto doing only the primitive on a prepared
// signing input: no library can beat it, so ratios to it show how much a library adds.
import crypto from 'node:crypto'
import * as jose from 'jose'
import jsonwebtoken from 'jsonwebtoken'
import { createDecoder, createSigner as fastSigner, createVerifier as fastVerifier } from 'fast-jwt'

// @node-rs/jsonwebtoken ships a native binary per platform, and this machine's registry mirror lacks
// most of them, which breaks `npm ci` from a lockfile. So it is not a devDependency: `npm run bench`
// installs it without saving (see package.json) and it is measured when it loads.
const nodeRs = await import('@node-rs/jsonwebtoken').catch(() => undefined)
if (!nodeRs) console.error('note: @node-rs/jsonwebtoken is not installed; it is left out of this run')

const NODE_HASH = { HS256: 'sha256', RS256: 'sha256', PS256: 'sha256', ES256: 'sha256', EdDSA: null }

export const ISSUER = 'https://issuer.example'
export const AUDIENCE = 'https://api.example'

/** Key material for one algorithm, in every form a contender wants. */
export async function prepareKeys(jot, alg) {
  if (alg === 'HS256') {
    const key = await jot.generateSecret('HS256')
    const secret = Buffer.from((await jot.exportJWK(key)).k, 'base64url')
    return { alg, jotSign: key, jotVerify: key, jwk: await jot.exportJWK(key), secret, signKeyObject: crypto.createSecretKey(secret), verifyKeyObject: crypto.createSecretKey(secret) }
  }
  const { privateKey, publicKey } = await jot.generateKeyPair(alg)
  const privatePem = await jot.exportPEM(privateKey)
  const publicPem = await jot.exportPEM(publicKey)
  return {
    alg,
    jotSign: privateKey,
    jotVerify: publicKey,
    privatePem,
    publicPem,
    privateJwk: await jot.exportJWK(privateKey),
    publicJwk: await jot.exportJWK(publicKey),
    signKeyObject: crypto.createPrivateKey(privatePem),
    verifyKeyObject: crypto.createPublicKey(publicPem),
  }
}

export function claims() {
  const now = Math.floor(Date.now() / 1000)
  return { sub: 'user-1234567890', name: 'John Doe', iat: now, exp: now + 3600, iss: ISSUER, aud: AUDIENCE }
}

function nodeOptions(alg, keyObject) {
  if (alg === 'PS256') return { key: keyObject, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
  if (alg === 'ES256') return { key: keyObject, dsaEncoding: 'ieee-p1363' }
  return keyObject
}

/**
 * Returns { name: { sign(), verify(token), decode?(token), sync } } for one algorithm. `sign`
 * produces a token; `verify` returns the payload, or (promise-based APIs, `sync: false`) a promise of
 * the library's own result object, exactly what a caller awaits: no wrapper of ours is timed.
 */
export async function buildContenders(keys, jotBackends) {
  const { alg } = keys
  const contenders = {}
  const payload = claims()

  // --- floor: the primitive only, on a prepared signing input -------------------------------------
  const input = Buffer.from(`${Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`)
  const signFloor = alg === 'HS256'
    ? () => crypto.createHmac('sha256', keys.signKeyObject).update(input).digest()
    : () => crypto.sign(NODE_HASH[alg], input, nodeOptions(alg, keys.signKeyObject))
  const floorSignature = signFloor()
  const verifyFloor = alg === 'HS256'
    ? () => crypto.timingSafeEqual(crypto.createHmac('sha256', keys.verifyKeyObject).update(input).digest(), floorSignature)
    : () => crypto.verify(NODE_HASH[alg], input, nodeOptions(alg, keys.verifyKeyObject), floorSignature)
  contenders.floor = { sync: true, sign: signFloor, verify: verifyFloor }

  // --- jot (each backend) --------------------------------------------------------------------------
  for (const [name, jot] of Object.entries(jotBackends)) {
    const signKey = name === 'jot (node)' ? keys.jotSign : await importFor(jot, keys, 'sign')
    const verifyKey = name === 'jot (node)' ? keys.jotVerify : await importFor(jot, keys, 'verify')
    const sign = jot.createSigner({ key: signKey })
    const verify = jot.createVerifier({ key: verifyKey, issuer: ISSUER, audience: AUDIENCE })
    contenders[name] = { sync: false, sign: () => sign(payload), verify: (token) => verify(token), decode: (token) => jot.decodeJWTUnverified(token).payload }
    if (name === 'jot (node)') {
      const cached = jot.createVerifier({ key: verifyKey, issuer: ISSUER, audience: AUDIENCE, cache: { maxEntries: 1000 } })
      contenders[`${name} cache`] = { sync: false, cachedOnly: true, verify: (token) => cached(token) }
    }
  }

  // --- jose -----------------------------------------------------------------------------------------
  const joseSignKey = alg === 'HS256' ? keys.secret : await jose.importPKCS8(keys.privatePem, alg)
  const joseVerifyKey = alg === 'HS256' ? keys.secret : await jose.importSPKI(keys.publicPem, alg)
  const joseHmacSign = alg === 'HS256' ? await crypto.subtle.importKey('raw', keys.secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']) : joseSignKey
  const joseHmacVerify = alg === 'HS256' ? await crypto.subtle.importKey('raw', keys.secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']) : joseVerifyKey
  contenders.jose = {
    sync: false,
    sign: () => new jose.SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(joseHmacSign),
    verify: (token) => jose.jwtVerify(token, joseHmacVerify, { issuer: ISSUER, audience: AUDIENCE, algorithms: [alg] }),
    decode: (token) => jose.decodeJwt(token),
  }

  // --- jsonwebtoken (KeyObject: its fast path) -----------------------------------------------------
  if (alg !== 'EdDSA') {
    contenders.jsonwebtoken = {
      sync: true,
      sign: () => jsonwebtoken.sign(payload, keys.signKeyObject, { algorithm: alg }),
      verify: (token) => jsonwebtoken.verify(token, keys.verifyKeyObject, { algorithms: [alg], issuer: ISSUER, audience: AUDIENCE }),
      decode: (token) => jsonwebtoken.decode(token),
    }
  }

  // --- fast-jwt ---------------------------------------------------------------------------------------
  const fastSignKey = alg === 'HS256' ? keys.secret : keys.privatePem
  const fastVerifyKey = alg === 'HS256' ? keys.secret : keys.publicPem
  const fSign = fastSigner({ key: fastSignKey, algorithm: alg, noTimestamp: true })
  const fVerify = fastVerifier({ key: fastVerifyKey, algorithms: [alg], allowedIss: ISSUER, allowedAud: AUDIENCE })
  const fVerifyCached = fastVerifier({ key: fastVerifyKey, algorithms: [alg], allowedIss: ISSUER, allowedAud: AUDIENCE, cache: true })
  const fDecode = createDecoder()
  contenders['fast-jwt'] = { sync: true, sign: () => fSign(payload), verify: (token) => fVerify(token), decode: (token) => fDecode(token) }
  contenders['fast-jwt cache'] = { sync: true, cachedOnly: true, verify: (token) => fVerifyCached(token) }

  // --- @node-rs/jsonwebtoken ---------------------------------------------------------------------------
  if (!nodeRs) return contenders
  const rsAlg = nodeRs.Algorithm[alg]
  const rsSignKey = alg === 'HS256' ? keys.secret : keys.privatePem
  const rsVerifyKey = alg === 'HS256' ? keys.secret : keys.publicPem
  contenders['@node-rs/jsonwebtoken'] = {
    sync: true,
    sign: () => nodeRs.signSync(payload, rsSignKey, { algorithm: rsAlg }),
    verify: (token) => nodeRs.verifySync(token, rsVerifyKey, { algorithms: [rsAlg], iss: [ISSUER], aud: [AUDIENCE] }),
  }
  return contenders
}

async function importFor(jot, keys, use) {
  if (keys.alg === 'HS256') return jot.importJWK(keys.jwk, { alg: 'HS256' })
  return jot.importPEM(use === 'sign' ? keys.privatePem : keys.publicPem, { alg: keys.alg })
}
