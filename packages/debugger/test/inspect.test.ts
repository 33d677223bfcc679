// What the page computes, without a browser: reading pasted tokens, decoding, times, warnings, keys
// and verification reports. The page runs this same code on jot's WebCrypto build; here it runs on
// the library as Node resolves it.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { base64url, exportJWK, exportPEM, generateKeyPair, importSecret, signJWT } from 'jotjwt'
import { decodeToken } from '../src/inspect/decode.js'
import { ERROR_MEANINGS, explainCode } from '../src/inspect/error-codes.js'
import { CLAIMS, HEADER_PARAMETERS } from '../src/inspect/glossary.js'
import { isPublishedKeyMaterial, KeyTextError, parseKeyText } from '../src/inspect/key-material.js'
import { createPrivateFetch, isLoopbackHttp } from '../src/inspect/net.js'
import { scanToken } from '../src/inspect/scan.js'
import { describeTime, formatSpan, tokenTimes } from '../src/inspect/times.js'
import { verifyToken, type VerifySettings } from '../src/inspect/verify.js'
import { personalData, tokenWarnings, type WarningContext } from '../src/inspect/warnings.js'
import { fragmentFor, readFragment } from '../src/page/share.js'
import { HS256_SECRET, SEED_EDDSA, SEED_EDDSA_IAT, SEED_EDDSA_WRAPPED, SEED_RS256, seedHS256Token } from './seeds.js'

const b64json = (value: unknown) => base64url.encode(new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value)))
const context = (overrides: Partial<WarningContext> = {}): WarningContext => ({ now: SEED_EDDSA_IAT + 60, expected: 'jwt', publishedKeys: false, ...overrides })
const warningIds = (token: string, overrides: Partial<WarningContext> = {}) => tokenWarnings(decodeToken(token), context(overrides)).map((warning) => warning.id)

describe('reading a pasted token', () => {
  test('a token wrapped over lines reads as the token, and its text is kept run by run', () => {
    const { token, runs } = scanToken(SEED_EDDSA_WRAPPED)
    assert.equal(token, SEED_EDDSA)
    assert.equal(runs.map((run) => run.text).join(''), SEED_EDDSA_WRAPPED)
    // Each segment's characters, line breaks removed, are that segment.
    const segments = [0, 1, 2].map((index) => runs.filter((run) => run.role === index).map((run) => run.text).join(''))
    assert.deepEqual(segments, SEED_EDDSA.split('.'))
    assert.equal(runs.filter((run) => run.role === 'dot').length, 2)
  })

  test('quotes, an Authorization header, a Bearer or DPoP prefix, a DPoP header name and surrounding space are not the token', () => {
    for (const pasted of [`"${SEED_RS256}"`, `'${SEED_RS256}'`, `Bearer ${SEED_RS256}`, `Authorization: Bearer ${SEED_RS256}\r\n`, `  bearer\t${SEED_RS256}  `, `Authorization: DPoP ${SEED_RS256}`, `DPoP: ${SEED_RS256}`, `dpop ${SEED_RS256}`]) {
      const { token, runs } = scanToken(pasted)
      assert.equal(token, SEED_RS256, pasted.slice(0, 24))
      assert.equal(runs.map((run) => run.text).join(''), pasted)
    }
  })

  test('a lone quote is kept (it is not a pair), and fails to decode as the library says', () => {
    const { token } = scanToken(`"${SEED_RS256}`)
    assert.equal(token, `"${SEED_RS256}`)
    const decoded = decodeToken(token)
    assert.equal(decoded.kind, 'invalid')
  })
})

