/**
 * `jotjwt encrypt`: an encrypted JWT (JWE, RFC 7516) for a recipient's public key or a shared secret,
 * or with `--sign-key` a nested JWT (RFC 7519 §5.2: signed, then encrypted), which proves who issued
 * it as well as hiding it.
 * @module
 */
import { encryptJWT, signAndEncryptJWT } from 'jotjwt'
import type { ContentEncryptionName, JWEHeaderParameters, KeyManagementAlgorithmName } from 'jotjwt'
import { CLAIM_OPTIONS, claimsFromFlags, missingExpWarning } from '../claims/from-flags.js'
import { defineCommand } from '../cli/command.js'
import { UsageError } from '../cli/errors.js'
import { contentEncryption, keyManagementAlgorithm, signingAlgorithm } from '../keys/algorithms.js'
import { importMaterial, loadKeyMaterial, requireAlgorithm } from '../keys/material.js'

export const encrypt = defineCommand({
  name: 'encrypt',
  summary: 'encrypt claims into a JWE (a nested JWT with --sign-key)',
  usage: '[CLAIMS_JSON|-] --key FILE|- [options]',
  description: [
    'Encrypts a claims set to a recipient and prints the compact JWE. Claims come as for jotjwt sign.',
    'The key is the recipient\'s public key (RSA: RSA-OAEP-256, EC or X25519: ECDH-ES by default), or a',
    'secret with --alg (A256KW, dir, …; PBES2-* takes a password, best from --key-env). With',
    '--sign-key the claims are first signed (a nested JWT, cty "JWT"), so the recipient can also check',
    'who issued them.',
  ].join('\n'),
  options: {
    key: { type: 'string', short: 'k', value: 'FILE|-', description: 'recipient public key (PEM, DER, JWK), or a shared secret or password with --alg' },
    'key-env': { type: 'string', value: 'VAR', description: 'read the key, secret or password from this environment variable' },
    alg: { type: 'string', short: 'a', value: 'ALG', description: 'key management algorithm, e.g. RSA-OAEP-256, ECDH-ES+A256KW, A256KW, dir' },
    enc: { type: 'string', short: 'e', value: 'ENC', description: 'content encryption (default A256GCM)' },
    zip: { type: 'boolean', description: 'compress the claims before encrypting (zip "DEF")' },
    'sign-key': { type: 'string', value: 'FILE|-', description: 'sign first with this private key: a nested JWT' },
    'sign-key-env': { type: 'string', value: 'VAR', description: 'the signing key from this environment variable' },
    'sign-alg': { type: 'string', value: 'ALG', description: 'signature algorithm of the inner JWT' },
    ...CLAIM_OPTIONS,
  },
  examples: [
    'jotjwt encrypt --key recipient.public.jwk --sub user-42 --claim email=a@example.com --exp 15m',
    'jotjwt encrypt --key recipient.public.pem --alg RSA-OAEP-256 --enc A128CBC-HS256 \'{"sub":"user-42"}\'',
    'jotjwt encrypt --key recipient.public.jwk --sign-key issuer.private.jwk --iss https://issuer.example --exp 5m',
    'JWE_PASSWORD=... jotjwt encrypt --key-env JWE_PASSWORD --alg PBES2-HS256+A128KW --exp 1h',
  ],
  maxPositionals: 1,
  async run({ values, positionals }, context) {
    const material = await loadKeyMaterial(values.key, values['key-env'], 'key', context, { flag: 'alg', given: values.alg !== undefined })
    if (!material) throw new UsageError('no recipient key: pass --key FILE or --key-env VAR')
    const alg = keyManagementAlgorithm(requireAlgorithm(material, values.alg === undefined ? undefined : keyManagementAlgorithm(values.alg), 'enc'))
    const enc: ContentEncryptionName = values.enc === undefined ? 'A256GCM' : contentEncryption(values.enc)
    // A `dir` key is the content key itself, so it is bound to one `enc` as well (RFC 7518 §4.5).
    const encryptionKey = await importMaterial(material, alg as KeyManagementAlgorithmName, alg === 'dir' ? { enc } : {})
    const protectedHeader: JWEHeaderParameters = values.zip ? { zip: 'DEF' } : {}
    const { claims, options } = await claimsFromFlags(values, positionals[0], context)
    const warning = missingExpWarning(claims, options)
    if (warning) context.stderr.write(context.stderr.color.yellow(warning))

    const signAlgorithm = { flag: 'sign-alg', given: values['sign-alg'] !== undefined }
    const signMaterial = await loadKeyMaterial(values['sign-key'], values['sign-key-env'], 'sign-key', context, signAlgorithm)
    let token: string
    if (signMaterial) {
      const signAlg = requireAlgorithm(signMaterial, values['sign-alg'] === undefined ? undefined : signingAlgorithm(values['sign-alg']), 'sig')
      const signingKey = await importMaterial(signMaterial, signingAlgorithm(signAlg))
      token = await signAndEncryptJWT(claims, signingKey, encryptionKey, { ...options, encryption: { enc, protectedHeader } })
    } else {
      if (values['sign-alg'] !== undefined) throw new UsageError('--sign-alg needs --sign-key')
      token = await encryptJWT(claims, encryptionKey, { ...options, enc, protectedHeader })
    }
    context.stdout.write(`${token}\n`)
    return 0
  },
})
