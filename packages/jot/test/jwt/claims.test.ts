/**
 * JWT claim validation (RFC 7519 §4.1, RFC 8725 §3.8–3.11): time claims with and without clock
 * tolerance, audience/issuer/subject/jti/typ expectations, required claims, registered claim types
 * and the injectable clock. Tokens are MACed by hand so claims can be anything, including the wrong
 * type; each case asserts the exact error code and the claim it names.
 */
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { describe, it } from 'node:test'
import {
  type JotErrorCode,
  type VerifyJWTOptions,
  base64url,
  createVerifier,
  importSecret,
  signJWT,
  verifyJWT,
} from 'jotjwt'
import { rejectsWith } from '../helpers.js'


/** Rejects with `code`, naming `claim` (and `reason`, when given). */
async function rejectsClaim(
  promise: Promise<unknown>,
  code: JotErrorCode,
  claim: string,
  reason?: string,
): Promise<void> {
  await rejectsWith(promise, code, (error) => {
    const { claim: actualClaim, reason: actualReason } = error as { claim?: string; reason?: string }
    assert.equal(actualClaim, claim)
    if (reason !== undefined) assert.equal(actualReason, reason)
  })
}

const SECRET = new Uint8Array(32).map((_, i) => 255 - i)
const key = await importSecret(SECRET, { alg: 'HS256' })

const NOW = 1_700_000_000
const FUTURE = NOW + 3600