describe('decoding', () => {
  test('the seed tokens decode to their header and payload', () => {
    const eddsa = decodeToken(SEED_EDDSA)
    assert.equal(eddsa.kind, 'JWS')
    assert.deepEqual(eddsa.kind === 'JWS' && eddsa.header, { alg: 'EdDSA', kid: 'JOv2HJlKb0JMc_ATrGBKmaY6gQN7eQNQYxteyFhrCLA=', typ: 'JWT' })
    assert.deepEqual(eddsa.kind === 'JWS' && eddsa.payload, { exp: 1654885447, groups: null, iat: 1654885147, name: 'matt@infrahq.com', nbf: 1654884847, nonce: 'OxQpMFSv4p' })
    const rs256 = decodeToken(SEED_RS256)
    assert.deepEqual(rs256.kind === 'JWS' && rs256.payload, { sub: '00000000-0000-0000-0000-000000000001', iss: 'https://test.com', aud: 'test', exp: 1745516531 })
  })

  test('a JWE shows its protected header only', () => {
    const header = { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT' }
    const decoded = decodeToken(`${b64json(header)}.a2V5.aXY.Y2lwaGVy.dGFn`)
    assert.equal(decoded.kind, 'JWE')
    assert.deepEqual(decoded.kind === 'JWE' && decoded.header, header)
  })

  test('what the library refuses is reported with its error code', () => {
    const cases: [string, string][] = [
      [`${SEED_RS256.split('.').slice(0, 2).join('.')}`, 'NOT_COMPACT'],
      [`${b64json('{"alg":"HS256","alg":"none"}')}.${b64json({})}.c2ln`, 'ERR_JSON_DUPLICATE_MEMBER'],
      [`${SEED_RS256.split('.')[0]}=.${SEED_RS256.split('.')[1]}.c2ln`, 'ERR_BASE64URL_INVALID'],
      [`${b64json({ alg: 'HS256' })}.${b64json('[1]')}.c2ln`, 'ERR_JSON_INVALID'],
      ['{"payload":"e30","signatures":[]}', 'NOT_COMPACT'],
    ]
    for (const [token, code] of cases) {
      const decoded = decodeToken(token)
      assert.equal(decoded.kind, 'invalid', token)
      assert.equal(decoded.kind === 'invalid' && decoded.problem.code, code, token)
      assert.notEqual(explainCode(code), '', code)
    }
  })

  test('the header of a token with a bad payload is still shown', () => {
    const decoded = decodeToken(`${b64json({ alg: 'HS256', kid: 'k' })}.${b64json('not json')}.c2ln`)
    assert.equal(decoded.kind, 'invalid')
    assert.deepEqual(decoded.kind === 'invalid' && decoded.header, { alg: 'HS256', kid: 'k' })
  })
})

describe('times in words', () => {
  test('spans use at most two units', () => {
    assert.equal(formatSpan(45), '45s')
    assert.equal(formatSpan(240), '4m')
    assert.equal(formatSpan(252), '4m 12s')
    assert.equal(formatSpan(7500), '2h 5m')
    assert.equal(formatSpan(3 * 86400 + 4 * 3600 + 5), '3d 4h')
    assert.equal(formatSpan(3.5 * 31557600), '3 years')
  })

  test('each time claim reads as what it means', () => {
    assert.equal(describeTime('exp', 1240, 1000), 'expires in 4m')
    assert.equal(describeTime('exp', 1000, 1240), 'expired 4m ago')
    assert.equal(describeTime('nbf', 1060, 1000), 'not valid for another 1m')
    assert.equal(describeTime('nbf', 1000, 1060), 'valid since 1m ago')
    assert.equal(describeTime('iat', 1000, 1060), 'issued 1m ago')
    assert.equal(describeTime('iat', 1060, 1000), 'issued in the future (1m from now)')
    assert.equal(describeTime('exp', 1000, 1000), 'expires now')
  })

  test('the EdDSA seed token lives five minutes, and a minute after issue it expires in 4m', () => {
    const decoded = decodeToken(SEED_EDDSA)
    assert.equal(decoded.kind, 'JWS')
    const times = tokenTimes(decoded.kind === 'JWS' ? decoded.payload : {}, SEED_EDDSA_IAT + 60, 'en-GB')
    assert.deepEqual(times.lifetime, { seconds: 300, from: 'iat', text: '5m' })
    assert.equal(times.claims.get('exp')!.relative, 'expires in 4m')
    assert.equal(times.status, 'valid')
    assert.equal(tokenTimes({ exp: 10 }, 10).status, 'expired', 'RFC 7519 §4.1.4: not accepted on or after exp')
    assert.equal(tokenTimes({ nbf: 20, exp: 30 }, 10).status, 'not-yet-valid')
    assert.equal(tokenTimes({}, 10).status, 'no-expiry')
  })
})

describe('warnings', () => {
  test('the EdDSA seed token carries an email address in "name"', () => {
    assert.deepEqual(warningIds(SEED_EDDSA), ['personal-data'])
    assert.deepEqual(personalData({ name: 'matt@infrahq.com', groups: null }), ['name (holds an email address)'])
  })

  test('the RS256 seed token has none of the risky shapes (it is expired, which is a status, not a warning)', () => {
    assert.deepEqual(warningIds(SEED_RS256), [])
  })

  test('the HS256 seed token never expires, names no key, and holds a name', async () => {
    const token = await seedHS256Token()
    assert.deepEqual(warningIds(token), ['no-kid', 'no-exp', 'personal-data'])
  })

  test('a shared-secret alg is flagged when the chosen keys are an issuer\'s published keys', async () => {
    const token = await seedHS256Token()
    assert.ok(warningIds(token, { publishedKeys: true }).includes('symmetric-alg-published-keys'))
    assert.ok(!warningIds(SEED_RS256, { publishedKeys: true }).includes('symmetric-alg-published-keys'))
  })

  test('an ID token where an access token is expected, and the reverse', () => {
    // The EdDSA seed token has typ JWT and a nonce: an ID token's shape.
    assert.ok(warningIds(SEED_EDDSA, { expected: 'access' }).includes('id-token-as-access-token'))
    const idTyp = `${b64json({ alg: 'RS256', kid: 'k', typ: 'id_token+jwt' })}.${b64json({ exp: 2e9 })}.c2ln`
    assert.ok(warningIds(idTyp, { expected: 'access' }).includes('id-token-as-access-token'))
    assert.ok(warningIds(SEED_RS256, { expected: 'access' }).includes('not-access-token'))
    const accessToken = `${b64json({ alg: 'ES256', kid: 'k', typ: 'at+jwt' })}.${b64json({ exp: 2e9 })}.c2ln`
    assert.deepEqual(warningIds(accessToken, { expected: 'access' }), [])
    assert.ok(warningIds(accessToken, { expected: 'id' }).includes('access-token-as-id-token'))
  })

  test('alg none, long lifetimes, times that are not numbers, keys named by the header, personal data by claim and by shape', () => {
    const token = (header: object, payload: object) => `${b64json(header)}.${b64json(payload)}.`
    assert.ok(warningIds(token({ alg: 'none' }, { exp: 2e9 })).includes('alg-none'))
    assert.ok(warningIds(token({ alg: 'ES256', kid: 'k' }, { iat: 0, exp: 86401 })).includes('long-lifetime'))
    assert.ok(!warningIds(token({ alg: 'ES256', kid: 'k' }, { iat: 0, exp: 86400 })).includes('long-lifetime'))
    assert.ok(warningIds(token({ alg: 'ES256', kid: 'k' }, { exp: '2030-01-01' })).includes('not-numeric-date'))
    assert.ok(warningIds(token({ alg: 'ES256', kid: 'k', jku: 'https://attacker.example/keys' }, { exp: 2e9 })).includes('header-key-reference'))
    assert.deepEqual(personalData({ email: 'a@b.example', phone_number: '+1 425 555 1212', address: { locality: 'X' }, birthdate: '1990-01-01', sub: 'u1' }), [
      'email (holds an email address)',
      'phone_number (holds a phone number)',
      'address',
      'birthdate',
    ])
    assert.deepEqual(personalData({ contact: { work: ['x', 'j@corp.example'] } }), ['contact.work[1] (holds an email address)'])
  })
})

describe('explanations', () => {
  test('every error code of the library has a meaning in words', () => {
    for (const [code, meaning] of Object.entries(ERROR_MEANINGS)) assert.ok(meaning.length > 20, code)
  })

  test('the claims the seeds list, and the registered header parameters, are explained', () => {
    for (const claim of ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'auth_time', 'nonce', 'acr', 'amr', 'azp', 'name', 'email', 'groups', 'given_name', 'family_name', 'phone_number', 'address', 'birthdate', 'updated_at']) {
      assert.ok(CLAIMS.get(claim)?.description, claim)
    }
    for (const parameter of ['alg', 'typ', 'cty', 'kid', 'jku', 'jwk', 'x5u', 'x5c', 'crit', 'enc', 'zip', 'epk']) assert.ok(HEADER_PARAMETERS.get(parameter), parameter)
    assert.equal(CLAIMS.get('__proto__'), undefined)
    assert.equal(CLAIMS.get('constructor'), undefined)
  })
})

