/**
 * `jotjwt key`: convert a key between PEM and JWK, derive the public key from a private one, and print
 * the RFC 7638 thumbprint. The key is read through the library, so it gets the same strict checks
 * (DER, curve points, RSA size) as keys used for tokens.
 * @module
 */
import { exportPEM, jwkThumbprint, toPublicKey } from 'jotjwt'
import type { ThumbprintHash } from 'jotjwt'
import { defineCommand } from '../cli/command.js'
import { CliError, EXIT_INVALID, UsageError } from '../cli/errors.js'
import { renderJSON } from '../format/json.js'
import { keyAlgorithm, purposeOf } from '../keys/algorithms.js'
import { algorithmIsExplicit, jwkFor } from '../keys/jwk-output.js'
import { importMaterial, loadKeyMaterial, requireAlgorithm } from '../keys/material.js'

const HASHES: readonly ThumbprintHash[] = ['sha256', 'sha384', 'sha512']

export const key = defineCommand({
  name: 'key',
  summary: 'convert PEM or DER <-> JWK, derive the public key, print the thumbprint',
  usage: '[FILE|-] [options]',
  description: [
    'Reads one key (PEM, DER, JWK, or a secret with --alg) from FILE, stdin ("-" or piped) or',
    '--key-env, and prints it in the other format: PEM or DER becomes a JWK, a JWK becomes PEM (--to',
    'picks explicitly). --public prints the public half of a private key; --thumbprint prints only',
    'the RFC 7638 thumbprint.',
    'JWK output carries a kid (the thumbprint unless the key or --kid has one). The key is read for',
    '--alg, else its JWK "alg", else a default for its type (an ML-DSA key names its own parameter',
    'set); alg and use are written only when they were stated, never from a default.',
  ].join('\n'),
  options: {
    'key-env': { type: 'string', value: 'VAR', description: 'read the key from this environment variable' },
    to: { type: 'string', value: 'jwk|pem', description: 'output format (default: the other one)' },
    public: { type: 'boolean', short: 'p', description: 'output the public key of a private key' },
    thumbprint: { type: 'boolean', short: 't', description: 'print only the RFC 7638 thumbprint' },
    hash: { type: 'string', value: 'HASH', description: 'thumbprint hash: sha256 (default), sha384, sha512' },
    alg: { type: 'string', short: 'a', value: 'ALG', description: 'algorithm the key is for (written to the JWK)' },
    kid: { type: 'string', value: 'KID', description: 'kid for JWK output' },
  },
  examples: [
    'jotjwt key issuer.private.pem                 # PEM -> JWK',
    'jotjwt key issuer.private.jwk --public        # public key, as PEM',
    'jotjwt key issuer.public.pem --to jwk --alg ES256 --kid 2024-06',
    'jotjwt key --thumbprint issuer.public.jwk',
    'openssl genpkey -algorithm ed25519 | jotjwt key --public --to jwk',
  ],
  maxPositionals: 1,
  async run({ values, positionals }, context) {
    if (values.to !== undefined && values.to !== 'jwk' && values.to !== 'pem') throw new UsageError('--to must be jwk or pem')
    const hash = (values.hash ?? 'sha256') as ThumbprintHash
    if (!HASHES.includes(hash)) throw new UsageError(`--hash must be one of ${HASHES.join(', ')}`)
    const file = positionals[0] ?? (values['key-env'] === undefined && !context.stdin.isTTY ? '-' : undefined)
    const material = await loadKeyMaterial(file, values['key-env'], 'key', context, { flag: 'alg', given: values.alg !== undefined })
    if (!material) throw new UsageError('no key: pass a FILE, "-" for stdin, or --key-env VAR')
    if (material.format === 'jwks') throw new CliError(`${material.source} is a JWK Set; jotjwt jwks shows and builds sets`, EXIT_INVALID)

    const explicit = values.alg === undefined ? undefined : keyAlgorithm(values.alg)
    const alg = requireAlgorithm(material, explicit, explicit ? purposeOf(explicit) : 'sig')
    let jotKey = await importMaterial(material, alg)
    if (values.public) jotKey = await toPublicKey(jotKey)

    const { stdout } = context
    if (values.thumbprint) {
      stdout.write(`${await jwkThumbprint(jotKey, hash)}\n`)
      return 0
    }
    const to = values.to ?? (material.format === 'jwk' ? 'pem' : 'jwk')
    if (to === 'pem') {
      if (jotKey.type === 'secret') throw new UsageError('a secret has no PEM form; use --to jwk')
      stdout.write(await exportPEM(jotKey))
      return 0
    }
    const jwk = await jwkFor(jotKey, {
      kid: values.kid,
      neutral: !algorithmIsExplicit(values.alg, material.format === 'jwk' ? material.jwk : undefined),
    })
    stdout.write(stdout.color.enabled ? renderJSON(jwk, stdout.color) + '\n' : JSON.stringify(jwk, null, 2) + '\n')
    return 0
  },
})
