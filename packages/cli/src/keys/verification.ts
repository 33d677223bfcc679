/**
 * The key a signature is checked with: a key file or variable (PEM, JWK, or a JWK Set), a remote
 * JWKS (`--jwks URL`), or an OpenID Provider's keys found by discovery from `--issuer`. Key sets
 * are the library's own resolvers, with its kid/alg selection rules.
 * @module
 */
import { createLocalKeySet, createRemoteKeySet, discoverOIDCProvider } from 'jotjwt'
import type { JotKey, JWSAlgorithmName, KeyAlgorithmName, KeyResolver, RemoteKeySetOptions } from 'jotjwt'
import type { Context, OptionTable } from '../cli/command.js'
import { UsageError } from '../cli/errors.js'
import { allowHttpFor, durationFlag } from '../net/http-policy.js'
import { purposeOf } from './algorithms.js'
import { defaultAlgorithm, importMaterial, loadKeyMaterial } from './material.js'

export const VERIFICATION_KEY_OPTIONS = {
  key: { type: 'string', short: 'k', value: 'FILE|-', description: 'public key or JWK Set file (PEM, DER, JWK, JWKS), or a secret with --alg' },
  'key-env': { type: 'string', value: 'VAR', description: 'read the key or secret from this environment variable' },
  jwks: { type: 'string', value: 'URL', description: 'fetch the keys from this JWK Set URL' },
  'allow-http': { type: 'boolean', description: 'allow http: URLs beyond loopback (127.0.0.1, ::1, localhost are always allowed)' },
  timeout: { type: 'string', value: 'SECONDS', description: 'network timeout for --jwks and --issuer discovery (default 5)' },
} satisfies OptionTable

interface VerificationKeyFlags {
  key?: string | undefined
  'key-env'?: string | undefined
  jwks?: string | undefined
  issuer?: string | undefined
  'allow-http'?: boolean | undefined
  timeout?: string | undefined
}

export interface VerificationKey {
  key: JotKey | KeyResolver
  /** Where the key came from, for the status line. */
  source: string
}

function remoteOptions(url: string, flags: VerificationKeyFlags): RemoteKeySetOptions {
  const timeout = durationFlag(flags.timeout)
  return { allowHttp: allowHttpFor(url, flags['allow-http']), ...(timeout === undefined ? {} : { timeout }) }
}

/**
 * Resolves the flags to a key or resolver. `issuer` doubles as the key source (OIDC discovery) only
 * when no other source is given; it is always a claim check too. `algorithms` come from the option
 * `algFlag`; a raw secret is read only when they were given.
 */
export async function verificationKey(
  flags: VerificationKeyFlags,
  algorithms: readonly JWSAlgorithmName[] | undefined,
  context: Context,
  algFlag = 'alg',
): Promise<VerificationKey> {
  const material = await loadKeyMaterial(flags.key, flags['key-env'], 'key', context, { flag: algFlag, given: algorithms !== undefined })
  if (material && flags.jwks !== undefined) throw new UsageError('pass one key source: --key, --key-env or --jwks')

  if (material?.format === 'jwks') {
    // The user chose this file, so its secrets may verify HS* tokens; a published JWKS never should.
    return { key: createLocalKeySet(material.jwks, { allowSymmetricKeys: true }), source: material.source }
  }
  if (material) {
    // Import now for the expected algorithm, so a bad key file is reported as such, not as a bad token.
    const expected = algorithms?.[0] ?? defaultAlgorithm(material, 'sig')
    const eager = expected !== undefined && purposeOf(expected) === 'sig' ? await importMaterial(material, expected) : undefined
    // Other algorithms are imported on demand for the token's alg: the library binds the key to it
    // and refuses any key type, curve or secret/public mix-up, with the token-level error codes.
    const resolver: KeyResolver = (header) =>
      eager && header.alg === eager.alg ? eager : importMaterial(material, String(header.alg) as KeyAlgorithmName)
    return { key: resolver, source: material.source }
  }
  if (flags.jwks !== undefined) {
    return { key: createRemoteKeySet(flags.jwks, remoteOptions(flags.jwks, flags)), source: flags.jwks }
  }
  if (flags.issuer !== undefined) {
    const provider = await discoverOIDCProvider(flags.issuer, remoteOptions(flags.issuer, flags))
    return { key: createRemoteKeySet(provider.jwks_uri, remoteOptions(provider.jwks_uri, flags)), source: provider.jwks_uri }
  }
  throw new UsageError('no key: pass --key FILE, --key-env VAR, --jwks URL, or --issuer URL (OpenID discovery)')
}