describe('pasted keys', () => {
  test('PEM, JWK, JWK Set and secrets are told apart by their text; the algorithm is never guessed from it', async () => {
    const { publicKey } = await generateKeyPair('ES256')
    assert.equal(parseKeyText(await exportPEM(publicKey), 'text').format, 'pem')
    assert.equal(parseKeyText(JSON.stringify(await exportJWK(publicKey)), 'text').format, 'jwk')
    assert.equal(parseKeyText(JSON.stringify({ keys: [await exportJWK(publicKey)] }), 'text').format, 'jwks')
    const secret = parseKeyText(`${HS256_SECRET}\n`, 'text')
    assert.deepEqual(secret, { format: 'secret', secret: new TextEncoder().encode(HS256_SECRET) })
    assert.deepEqual(parseKeyText('AAEC', 'base64url'), { format: 'secret', secret: new Uint8Array([0, 1, 2]) })
  })

  test('messages about a key that cannot be read never quote it', () => {
    for (const [text, encoding] of [['{"kty": KEYCANARY', 'text'], ['{"KEYCANARY": 1}', 'text'], ['KEYCANARY+/=', 'base64url']] as const) {
      assert.throws(() => parseKeyText(text, encoding), (error: unknown) => error instanceof KeyTextError && !error.message.includes('KEYCANARY'))
    }
  })

  test('public keys and key sets count as published keys; secrets and private keys do not', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    assert.equal(isPublishedKeyMaterial(parseKeyText(await exportPEM(publicKey), 'text')), true)
    assert.equal(isPublishedKeyMaterial(parseKeyText(JSON.stringify({ keys: [await exportJWK(publicKey)] }), 'text')), true)
    assert.equal(isPublishedKeyMaterial(parseKeyText(JSON.stringify(await exportJWK(privateKey)), 'text')), false)
    assert.equal(isPublishedKeyMaterial(parseKeyText(HS256_SECRET, 'text')), false)
  })
})

