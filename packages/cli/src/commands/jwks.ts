/**
 * `jotjwt jwks`: build a JWK Set to publish from key files, or fetch and show a remote one (a JWKS URL,
 * or an OpenID Provider's discovery document and the set its `jwks_uri` names). Building publishes
 * public keys only: private keys are reduced to their public half, and secrets are refused.
 * @module
 */
import { createRemoteKeySet, discoverOIDCProvider, toPublicKey } from 'jotjwt'
import type { JWK, JWKSet } from 'jotjwt'
import { defineCommand, type Context } from '../cli/command.js'
import { CliError, EXIT_INVALID, UsageError } from '../cli/errors.js'
import { formatJSON, renderJSON } from '../format/json.js'
import { escapeTerminal } from '../format/terminal.js'
import { formatTable } from '../format/table.js'
import { keyAlgorithm, purposeOf } from '../keys/algorithms.js'
import { algorithmIsExplicit, jwkFor } from '../keys/jwk-output.js'
import { importMaterial, loadKeyMaterial, requireAlgorithm, type KeyMaterial } from '../keys/material.js'
import { allowHttpFor, durationFlag } from '../net/http-policy.js'

async function publicJWK(material: KeyMaterial, algFlag: string | undefined): Promise<JWK> {
  const explicit = algFlag === undefined ? undefined : keyAlgorithm(algFlag)
  const alg = requireAlgorithm(material, explicit, explicit ? purposeOf(explicit) : 'sig')
  const key = await importMaterial(material, alg)
  if (key.type === 'secret') throw new CliError(`${material.source} is a secret: secrets are never published in a JWK Set`, EXIT_INVALID)
  const jwk = material.format === 'jwk' ? material.jwk : undefined
  return jwkFor(await toPublicKey(key), { neutral: !algorithmIsExplicit(algFlag, jwk) })
}

async function buildSet(files: string[], algFlag: string | undefined, context: Context): Promise<JWKSet> {
  const keys: JWK[] = []
  for (const file of files) {
    const material = (await loadKeyMaterial(file, undefined, 'key', context, { flag: 'alg', given: algFlag !== undefined }))!
    if (material.format === 'jwks') {
      for (const [index, jwk] of material.jwks.keys.entries()) {
        keys.push(await publicJWK({ format: 'jwk', source: `key ${index} of ${material.source}`, jwk }, algFlag))
      }
    } else keys.push(await publicJWK(material, algFlag))
  }
  const kids = keys.map((jwk) => jwk.kid)
  const duplicate = kids.find((kid, index) => kids.indexOf(kid) !== index)
  if (duplicate !== undefined) throw new CliError(`two keys have kid "${duplicate}"; verifiers could pick the wrong one`, EXIT_INVALID)
  return { keys }
}

async function fetchSet(url: string, options: { allowHttp: boolean; timeout?: number | string }): Promise<JWKSet> {
  const set = createRemoteKeySet(url, options)
  await set.reload()
  return set.exportState()!.jwks
}

/** A table of a set's keys. */
function summary(set: JWKSet): string {
  return formatTable(['kid', 'kty', 'crv', 'alg', 'use'], set.keys.map((jwk) => [jwk.kid ?? '-', jwk.kty ?? '?', jwk.crv ?? (jwk.n ? 'RSA' : '-'), jwk.alg ?? '-', jwk.use ?? '-']))
}

export const jwks = defineCommand({
  name: 'jwks',
  summary: 'build a JWK Set from key files, or fetch a remote JWKS / discovery document',
  usage: 'FILE... | URL | --issuer URL [options]',
  description: [
    'With key files (PEM, JWK or JWK Set): prints a JWK Set of their public keys, each with a kid',
    '(the RFC 7638 thumbprint unless the key has one), ready to serve at /.well-known/jwks.json.',
    'With a URL: fetches that JWK Set (stdout) and a table of its keys (stderr). With --issuer: fetches',
    'the OpenID Provider configuration (its issuer must match exactly) and the JWK Set it names.',
    'Plain http: is allowed for loopback hosts, elsewhere only with --allow-http.',
  ].join('\n'),
  options: {
    issuer: { type: 'string', value: 'URL', description: 'OpenID Provider: show its discovery document and keys' },
    alg: { type: 'string', short: 'a', value: 'ALG', description: 'when building: the algorithm to bind each key to (sets alg, use)' },
    'allow-http': { type: 'boolean', description: 'allow http: URLs beyond loopback' },
    timeout: { type: 'string', value: 'SECONDS', description: 'network timeout (default 5)' },
    json: { type: 'boolean', description: 'JSON only' },
  },
  examples: [
    'jotjwt jwks issuer.public.jwk old-issuer.public.pem > jwks.json',
    'jotjwt jwks https://www.googleapis.com/oauth2/v3/certs',
    'jotjwt jwks --issuer https://accounts.google.com',
  ],
  maxPositionals: Infinity,
  async run({ values, positionals }, context) {
    const { stdout } = context
    const show = (value: unknown) =>
      stdout.write(stdout.color.enabled && !values.json ? renderJSON(value, stdout.color) + '\n' : formatJSON(value))
    const timeout = durationFlag(values.timeout)
    const fetchOptions = (url: string) => ({ allowHttp: allowHttpFor(url, values['allow-http']), ...(timeout === undefined ? {} : { timeout }) })
    const urls = positionals.filter((argument) => /^https?:\/\//i.test(argument))

    if (values.issuer !== undefined) {
      if (positionals.length > 0) throw new UsageError('--issuer takes no other arguments')
      const configuration = await discoverOIDCProvider(values.issuer, fetchOptions(values.issuer))
      const set = await fetchSet(configuration.jwks_uri, fetchOptions(configuration.jwks_uri))
      show({ configuration, jwks: set })
      if (!values.json) context.stderr.write(`\nKeys at ${escapeTerminal(configuration.jwks_uri)}:\n${summary(set)}`)
      return 0
    }
    if (urls.length > 0) {
      if (positionals.length > 1) throw new UsageError('pass one URL, or key files to build a set, not both')
      const set = await fetchSet(urls[0]!, fetchOptions(urls[0]!))
      show(set)
      // The table is for people; stdout stays pure JSON for pipes and files.
      if (!values.json) context.stderr.write(`\n${summary(set)}`)
      return 0
    }
    if (positionals.length === 0) throw new UsageError('pass key files to build a JWK Set, a JWKS URL, or --issuer URL')
    show(await buildSet(positionals, values.alg, context))
    return 0
  },
})
