/**
 * `jotjwt sign`: mint a JWT from claims and a private key (or HMAC secret). The key comes from a file
 * or an environment variable, so secrets need not appear in shell history or `ps` output.
 * @module
 */
import { signJWT } from 'jotjwt'
import { CLAIM_OPTIONS, claimsFromFlags, missingExpWarning } from '../claims/from-flags.js'
import { defineCommand } from '../cli/command.js'
import { UsageError } from '../cli/errors.js'
import { signingAlgorithm } from '../keys/algorithms.js'
import { importMaterial, loadKeyMaterial, requireAlgorithm } from '../keys/material.js'

export const sign = defineCommand({
  name: 'sign',
  summary: 'sign claims into a JWT with a private key or secret',
  usage: '[CLAIMS_JSON|-] --key FILE|-  [options]',
  description: [
    'Signs a claims set and prints the compact JWT. Claims come from a JSON argument, --claims FILE,',
    'stdin ("-"), and the claim flags, merged in that order. The key is a PEM, DER or JWK private key,',
    'or an HMAC secret: an oct JWK, or a raw secret file with --alg (HS256, HS384, HS512). The',
    'algorithm is --alg, else the JWK\'s "alg", else the only family the key type allows (RSA: RS256,',
    'EC: ES256/384/512, Ed25519: EdDSA, ML-DSA: the parameter set the key names). iat is added unless',
    '--no-iat; exp only with --exp.',
  ].join('\n'),
  options: {
    key: { type: 'string', short: 'k', value: 'FILE|-', description: 'private key (PEM, DER, JWK), or a secret file with --alg' },
    'key-env': { type: 'string', value: 'VAR', description: 'read the key or secret from this environment variable' },
    alg: { type: 'string', short: 'a', value: 'ALG', description: 'signature algorithm, e.g. ES256, EdDSA, HS256' },
    kid: { type: 'string', value: 'KID', description: 'kid header (default: the JWK\'s kid)' },
    ...CLAIM_OPTIONS,
  },
  examples: [
    'jotjwt sign --key issuer.private.jwk --sub user-42 --aud api --exp 15m',
    `jotjwt sign '{"sub":"user-42","scope":"orders:read"}' --key key.pem --alg PS256 --exp 1h`,
    'JWT_SECRET=... jotjwt sign --key-env JWT_SECRET --alg HS256 --claim admin=true --exp 5m',
    'jotjwt sign - --key issuer.private.jwk --exp 10m < claims.json',
  ],
  maxPositionals: 1,
  async run({ values, positionals }, context) {
    const material = await loadKeyMaterial(values.key, values['key-env'], 'key', context, { flag: 'alg', given: values.alg !== undefined })
    if (!material) throw new UsageError('no key: pass --key FILE or --key-env VAR')
    const alg = requireAlgorithm(material, values.alg === undefined ? undefined : signingAlgorithm(values.alg), 'sig')
    signingAlgorithm(alg) // a JWK whose own "alg" is a JWE algorithm cannot sign
    const signingKey = await importMaterial(material, alg)
    const { claims, options } = await claimsFromFlags(values, positionals[0], context)
    if (values.kid !== undefined) options.kid = values.kid
    const warning = missingExpWarning(claims, options)
    if (warning) context.stderr.write(context.stderr.color.yellow(warning))
    context.stdout.write(`${await signJWT(claims, signingKey, options)}\n`)
    return 0
  },
})