describe('verification reports', () => {
  const settings = (overrides: Partial<VerifySettings> = {}): VerifySettings => ({
    expected: 'jwt', issuer: '', audience: [], acceptAnyAudience: false, allowNoExp: false, clockTolerance: 0, nonce: '', ...overrides,
  })
  const noNetwork: typeof fetch = () => Promise.reject(new Error('no network in this test'))

  test('a valid token names the key and every check', async () => {
    const key = await importSecret(HS256_SECRET, { alg: 'HS256' })
    const token = await signJWT({ sub: 'u1' }, key, { issuer: 'https://issuer.example', audience: 'api', expiresIn: '5m' })
    const report = await verifyToken(token, { kind: 'pasted', text: HS256_SECRET, secretEncoding: 'text' }, settings({ issuer: 'https://issuer.example', audience: ['api'] }), noNetwork)
    assert.equal(report.ok, true)
    assert.equal(report.keyUsed, 'HS256 shared secret')
    assert.deepEqual(report.checks.map((check) => [check.id, check.status]), [
      ['keys', 'passed'], ['signature', 'passed'], ['required', 'passed'], ['iss', 'passed'], ['aud', 'passed'], ['iat', 'passed'], ['nbf', 'passed'], ['exp', 'passed'],
    ])
  })

  test('a failure names the library\'s code, its meaning and the failing check; later checks are not claimed to pass', async () => {
    const key = await importSecret(HS256_SECRET, { alg: 'HS256' })
    const expired = await signJWT({ sub: 'u1' }, key, { expiresAt: Math.floor(Date.now() / 1000) - 60 })
    const report = await verifyToken(expired, { kind: 'pasted', text: HS256_SECRET, secretEncoding: 'text' }, settings(), noNetwork)
    assert.equal(report.ok, false)
    assert.equal(report.failure?.code, 'ERR_JWT_EXPIRED')
    assert.match(report.failure!.meaning, /expired/)
    const status = Object.fromEntries(report.checks.map((check) => [check.id, check.status]))
    assert.deepEqual(status, { keys: 'passed', signature: 'passed', required: 'unreported', iss: 'not-checked', aud: 'unreported', iat: 'unreported', nbf: 'unreported', exp: 'failed' })

    const wrongKey = await verifyToken(expired, { kind: 'pasted', text: `${HS256_SECRET}-other`, secretEncoding: 'text' }, settings(), noNetwork)
    assert.equal(wrongKey.failure?.code, 'ERR_JWS_SIGNATURE_INVALID')
    assert.equal(wrongKey.checks.find((check) => check.id === 'signature')?.status, 'failed')
  })

  test('an RSA public key pasted for an HS256 token is refused as the wrong kind of key, not used as a secret', async () => {
    const { publicKey } = await generateKeyPair('RS256')
    const report = await verifyToken(await seedHS256Token(), { kind: 'pasted', text: await exportPEM(publicKey), secretEncoding: 'text' }, settings({ allowNoExp: true }), noNetwork)
    assert.equal(report.ok, false)
    assert.match(report.failure!.code, /^ERR_KEY_/)
    assert.equal(report.checks.find((check) => check.id === 'keys')?.status, 'failed')
  })

  test('an ID token presented as an access token fails at typ', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    const idToken = await signJWT({ sub: 'u1', nonce: 'n-1', client_id: 'c', jti: 'j' }, privateKey, { issuer: 'https://op.example', audience: 'api', expiresIn: '5m' })
    const report = await verifyToken(idToken, { kind: 'pasted', text: await exportPEM(publicKey), secretEncoding: 'text' }, settings({ expected: 'access', issuer: 'https://op.example', audience: ['api'] }), noNetwork)
    assert.equal(report.failure?.code, 'ERR_JWT_CLAIM_INVALID')
    assert.equal(report.failure?.claim, 'typ')
    assert.equal(report.checks.find((check) => check.id === 'typ')?.status, 'failed')
  })

  test('a key set URL is fetched as a plain anonymous GET with no referrer, and http: only on this machine', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { kid: 'k1' })
    const token = await signJWT({ sub: 'u1' }, privateKey, { expiresIn: '5m' })
    const seen: { url: string; init: RequestInit | undefined }[] = []
    const fake: typeof fetch = async (input, init) => {
      seen.push({ url: String(input), init })
      return new Response(JSON.stringify({ keys: [await exportJWK(publicKey)] }), { status: 200, headers: { 'content-type': 'application/json' } })
    }
    const listed: string[] = []
    const report = await verifyToken(token, { kind: 'jwks', url: 'http://127.0.0.1:9/jwks.json' }, settings(), createPrivateFetch((url) => listed.push(url), fake))
    assert.equal(report.ok, true, JSON.stringify(report.failure))
    assert.match(report.keyUsed!, /^ES256 P-256 public key, kid "k1", thumbprint /)
    assert.deepEqual(listed, ['http://127.0.0.1:9/jwks.json'])
    assert.equal(seen[0]!.init?.method, 'GET')
    assert.equal(seen[0]!.init?.credentials, 'omit')
    assert.equal(seen[0]!.init?.referrerPolicy, 'no-referrer')
    assert.equal(seen[0]!.init?.redirect, 'manual')

    const remote = await verifyToken(token, { kind: 'jwks', url: 'http://keys.example/jwks.json' }, settings(), createPrivateFetch(() => undefined, fake))
    assert.equal(remote.failure?.code, 'ERR_INVALID_ARGUMENT', 'http: beyond loopback is refused before any request')
    assert.equal(seen.length, 1)
    assert.equal(isLoopbackHttp('http://localhost:8080/x'), true)
    assert.equal(isLoopbackHttp('http://127.0.0.2/x'), false, 'not in the CSP connect-src either')
  })
})

describe('links', () => {
  test('only the state fields travel in a link; a key never does', () => {
    const state = readFragment('#token=a.b.c&key=KEYCANARY&secret=KEYCANARY&jwks=https%3A%2F%2Fi.example%2Fjwks&aud=api')
    assert.deepEqual(state, { token: 'a.b.c', aud: 'api', jwks: 'https://i.example/jwks' })
    const written = fragmentFor({ ...state, ...({ key: 'KEYCANARY' } as object) })
    assert.ok(!written.includes('KEYCANARY'))
    assert.deepEqual(readFragment(written), state)
  })
})
