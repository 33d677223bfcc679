/**
 * `jotjwt dpop`: a DPoP proof (RFC 9449) for one HTTP request, so that a DPoP-protected API can be
 * called with curl from a shell. The proof is made by the library's `createDPoPProof`; the key comes
 * from a file or an environment variable, like `sign`'s.
 * @module
 */
import { createDPoPProof, jwkThumbprint } from 'jotjwt'
import { defineCommand } from '../cli/command.js'
import { CliError, EXIT_INVALID, UsageError } from '../cli/errors.js'
import { signingAlgorithm } from '../keys/algorithms.js'
import { importMaterial, loadKeyMaterial, requireAlgorithm } from '../keys/material.js'
import { readEnv, utf8 } from '../io/input.js'

export const dpop = defineCommand({
  name: 'dpop',
  summary: 'make a DPoP proof (RFC 9449) for an HTTP request, e.g. for curl',
  usage: '--key FILE|- --method METHOD --url URL [--token TOKEN] [options]',
  description: [
    'Prints a DPoP proof for one request: a JWT typed dpop+jwt, signed with the private key, that',
    'carries the public key, the method, the URL (without query and fragment), the time and a random',
    'jti; with --token also ath, the hash of the access token sent with the request, and with',
    '--nonce the server\'s DPoP-Nonce. Send it as the DPoP header, with "Authorization: DPoP TOKEN".',
    'A proof is for one request only: servers refuse it again, and after a minute or so.',
    'The key is a private key (PEM, DER or JWK) of an asymmetric algorithm: --alg, else the JWK\'s',
    '"alg", else the key type\'s default (RSA: RS256, EC: ES256/384/512, Ed25519: EdDSA).',
    'The method is used exactly as given: HTTP methods are case-sensitive.',
  ].join('\n'),
  options: {
    key: { type: 'string', short: 'k', value: 'FILE|-', description: 'private key file (PEM, DER or JWK)' },
    'key-env': { type: 'string', value: 'VAR', description: 'read the private key from this environment variable' },
    alg: { type: 'string', short: 'a', value: 'ALG', description: 'signature algorithm, e.g. ES256, EdDSA, PS256' },
    method: { type: 'string', short: 'X', value: 'METHOD', description: 'HTTP method of the request (htm), e.g. GET' },
    url: { type: 'string', short: 'u', value: 'URL', description: 'URL of the request (htu); query and fragment are left out' },
    token: { type: 'string', short: 't', value: 'TOKEN', description: 'access token sent with the request: adds its hash (ath)' },
    'token-env': { type: 'string', value: 'VAR', description: 'read the access token from this environment variable' },
    nonce: { type: 'string', value: 'NONCE', description: 'the server\'s DPoP-Nonce' },
    json: { type: 'boolean', description: 'print {"proof": …, "jkt": …} (jkt: the key\'s RFC 7638 thumbprint)' },
  },
  examples: [
    'jotjwt keygen ES256 --out client',
    'jotjwt dpop --key client.private.jwk --method POST --url https://as.example/token',
    'curl -H "Authorization: DPoP $TOKEN" \\',
    '     -H "DPoP: $(jotjwt dpop -k client.private.jwk -X GET -u https://api.example/orders -t "$TOKEN")" \\',
    '     https://api.example/orders',
    'jotjwt dpop --key client.private.jwk -X GET -u https://api.example/orders --json | jq -r .jkt',
  ],
  maxPositionals: 0,
  async run({ values }, context) {
    if (values.method === undefined) throw new UsageError('which method? pass --method, e.g. --method GET')
    if (values.url === undefined) throw new UsageError('which URL? pass --url, e.g. --url https://api.example/orders')
    if (values.token !== undefined && values['token-env'] !== undefined) throw new UsageError('pass --token or --token-env, not both')
    const token = values['token-env'] === undefined ? values.token : utf8(readEnv(values['token-env'], 'access token', context.env))
    const material = await loadKeyMaterial(values.key, values['key-env'], 'key', context, { flag: 'alg', given: values.alg !== undefined })
    if (!material) throw new UsageError('no key: pass --key FILE or --key-env VAR')
    const alg = signingAlgorithm(requireAlgorithm(material, values.alg === undefined ? undefined : signingAlgorithm(values.alg), 'sig'))
    const key = await importMaterial(material, alg)
    if (key.type !== 'private') {
      throw new CliError(`${material.source} is a ${key.type} key; DPoP proofs are signed with a private key (RFC 9449 §4.2)`, EXIT_INVALID)
    }
    const proof = await createDPoPProof(key, {
      method: values.method,
      url: values.url,
      ...(token === undefined ? {} : { accessToken: token }),
      ...(values.nonce === undefined ? {} : { nonce: values.nonce }),
      currentTime: context.now(),
    })
    context.stdout.write(values.json ? `${JSON.stringify({ proof, jkt: await jwkThumbprint(key) }, null, 2)}\n` : `${proof}\n`)
    return 0
  },
})
