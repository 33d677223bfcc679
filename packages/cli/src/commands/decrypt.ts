/**
 * `jotjwt decrypt`: read an encrypted JWT with the recipient's key. Claims are checked as by `jotjwt
 * verify`; a nested JWT's inner signature is verified when a verification key is given, and is
 * otherwise shown as NOT verified. `--plaintext` prints only what was decrypted, e.g. to pipe an
 * inner JWT into `jotjwt verify`.
 * @module
 */
import { decodeJWTUnverified, decryptAndVerifyJWT, decryptCompactJWE, decryptJWT } from 'jotjwt'
import type { ContentEncryptionName, DecryptJWTOptions, JWEKeyResolver, JWSAlgorithmName, KeyAlgorithmName, KeyManagementAlgorithmName } from 'jotjwt'
import { defineCommand } from '../cli/command.js'
import { describeError, EXIT_INVALID, failureJSON, UsageError } from '../cli/errors.js'
import { escapeTerminal, escapeText } from '../format/terminal.js'
import { analyzeClaims, renderToken, tokenJSON, type TokenDisplay } from '../format/token-view.js'
import { readToken, utf8 } from '../io/input.js'
import { keyManagementAlgorithm, signingAlgorithm } from '../keys/algorithms.js'
import { defaultAlgorithm, importMaterial, loadKeyMaterial, type KeyMaterial } from '../keys/material.js'
import { verificationKey } from '../keys/verification.js'
import { CLAIM_CHECK_OPTIONS, claimChecks } from '../claims/checks.js'
import { DISPLAY_MAX_TOKEN_LENGTH, isNestedJWT, jweProtectedHeader } from '../token/compact.js'

/**
 * Imports the decryption key for the JWE's `alg` (and, for `dir`, its `enc`). The header is untrusted,
 * but the library binds the key to that alg and checks it against `keyManagementAlgorithms` first.
 */
function importFor(material: KeyMaterial, alg: KeyAlgorithmName, enc: unknown) {
  // A `dir` key is the content key itself, so it is bound to the token's `enc` too (RFC 7518 §4.5).
  return importMaterial(material, alg, alg === 'dir' && typeof enc === 'string' ? { enc: enc as ContentEncryptionName } : {})
}

function decryptionKey(material: KeyMaterial): JWEKeyResolver {
  return (header) => importFor(material, String(header.alg) as KeyAlgorithmName, header.enc)
}

