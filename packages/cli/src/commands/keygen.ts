/**
 * `jotjwt keygen ALG`: a fresh key for one algorithm, as JWK (default) or PEM, with `kid` = the RFC 7638
 * thumbprint. With `--out` the private key (or secret) is written with mode 0600, both files of a pair
 * are written or neither, and existing files are never replaced without `--force`.
 * @module
 */
import { exportPEM, generateKeyPair, generateSecret, jwkThumbprint } from 'jotjwt'
import type { ContentEncryptionName, Curve, JotKey } from 'jotjwt'
import { defineCommand } from '../cli/command.js'
import { UsageError } from '../cli/errors.js'
import { renderJSON } from '../format/json.js'
import { writeKeyFiles } from '../io/output.js'
import { contentEncryption, keyAlgorithm } from '../keys/algorithms.js'
import { jwkFor } from '../keys/jwk-output.js'

/** Algorithms whose key is a random secret rather than a key pair (RFC 7518 §3.2, §4.4, §4.5, §4.7). */
const SECRET_ALGORITHM = /^(HS\d+|A\d+KW|A\d+GCMKW|dir)$/

export const keygen = defineCommand({
  name: 'keygen',
  summary: 'generate a key pair or secret for an algorithm (JWK or PEM, kid = thumbprint)',
  usage: 'ALG [options]',
  description: [
    'Generates a key for one JWS algorithm (ES256, EdDSA, RS256, PS256, HS256, …) or JWE key',
    'management algorithm (RSA-OAEP-256, ECDH-ES+A256KW, A256KW, dir, …). Key pairs give a private',
    'and a public key; HS*, A*KW, A*GCMKW and dir give one secret. The kid is the RFC 7638 thumbprint',
    'unless --kid is given. Without --out both keys go to stdout.',
    'With --out PREFIX: PREFIX.private.jwk (mode 0600) and PREFIX.public.jwk (.pem with --pem), or',
    'PREFIX.secret.jwk for secrets. Both files of a pair are written or neither: if either exists',
    '(without --force) or cannot be written, nothing is left behind.',
  ].join('\n'),
  options: {
    out: { type: 'string', short: 'o', value: 'PREFIX', description: 'write PREFIX.private.jwk and PREFIX.public.jwk (or .pem)' },
    pem: { type: 'boolean', description: 'PEM (PKCS#8 private, SPKI public) instead of JWK' },
    kid: { type: 'string', value: 'KID', description: 'key ID (default: RFC 7638 thumbprint)' },
    curve: { type: 'string', value: 'CURVE', description: 'EdDSA: Ed25519 (default) or Ed448; ECDH-ES*: P-256 (default), P-384, P-521, X25519, X448' },
    bits: { type: 'string', value: 'BITS', description: 'RSA modulus length (default 2048)' },
    enc: { type: 'string', value: 'ENC', description: 'dir only: the content encryption algorithm, e.g. A256GCM' },
    force: { type: 'boolean', short: 'f', description: 'replace existing files' },
  },
  examples: [
    'jotjwt keygen EdDSA --out issuer            # issuer.private.jwk, issuer.public.jwk',
    'jotjwt keygen ES256 --pem --out api         # api.private.pem, api.public.pem',
    'jotjwt keygen RSA-OAEP-256 --bits 3072 --out recipient',
    'jotjwt keygen HS256 --out shared            # shared.secret.jwk',
    'jotjwt keygen ECDH-ES+A256KW --curve X25519 | jq .publicKey',
  ],
  maxPositionals: 1,
  async run({ values, positionals }, context) {
    if (positionals[0] === undefined) throw new UsageError('which algorithm? e.g. jotjwt keygen ES256')
    const alg = keyAlgorithm(positionals[0])
    if (alg.startsWith('PBES2')) throw new UsageError(`${alg} keys are passwords chosen by people: pass one with --key-env to encrypt/decrypt`)
    const enc: ContentEncryptionName | undefined = values.enc === undefined ? undefined : contentEncryption(values.enc)
    const { stdout } = context
    const force = values.force === true

    if (SECRET_ALGORITHM.test(alg)) {
      if (values.pem) throw new UsageError(`${alg} keys are secrets, which have no PEM form`)
      const secret = await generateSecret(alg, enc === undefined ? {} : { enc })
      const jwk = await jwkFor(secret, { kid: values.kid, neutral: false })
      const text = JSON.stringify(jwk, null, 2) + '\n'
      if (values.out === undefined) {
        stdout.write(stdout.color.enabled ? renderJSON(jwk, stdout.color) + '\n' : text)
        return 0
      }
      await writeKeyFiles([{ path: `${values.out}.secret.jwk`, content: text, secret: true }], { force })
      stdout.write(`kid     ${jwk.kid}\nsecret  ${values.out}.secret.jwk (mode 0600: keep it secret)\n`)
      return 0
    }

    const bits = values.bits === undefined ? undefined : Number(values.bits)
    if (bits !== undefined && !Number.isInteger(bits)) throw new UsageError('--bits must be a whole number, e.g. 3072')
    const { privateKey, publicKey } = await generateKeyPair(alg, {
      ...(values.curve === undefined ? {} : { curve: values.curve as Curve }),
      ...(bits === undefined ? {} : { modulusLength: bits }),
    })
    const kid = values.kid ?? (await jwkThumbprint(publicKey))
    const serialize = async (key: JotKey) =>
      values.pem ? exportPEM(key) : JSON.stringify(await jwkFor(key, { kid, neutral: false }), null, 2) + '\n'
    const [privateText, publicText] = [await serialize(privateKey), await serialize(publicKey)]

    if (values.out === undefined) {
      if (values.pem) stdout.write(privateText + publicText)
      else {
        const pair = { privateKey: JSON.parse(privateText) as unknown, publicKey: JSON.parse(publicText) as unknown }
        stdout.write(stdout.color.enabled ? renderJSON(pair, stdout.color) + '\n' : JSON.stringify(pair, null, 2) + '\n')
      }
      if (values.pem) context.stderr.write(`kid ${kid} (PEM has no kid: pass --kid ${kid} where it matters)\n`)
      return 0
    }
    const extension = values.pem ? 'pem' : 'jwk'
    const [privatePath, publicPath] = [`${values.out}.private.${extension}`, `${values.out}.public.${extension}`]
    // Both or neither: a private key left beside an old public key (or alone) would be a broken pair.
    await writeKeyFiles(
      [
        { path: privatePath, content: privateText, secret: true },
        { path: publicPath, content: publicText, secret: false },
      ],
      { force },
    )
    stdout.write(`kid      ${kid}\nprivate  ${privatePath} (mode 0600: keep it secret)\npublic   ${publicPath}\n`)
    return 0
  },
})