/** HS256 token over exactly these claims (JSON text or value) and header. */
function token(claims: unknown, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }): string {
  const text = typeof claims === 'string' ? claims : JSON.stringify(claims)
  const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(text)}`
  const mac = createHmac('sha256', SECRET).update(input).digest()
  return `${input}.${base64url.encode(new Uint8Array(mac))}`
}

/** Verifies at NOW unless the options say otherwise. */
function verify(claims: unknown, options: VerifyJWTOptions = {}, header?: Record<string, unknown>) {
  return verifyJWT(token(claims, header), key, { currentTime: NOW, ...options })
}

describe('exp', () => {
  it('an expired token (exp = now - 1) is refused', async () => {
    await rejectsClaim(verify({ exp: NOW - 1 }), 'ERR_JWT_EXPIRED', 'exp', 'expired')
  })

  it('exp = now is already expired (exp is exclusive)', async () => {
    await rejectsClaim(verify({ exp: NOW }), 'ERR_JWT_EXPIRED', 'exp')
  })

  it('exp = now + 1 is accepted', async () => {
    const { payload } = await verify({ exp: NOW + 1 })
    assert.equal(payload.exp, NOW + 1)
  })

  it('a long-expired token is refused', async () => {
    await rejectsClaim(verify({ exp: 1 }), 'ERR_JWT_EXPIRED', 'exp')
  })

  it('clockTolerance 30 (number) accepts exp = now - 29', async () => {
    await verify({ exp: NOW - 29 }, { clockTolerance: 30 })
  })

  it('clockTolerance 30 (number) refuses exp = now - 30', async () => {
    await rejectsClaim(verify({ exp: NOW - 30 }, { clockTolerance: 30 }), 'ERR_JWT_EXPIRED', 'exp')
  })

  it('clockTolerance 30 (number) refuses exp = now - 31', async () => {
    await rejectsClaim(verify({ exp: NOW - 31 }, { clockTolerance: 30 }), 'ERR_JWT_EXPIRED', 'exp')
  })

  it('clockTolerance "30s" accepts exp = now - 29', async () => {
    await verify({ exp: NOW - 29 }, { clockTolerance: '30s' })
  })

  it('clockTolerance "30s" refuses exp = now - 31', async () => {
    await rejectsClaim(verify({ exp: NOW - 31 }, { clockTolerance: '30s' }), 'ERR_JWT_EXPIRED', 'exp')
  })

  it('clockTolerance "30 seconds" accepts exp = now - 29', async () => {
    await verify({ exp: NOW - 29 }, { clockTolerance: '30 seconds' })
  })

  it('clockTolerance "1m" accepts exp = now - 59 and refuses exp = now - 61', async () => {
    await verify({ exp: NOW - 59 }, { clockTolerance: '1m' })
    await rejectsClaim(verify({ exp: NOW - 61 }, { clockTolerance: '1m' }), 'ERR_JWT_EXPIRED', 'exp')
  })

  it('clockTolerance is seconds, never milliseconds (30 does not mean 30 ms)', async () => {
    await verify({ exp: NOW - 20 }, { clockTolerance: 30 })
  })

  it('verifyJWT reports invalid options as a rejected promise, never a synchronous throw', async () => {
    let returned: Promise<unknown> | undefined
    assert.doesNotThrow(() => {
      returned = verifyJWT(token({ exp: FUTURE }), key, { currentTime: NOW, clockTolerance: '30 parsecs' })
    })
    assert.ok(returned instanceof Promise)
    await rejectsWith(returned, 'ERR_INVALID_ARGUMENT')
  })

  it('an invalid clockTolerance is an argument error', async () => {
    await rejectsWith(async () => verify({ exp: FUTURE }, { clockTolerance: '30 parsecs' }), 'ERR_INVALID_ARGUMENT')
    await rejectsWith(async () => verify({ exp: FUTURE }, { clockTolerance: -1 }), 'ERR_INVALID_ARGUMENT')
  })
})

describe('nbf', () => {
  it('a token not yet valid (nbf = now + 1) is refused', async () => {
    await rejectsClaim(verify({ nbf: NOW + 1, exp: FUTURE }), 'ERR_JWT_NOT_YET_VALID', 'nbf')
  })

  it('nbf = now is accepted', async () => {
    await verify({ nbf: NOW, exp: FUTURE })
  })

  it('clockTolerance 30 accepts nbf = now + 30', async () => {
    await verify({ nbf: NOW + 30, exp: FUTURE }, { clockTolerance: 30 })
  })

  it('clockTolerance 30 refuses nbf = now + 31', async () => {
    await rejectsClaim(verify({ nbf: NOW + 31, exp: FUTURE }, { clockTolerance: 30 }), 'ERR_JWT_NOT_YET_VALID', 'nbf')
  })

  it('clockTolerance "30s" accepts nbf = now + 30 and refuses nbf = now + 31', async () => {
    await verify({ nbf: NOW + 30, exp: FUTURE }, { clockTolerance: '30s' })
    await rejectsClaim(verify({ nbf: NOW + 31, exp: FUTURE }, { clockTolerance: '30s' }), 'ERR_JWT_NOT_YET_VALID', 'nbf')
  })
})

describe('iat', () => {
  it('iat in the future (now + 1) is refused', async () => {
    await rejectsClaim(verify({ iat: NOW + 1, exp: FUTURE }), 'ERR_JWT_CLAIM_INVALID', 'iat', 'future')
  })

  it('iat = now is accepted', async () => {
    await verify({ iat: NOW, exp: FUTURE })
  })

  it('clockTolerance 30 accepts iat = now + 30', async () => {
    await verify({ iat: NOW + 30, exp: FUTURE }, { clockTolerance: 30 })
  })

  it('clockTolerance "30s" refuses iat = now + 31', async () => {
    await rejectsClaim(verify({ iat: NOW + 31, exp: FUTURE }, { clockTolerance: '30s' }), 'ERR_JWT_CLAIM_INVALID', 'iat')
  })
})

describe('maxTokenAge', () => {
  it('a token older than maxTokenAge (seconds) is refused', async () => {
    await rejectsClaim(verify({ iat: NOW - 3601, exp: FUTURE }, { maxTokenAge: 3600 }), 'ERR_JWT_EXPIRED', 'iat', 'too_old')
  })

  it('a token exactly maxTokenAge old is accepted', async () => {
    await verify({ iat: NOW - 3600, exp: FUTURE }, { maxTokenAge: 3600 })
  })

  it('a token older than maxTokenAge "1h" is refused', async () => {
    await rejectsClaim(verify({ iat: NOW - 3601, exp: FUTURE }, { maxTokenAge: '1h' }), 'ERR_JWT_EXPIRED', 'iat')
  })

  it('maxTokenAge with clockTolerance 30 accepts age = max + 30', async () => {
    await verify({ iat: NOW - 3630, exp: FUTURE }, { maxTokenAge: '1h', clockTolerance: 30 })
  })

  it('maxTokenAge with clockTolerance "30s" refuses age = max + 31', async () => {
    await rejectsClaim(
      verify({ iat: NOW - 3631, exp: FUTURE }, { maxTokenAge: '1h', clockTolerance: '30s' }),
      'ERR_JWT_EXPIRED',
      'iat',
    )
  })

  it('maxTokenAge makes iat required', async () => {
    await rejectsClaim(verify({ exp: FUTURE }, { maxTokenAge: '1h' }), 'ERR_JWT_CLAIM_MISSING', 'iat', 'missing')
  })
})

describe('maxLifetime', () => {
  it('a token whose exp − iat exceeds maxLifetime is refused, whatever the time now', async () => {
    await rejectsClaim(verify({ iat: NOW - 10, exp: NOW - 10 + 3601 }, { maxLifetime: 3600 }), 'ERR_JWT_CLAIM_INVALID', 'exp', 'lifetime_too_long')
  })

  it('a lifetime of exactly maxLifetime is accepted', async () => {
    await verify({ iat: NOW - 10, exp: NOW - 10 + 3600 }, { maxLifetime: '1h' })
  })

  it('clockTolerance does not stretch it: exp − iat involves no clock', async () => {
    await rejectsClaim(verify({ iat: NOW, exp: NOW + 3601 }, { maxLifetime: '1h', clockTolerance: 300 }), 'ERR_JWT_CLAIM_INVALID', 'exp', 'lifetime_too_long')
  })

  it('maxLifetime makes iat required, and exp even when requireExpiration is false', async () => {
    await rejectsClaim(verify({ exp: FUTURE }, { maxLifetime: '1h' }), 'ERR_JWT_CLAIM_MISSING', 'iat', 'missing')
    await rejectsClaim(verify({ iat: NOW }, { maxLifetime: '1h', requireExpiration: false }), 'ERR_JWT_CLAIM_MISSING', 'exp', 'missing')
  })

  it('differs from maxTokenAge: a young token with a long lifetime is refused, an old one within it is not', async () => {
    await rejectsClaim(verify({ iat: NOW, exp: NOW + 86400 }, { maxLifetime: '1h', maxTokenAge: '1h' }), 'ERR_JWT_CLAIM_INVALID', 'exp', 'lifetime_too_long')
    await rejectsClaim(verify({ iat: NOW - 7200, exp: NOW + 60 }, { maxLifetime: '3h', maxTokenAge: '1h' }), 'ERR_JWT_EXPIRED', 'iat', 'too_old')
  })

  it('a bad maxLifetime is ERR_INVALID_ARGUMENT', async () => {
    await rejectsWith(verify({ iat: NOW, exp: FUTURE }, { maxLifetime: '1 fortnight' }), 'ERR_INVALID_ARGUMENT')
  })
})

describe('aud', () => {
  it('a wrong audience is refused', async () => {
    await rejectsClaim(verify({ aud: 'other', exp: FUTURE }, { audience: 'api' }), 'ERR_JWT_CLAIM_INVALID', 'aud', 'mismatch')
  })

  it('audience comparison is exact (case-sensitive)', async () => {
    await rejectsClaim(verify({ aud: 'API', exp: FUTURE }, { audience: 'api' }), 'ERR_JWT_CLAIM_INVALID', 'aud')
  })

  it('an aud array containing the audience is accepted', async () => {
    await verify({ aud: ['other', 'api'], exp: FUTURE }, { audience: 'api' })
  })

  it('an audience array matching the aud string is accepted', async () => {
    await verify({ aud: 'api', exp: FUTURE }, { audience: ['web', 'api'] })
  })

  it('disjoint aud and audience arrays are refused', async () => {
    await rejectsClaim(verify({ aud: ['x', 'y'], exp: FUTURE }, { audience: ['a', 'b'] }), 'ERR_JWT_CLAIM_INVALID', 'aud')
  })

  it('an empty aud array is refused', async () => {
    await rejectsClaim(verify({ aud: [], exp: FUTURE }, { audience: 'api' }), 'ERR_JWT_CLAIM_INVALID', 'aud')
  })

  it('a missing aud is refused when an audience is configured', async () => {
    await rejectsClaim(verify({ exp: FUTURE }, { audience: 'api' }), 'ERR_JWT_CLAIM_MISSING', 'aud', 'missing')
  })

  it('an aud is refused when no audience is configured', async () => {
    await rejectsClaim(verify({ aud: 'api', exp: FUTURE }), 'ERR_JWT_CLAIM_INVALID', 'aud', 'unexpected')
  })

  it('an aud array is refused when no audience is configured', async () => {
    await rejectsClaim(verify({ aud: ['a', 'b'], exp: FUTURE }), 'ERR_JWT_CLAIM_INVALID', 'aud')
  })

  it('an aud is accepted with acceptAnyAudience: true', async () => {
    const { payload } = await verify({ aud: 'someone-else', exp: FUTURE }, { acceptAnyAudience: true })
    assert.equal(payload.aud, 'someone-else')
  })

  it('a numeric aud is a type error', async () => {
    await rejectsClaim(verify({ aud: 42, exp: FUTURE }, { audience: 'api' }), 'ERR_JWT_CLAIM_INVALID', 'aud', 'type')
  })

  it('a numeric aud is a type error even with acceptAnyAudience', async () => {
    await rejectsClaim(verify({ aud: 42, exp: FUTURE }, { acceptAnyAudience: true }), 'ERR_JWT_CLAIM_INVALID', 'aud', 'type')
  })

  it('an aud array holding a non-string is a type error', async () => {
    await rejectsClaim(verify({ aud: ['api', 1], exp: FUTURE }, { audience: 'api' }), 'ERR_JWT_CLAIM_INVALID', 'aud', 'type')
  })

  it('an aud object is a type error', async () => {
    await rejectsClaim(verify({ aud: { api: true }, exp: FUTURE }, { audience: 'api' }), 'ERR_JWT_CLAIM_INVALID', 'aud', 'type')
  })
})

describe('iss', () => {
  const issuer = 'https://issuer.example'

  it('a wrong issuer is refused', async () => {
    await rejectsClaim(verify({ iss: 'https://evil.example', exp: FUTURE }, { issuer }), 'ERR_JWT_CLAIM_INVALID', 'iss', 'mismatch')
  })

  it('issuer comparison is exact (trailing slash differs)', async () => {
    await rejectsClaim(verify({ iss: `${issuer}/`, exp: FUTURE }, { issuer }), 'ERR_JWT_CLAIM_INVALID', 'iss')
  })

  it('an issuer array accepts any listed issuer', async () => {
    await verify({ iss: 'https://b.example', exp: FUTURE }, { issuer: ['https://a.example', 'https://b.example'] })
  })

  it('an issuer array refuses an unlisted issuer', async () => {
    await rejectsClaim(
      verify({ iss: 'https://c.example', exp: FUTURE }, { issuer: ['https://a.example', 'https://b.example'] }),
      'ERR_JWT_CLAIM_INVALID',
      'iss',
    )
  })

  it('a missing iss is refused when an issuer is configured', async () => {
    await rejectsClaim(verify({ exp: FUTURE }, { issuer }), 'ERR_JWT_CLAIM_MISSING', 'iss', 'missing')
  })

  it('a non-string iss is a type error', async () => {
    await rejectsClaim(verify({ iss: [issuer], exp: FUTURE }, { issuer }), 'ERR_JWT_CLAIM_INVALID', 'iss', 'type')
  })
})

describe('sub and jti', () => {
  it('a wrong subject is refused', async () => {
    await rejectsClaim(verify({ sub: 'mallory', exp: FUTURE }, { subject: 'alice' }), 'ERR_JWT_CLAIM_INVALID', 'sub', 'mismatch')
  })

  it('a missing subject is refused when one is configured', async () => {
    await rejectsClaim(verify({ exp: FUTURE }, { subject: 'alice' }), 'ERR_JWT_CLAIM_MISSING', 'sub')
  })

  it('a non-string sub is a type error even without a subject option', async () => {
    await rejectsClaim(verify({ sub: 123, exp: FUTURE }), 'ERR_JWT_CLAIM_INVALID', 'sub', 'type')
  })

  it('a wrong jti is refused', async () => {
    await rejectsClaim(verify({ jti: 'id-2', exp: FUTURE }, { jwtId: 'id-1' }), 'ERR_JWT_CLAIM_INVALID', 'jti', 'mismatch')
  })

  it('a missing jti is refused when one is configured', async () => {
    await rejectsClaim(verify({ exp: FUTURE }, { jwtId: 'id-1' }), 'ERR_JWT_CLAIM_MISSING', 'jti')
  })

  it('a non-string jti is a type error', async () => {
    await rejectsClaim(verify({ jti: 1, exp: FUTURE }), 'ERR_JWT_CLAIM_INVALID', 'jti', 'type')
  })
})

describe('typ', () => {
  const header = (typ?: string): Record<string, unknown> => (typ === undefined ? { alg: 'HS256' } : { alg: 'HS256', typ })

  for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt', 'application/AT+JWT', 'Application/At+Jwt']) {
    it(`expected "at+jwt" accepts "${typ}"`, async () => {
      const { header: h } = await verify({ exp: FUTURE }, { typ: 'at+jwt' }, header(typ))
      assert.equal(h.typ, typ)
    })
  }

  it('expected "application/at+jwt" accepts "at+jwt"', async () => {
    await verify({ exp: FUTURE }, { typ: 'application/at+jwt' }, header('at+jwt'))
  })

  it('expected "JWT" accepts "application/jwt"', async () => {
    await verify({ exp: FUTURE }, { typ: 'JWT' }, header('application/jwt'))
  })

  for (const typ of ['JWT', 'at+jwt2', 'application/at', 'x-application/at+jwt', 'at+jwt ']) {
    it(`expected "at+jwt" refuses "${typ}"`, async () => {
      await rejectsClaim(verify({ exp: FUTURE }, { typ: 'at+jwt' }, header(typ)), 'ERR_JWT_CLAIM_INVALID', 'typ', 'mismatch')
    })
  }

  it('a missing typ header is refused when a typ is expected', async () => {
    await rejectsClaim(verify({ exp: FUTURE }, { typ: 'at+jwt' }, header()), 'ERR_JWT_CLAIM_MISSING', 'typ')
  })

  it('a typ "typ" claim in the payload does not satisfy the header check', async () => {
    await rejectsClaim(verify({ typ: 'at+jwt', exp: FUTURE }, { typ: 'at+jwt' }, header('JWT')), 'ERR_JWT_CLAIM_INVALID', 'typ')
  })
})

describe('required claims', () => {
  it('exp is required by default', async () => {
    await rejectsClaim(verify({ sub: 'alice' }), 'ERR_JWT_CLAIM_MISSING', 'exp', 'missing')
  })

  it('requireExpiration: false accepts a token without exp', async () => {
    const { payload } = await verify({ sub: 'alice' }, { requireExpiration: false })
    assert.equal(payload.sub, 'alice')
  })

  it('requireExpiration: false still refuses an expired exp', async () => {
    await rejectsClaim(verify({ exp: NOW - 1 }, { requireExpiration: false }), 'ERR_JWT_EXPIRED', 'exp')
  })

  it('a missing claim listed in requiredClaims is refused', async () => {
    await rejectsClaim(verify({ sub: 'alice', exp: FUTURE }, { requiredClaims: ['sub', 'scope'] }), 'ERR_JWT_CLAIM_MISSING', 'scope')
  })

  it('a missing registered claim listed in requiredClaims is refused', async () => {
    await rejectsClaim(verify({ exp: FUTURE }, { requiredClaims: ['nbf'] }), 'ERR_JWT_CLAIM_MISSING', 'nbf')
  })

  it('requiredClaims all present is accepted', async () => {
    await verify({ sub: 'alice', scope: 'read', exp: FUTURE }, { requiredClaims: ['sub', 'scope'] })
  })

  it('an empty claims set is refused for its missing exp', async () => {
    await rejectsClaim(verify({}), 'ERR_JWT_CLAIM_MISSING', 'exp')
  })
})

describe('registered claim types', () => {
  const wrong: ReadonlyArray<readonly [string, string, string]> = [
    ['exp as a numeric string', `{"exp":"${FUTURE}"}`, 'exp'],
    ['exp as null', '{"exp":null}', 'exp'],
    ['exp as true', '{"exp":true}', 'exp'],
    ['exp as an array', `{"exp":[${FUTURE}]}`, 'exp'],
    ['exp overflowing to Infinity (1e400)', '{"exp":1e400}', 'exp'],
    ['nbf as a string', `{"nbf":"${NOW}","exp":${FUTURE}}`, 'nbf'],
    ['iat as a string', `{"iat":"${NOW}","exp":${FUTURE}}`, 'iat'],
    ['iat as an object', `{"iat":{},"exp":${FUTURE}}`, 'iat'],
    ['aud as a number', `{"aud":1,"exp":${FUTURE}}`, 'aud'],
  ]
  for (const [name, claims, claim] of wrong) {
    it(`${name} is a type error`, async () => {
      await rejectsClaim(verify(claims, { acceptAnyAudience: true }), 'ERR_JWT_CLAIM_INVALID', claim, 'type')
    })
  }

  it('exp as a string is a type error even with requireExpiration: false', async () => {
    await rejectsClaim(verify(`{"exp":"${NOW - 1000}"}`, { requireExpiration: false }), 'ERR_JWT_CLAIM_INVALID', 'exp', 'type')
  })
})

describe('injectable clock', () => {
  const claims = { exp: NOW + 10 }

  it('currentTime as a number', async () => {
    await verifyJWT(token(claims), key, { currentTime: NOW + 9 })
    await rejectsClaim(verifyJWT(token(claims), key, { currentTime: NOW + 10 }), 'ERR_JWT_EXPIRED', 'exp')
  })

  it('currentTime as a Date', async () => {
    await verifyJWT(token(claims), key, { currentTime: new Date((NOW + 9) * 1000) })
    await rejectsClaim(verifyJWT(token(claims), key, { currentTime: new Date((NOW + 10) * 1000) }), 'ERR_JWT_EXPIRED', 'exp')
  })

  it('currentTime as a Date with milliseconds is floored to whole seconds', async () => {
    await verifyJWT(token(claims), key, { currentTime: new Date((NOW + 9) * 1000 + 999) })
  })

  it('currentTime as a function is read on every verification', async () => {
    let now = NOW
    let calls = 0
    const verifier = createVerifier({
      key,
      currentTime: () => {
        calls++
        return now
      },
    })
    const t = token(claims)
    await verifier(t)
    now = NOW + 10
    await rejectsClaim(verifier(t), 'ERR_JWT_EXPIRED', 'exp')
    now = NOW + 5
    await verifier(t)
    assert.ok(calls >= 3, `clock read ${calls} times`)
  })

  it('currentTime as a function returning a Date', async () => {
    await rejectsClaim(
      verifyJWT(token({ nbf: NOW, exp: FUTURE }), key, { currentTime: () => new Date((NOW - 1) * 1000) }),
      'ERR_JWT_NOT_YET_VALID',
      'nbf',
    )
  })

  it('without currentTime the real clock is used', async () => {
    const real = Math.floor(Date.now() / 1000)
    await verifyJWT(token({ exp: real + 60 }), key)
    await rejectsClaim(verifyJWT(token({ exp: real - 60 }), key), 'ERR_JWT_EXPIRED', 'exp')
  })

  it('signJWT and verifyJWT agree on an injected clock (expiresIn "15m")', async () => {
    const t = await signJWT({ sub: 'alice' }, key, { expiresIn: '15m', currentTime: NOW })
    const { payload } = await verifyJWT(t, key, { currentTime: NOW + 899, maxTokenAge: '15m' })
    assert.equal(payload.iat, NOW)
    assert.equal(payload.exp, NOW + 900)
    await rejectsClaim(verifyJWT(t, key, { currentTime: NOW + 900 }), 'ERR_JWT_EXPIRED', 'exp')
  })

  it('a token signed with notBeforeIn is not valid before then', async () => {
    const t = await signJWT({ sub: 'alice' }, key, { expiresIn: '1h', notBeforeIn: '5m', currentTime: NOW })
    await rejectsClaim(verifyJWT(t, key, { currentTime: NOW + 299 }), 'ERR_JWT_NOT_YET_VALID', 'nbf')
    await verifyJWT(t, key, { currentTime: NOW + 300 })
  })
})