export const decrypt = defineCommand({
  name: 'decrypt',
  summary: 'decrypt a JWE / encrypted JWT (nested JWTs too) and check its claims',
  usage: '[TOKEN|-] --key FILE|- [options]',
  description: [
    'Decrypts a compact JWE with the recipient\'s private key or the shared secret, then checks the',
    'claims like jotjwt verify. A nested JWT (cty "JWT") is verified too when --verify-key or --jwks is',
    'given; otherwise its inner signature is shown as NOT verified and the exit status is 1 (anyone',
    'with the recipient\'s public key can make such a JWE), unless --unverified accepts that.',
    'PBES2-* and RSA1_5 tokens must be allowed with --alg.',
    'Exit status as for verify: 0 valid, 1 invalid or unverified, 2 usage, 3 unavailable.',
  ].join('\n'),
  options: {
    key: { type: 'string', short: 'k', value: 'FILE|-', description: 'private key (PEM, DER, JWK), or a secret or password with --alg' },
    'key-env': { type: 'string', value: 'VAR', description: 'read the key, secret or password from this environment variable' },
    alg: { type: 'string', short: 'a', value: 'ALG', description: 'accept only this key management algorithm' },
    'verify-key': { type: 'string', value: 'FILE', description: 'nested JWT: public key (or JWK Set) of the signer' },
    'verify-key-env': { type: 'string', value: 'VAR', description: 'nested JWT: the signer\'s key from this environment variable' },
    jwks: { type: 'string', value: 'URL', description: 'nested JWT: the signer\'s JWK Set URL' },
    'allow-http': { type: 'boolean', description: 'allow http: --jwks URLs beyond loopback' },
    timeout: { type: 'string', value: 'SECONDS', description: 'network timeout for --jwks (default 5)' },
    'sign-alg': { type: 'string', multiple: true, value: 'ALG', description: 'nested JWT: accept only this signature algorithm' },
    ...CLAIM_CHECK_OPTIONS,
    plaintext: { type: 'boolean', description: 'print only the decrypted plaintext (no claim checks; control characters escaped)' },
    unverified: { type: 'boolean', description: 'nested JWT: exit 0 although the inner signature was not verified' },
    json: { type: 'boolean', description: 'machine-readable output (failures too: {"valid": false, "error": CODE, …})' },
  },
  examples: [
    'jotjwt decrypt --key recipient.private.jwk "$TOKEN"',
    'jotjwt decrypt --key recipient.private.jwk --verify-key issuer.public.jwk --issuer https://issuer.example "$TOKEN"',
    'jotjwt decrypt --key recipient.private.jwk --plaintext "$NESTED" | jotjwt verify --key issuer.public.jwk',
    'JWE_PASSWORD=... jotjwt decrypt --key-env JWE_PASSWORD --alg PBES2-HS256+A128KW "$TOKEN"',
  ],
  maxPositionals: 1,
  jsonVerdict: true,
  async run({ values, positionals }, context) {
    const pinned: KeyManagementAlgorithmName | undefined = values.alg === undefined ? undefined : keyManagementAlgorithm(values.alg)
    const signAlgorithms = values['sign-alg']?.map(signingAlgorithm) as JWSAlgorithmName[] | undefined
    const token = await readToken(positionals[0], context.stdin)
    const material = await loadKeyMaterial(values.key, values['key-env'], 'key', context, { flag: 'alg', given: pinned !== undefined })
    if (!material) throw new UsageError('no key: pass --key FILE or --key-env VAR')
    if (token.split('.').length !== 5) throw new UsageError('not a compact JWE (5 segments); a signed JWT is read with jotjwt verify or jotjwt decode')
    const header = jweProtectedHeader(token)
    const nested = isNestedJWT(header)

    // A key file that names its algorithm is checked now, so its problems are not blamed on the token.
    const stated = pinned ?? defaultAlgorithm(material, 'enc')
    if (stated !== undefined && stated === header.alg) await importFor(material, stated, header.enc)
    const options: DecryptJWTOptions = { ...claimChecks(values), maxTokenLength: DISPLAY_MAX_TOKEN_LENGTH }
    if (pinned) options.keyManagementAlgorithms = [pinned]
    const key = decryptionKey(material)
    const verifying = values['verify-key'] !== undefined || values['verify-key-env'] !== undefined || values.jwks !== undefined
    if (verifying && !nested) throw new UsageError('--verify-key and --jwks are for nested JWTs; this JWE has no cty "JWT"')
    const { stdout, stderr } = context
    const color = stdout.color
    const algorithms = `${escapeTerminal(header.alg)} / ${escapeTerminal(header.enc)}`

    let display: TokenDisplay
    let json: Record<string, unknown>
    try {
      if (values.plaintext) {
        const { plaintext } = await decryptCompactJWE(token, key, options)
        // Sender's text: controls and invisible characters become \uXXXX, colour codes too (the guard
        // would keep those of the palette), which leaves an inner JWT as it is and compact JSON claims
        // equal in value.
        stdout.write(escapeText(utf8(plaintext)) + (nested ? '\n' : ''))
        return 0
      }
      if (nested && verifying) {
        const verifier = await verificationKey(
          { key: values['verify-key'], 'key-env': values['verify-key-env'], jwks: values.jwks, 'allow-http': values['allow-http'], timeout: values.timeout },
          signAlgorithms,
          context,
          'sign-alg',
        )
        const result = await decryptAndVerifyJWT(token, key, verifier.key, { ...options, ...(signAlgorithms ? { algorithms: signAlgorithms } : {}) })
        const analysis = analyzeClaims(result.header, result.payload, context.now())
        json = { valid: true, type: 'nested', protectedHeader: result.protectedHeader, header: result.header, payload: result.payload }
        display = {
          status: `${color.green('Valid:')} decrypted (${algorithms}), inner signature verified (${escapeTerminal(result.header.alg)}) with ${escapeTerminal(verifier.source)}; claims checked`,
          sections: [
            { title: 'Protected header (JWE)', value: result.protectedHeader },
            { title: 'Header (inner JWS)', value: result.header },
          ],
          payload: result.payload,
          analysis,
        }
      } else if (nested) {
        const { plaintext, protectedHeader } = await decryptCompactJWE(token, key, options)
        const inner = decodeJWTUnverified(utf8(plaintext), { maxTokenLength: DISPLAY_MAX_TOKEN_LENGTH })
        const analysis = analyzeClaims(inner.header, inner.payload, context.now())
        json = { type: 'nested', verified: false, protectedHeader, header: inner.header, payload: inner.payload }
        display = {
          status: `${color.bold(`Decrypted (${algorithms})`)} ${color.yellow('inner signature and claims NOT verified: pass --verify-key or --jwks')}`,
          sections: [
            { title: 'Protected header (JWE)', value: protectedHeader },
            { title: 'Header (inner JWS)', value: inner.header },
          ],
          payload: inner.payload,
          analysis,
        }
      } else {
        const result = await decryptJWT(token, key, options)
        const analysis = analyzeClaims(result.protectedHeader, result.payload, context.now())
        json = { valid: true, type: 'JWE', protectedHeader: result.protectedHeader, payload: result.payload }
        display = {
          status: `${color.green('Valid:')} decrypted (${algorithms}); claims checked`,
          sections: [{ title: 'Protected header', value: result.protectedHeader }],
          payload: result.payload,
          analysis,
        }
      }
    } catch (error) {
      const report = describeError(error)
      if (report.exitCode !== EXIT_INVALID) throw error
      if (values.json) stdout.write(failureJSON(report))
      stderr.write(`jotjwt decrypt: ${stderr.color.red('invalid:')} ${report.line}\n`)
      return EXIT_INVALID
    }
    stdout.write(values.json ? tokenJSON(json, display.analysis) : renderToken(display, color))
    if (nested && json.verified === false && !values.unverified) {
      stderr.write(`jotjwt decrypt: ${stderr.color.red('unverified:')} the inner JWT's signature was not checked; pass --verify-key or --jwks (or --unverified)\n`)
      return EXIT_INVALID
    }
    return 0
  },
})
