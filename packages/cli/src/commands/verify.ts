/**
 * `jotjwt verify`: check a token's signature and claims, for scripts as much as for people. The exit
 * code is the answer (0 valid, 1 invalid, 2 usage, 3 keys unavailable); the one-line reason names
 * the library's error code, claim and reason, which are stable and documented.
 * @module
 */
import { verifyJWT } from 'jotjwt'
import type { JWSAlgorithmName } from 'jotjwt'
import { defineCommand } from '../cli/command.js'
import { describeError, EXIT_INVALID, failureJSON } from '../cli/errors.js'
import { escapeTerminal } from '../format/terminal.js'
import { analyzeClaims, renderToken, tokenJSON } from '../format/token-view.js'
import { readToken } from '../io/input.js'
import { DISPLAY_MAX_TOKEN_LENGTH } from '../token/compact.js'
import { signingAlgorithm } from '../keys/algorithms.js'
import { VERIFICATION_KEY_OPTIONS, verificationKey } from '../keys/verification.js'
import { CLAIM_CHECK_OPTIONS, claimChecks } from '../claims/checks.js'

export const verify = defineCommand({
  name: 'verify',
  summary: 'verify a JWT signature and claims (exit 0 valid, 1 invalid)',
  usage: '[TOKEN|-] (--key FILE | --key-env VAR | --jwks URL | --issuer URL) [options]',
  description: [
    'Verifies the signature with a key file (PEM, DER, JWK or JWK Set; a raw HMAC secret only with',
    '--alg), a remote JWK Set (--jwks), or the keys of an OpenID Provider found by discovery (--issuer',
    'alone), then checks the claims: exp is required, and a token with aud needs --audience (or',
    '--any-audience).',
    'Exit status: 0 valid, 1 invalid (the reason is printed: error code, claim, reason), 2 usage',
    'error, 3 keys unavailable (file unreadable, JWKS or discovery fetch failed). With --json every',
    'failure is also an object on stdout: {"valid": false, "error": CODE, "message": …}, with "claim"',
    'and "reason" for claim failures; CODE is the jot error code, or "usage" / "cli".',
  ].join('\n'),
  options: {
    ...VERIFICATION_KEY_OPTIONS,
    alg: { type: 'string', short: 'a', multiple: true, value: 'ALG', description: 'accept only this algorithm' },
    ...CLAIM_CHECK_OPTIONS,
    json: { type: 'boolean', description: 'machine-readable result on stdout (failures too)' },
    quiet: { type: 'boolean', short: 'q', description: 'print nothing; only the exit status' },
  },
  examples: [
    'jotjwt verify --key issuer.public.jwk "$TOKEN"',
    'jotjwt verify --jwks https://issuer.example/.well-known/jwks.json --audience api --typ at+jwt "$TOKEN"',
    'jotjwt verify --issuer https://accounts.google.com --audience my-client-id < id-token.txt',
    'jotjwt verify --key-env JWT_SECRET --alg HS256 --clock-tolerance 30s "$TOKEN" && echo ok',
  ],
  maxPositionals: 1,
  jsonVerdict: true,
  async run({ values, positionals }, context) {
    const algorithms = values.alg?.map(signingAlgorithm) as JWSAlgorithmName[] | undefined
    // The library's default length cap is for servers; decode and decrypt read tokens up to this too.
    const options = { ...claimChecks(values), maxTokenLength: DISPLAY_MAX_TOKEN_LENGTH }
    if (algorithms) options.algorithms = algorithms
    const token = await readToken(positionals[0], context.stdin)
    const { key, source } = await verificationKey(values, algorithms, context)
    const { stdout, stderr } = context

    let verified
    try {
      verified = await verifyJWT(token, key, options)
    } catch (error) {
      const report = describeError(error)
      // Keys that could not be fetched are not a verdict on the token: main reports exit 3 (or 2).
      if (report.exitCode !== EXIT_INVALID) throw error
      if (values.json) stdout.write(failureJSON(report))
      if (!values.quiet) stderr.write(`jotjwt verify: ${stderr.color.red('invalid:')} ${report.line}\n`)
      return EXIT_INVALID
    }

    const { header, payload } = verified
    const analysis = analyzeClaims(header, payload, context.now())
    if (values.quiet) return 0
    if (values.json) {
      stdout.write(tokenJSON({ valid: true, header, payload }, analysis))
      return 0
    }
    const kid = verified.key.kid ?? (typeof header.kid === 'string' ? header.kid : undefined)
    const status = `${stdout.color.green('Valid:')} signature verified (${escapeTerminal(header.alg)}${kid ? `, kid ${escapeTerminal(kid)}` : ''}) with ${escapeTerminal(source)}; claims checked`
    stdout.write(renderToken({ status, sections: [{ title: 'Header', value: header }], payload, analysis }, stdout.color))
    return 0
  },
})
