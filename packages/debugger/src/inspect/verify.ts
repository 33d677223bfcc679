/**
 * Verification with the library's own verifiers: `verifyJWT` for a JWT, `verifyAccessToken` for an
 * RFC 9068 access token, `verifyIdToken` for an OpenID Connect ID token. The verdict is the
 * library's; this module only says which checks that verifier runs with the reader's settings, and
 * which one a failure belongs to. The library stops at the first failure and does not say which
 * claim checks ran before it, so those are reported as unreported, never guessed as passed.
 * @module
 */
import { createLocalKeySet, createRemoteKeySet, discoverOIDCProvider, isJotError, verifyAccessToken, verifyIdToken, verifyJWT } from 'jotjwt'
import type { JotKey, KeyAlgorithmName, KeyResolver, RemoteKeySetOptions, VerifiedJWT } from 'jotjwt'
import { DISPLAY_MAX_TOKEN_LENGTH } from './decode.js'
import { explainCode } from './error-codes.js'
import { describeKey, importMaterial, KeyTextError, parseKeyText, type SecretEncoding } from './key-material.js'
import { isLoopbackHttp } from './net.js'
import type { ExpectedKind } from './warnings.js'

export type KeySource =
  /** Pasted text, read inside the verification so a key that cannot be read fails the "keys" check. */
  | { readonly kind: 'pasted'; readonly text: string; readonly secretEncoding: SecretEncoding }
  | { readonly kind: 'jwks'; readonly url: string }
  | { readonly kind: 'issuer'; readonly url: string }

export interface VerifySettings {
  readonly expected: ExpectedKind
  /** Expected `iss`; empty: not checked (with an issuer URL as key source, that URL). */
  readonly issuer: string
  /** Expected audiences (an ID token: the client id first); empty: none. */
  readonly audience: readonly string[]
  readonly acceptAnyAudience: boolean
  readonly allowNoExp: boolean
  /** Seconds of leeway for exp, nbf and iat. */
  readonly clockTolerance: number
  /** ID tokens: the nonce of the login request; empty: not checked. */
  readonly nonce: string
}

/**
 * `unreported`: the verifier stopped at an earlier failure, or failed at a later check whose
 * predecessors it does not report; only the keys and the signature are known to come first
 * (RFC 7519 §7.2: claims mean nothing before the signature is checked).
 */
export type CheckStatus = 'passed' | 'failed' | 'unreported' | 'not-checked'

export interface CheckResult {
  readonly id: string
  readonly label: string
  readonly status: CheckStatus
}

export interface VerifyFailure {
  readonly code: string
  readonly message: string
  readonly meaning: string
  readonly claim?: string
}

export interface VerifyReport {
  readonly ok: boolean
  /** The key that verified the signature, in words. */
  readonly keyUsed?: string
  readonly checks: readonly CheckResult[]
  readonly failure?: VerifyFailure
}

interface PlannedCheck {
  readonly id: string
  readonly label: string
  /** Claims (or `typ`) whose errors belong to this check. */
  readonly claims: readonly string[]
  /** The settings make the verifier skip it. */
  readonly skipped?: boolean
}

interface ResolvedKey {
  readonly key: JotKey | KeyResolver
  readonly label: string
  /** The issuer that discovery confirmed, which the token's `iss` must then equal. */
  readonly issuer?: string
}

/** Every plan starts with the keys, then the signature; claim checks follow. */
const SIGNATURE_INDEX = 1

const list = (names: readonly string[]) => names.join(', ')

async function resolveKey(source: KeySource, fetchImpl: typeof fetch): Promise<ResolvedKey> {
  const remote = (url: string): RemoteKeySetOptions => ({ allowHttp: isLoopbackHttp(url), fetch: fetchImpl })
  switch (source.kind) {
    case 'pasted': {
      const material = parseKeyText(source.text, source.secretEncoding)
      // The reader pasted this set, so its secrets may verify HS* tokens; a published set never does.
      if (material.format === 'jwks') return { key: createLocalKeySet(material.jwks, { allowSymmetricKeys: true }), label: `the pasted JWK Set (${material.jwks.keys.length} keys)` }
      // Imported for the token's own alg: the library binds the key to it and refuses a key of another type.
      const resolver: KeyResolver = (header) => importMaterial(material, String(header.alg) as KeyAlgorithmName)
      return { key: resolver, label: material.format === 'secret' ? 'the pasted secret' : `the pasted ${material.format.toUpperCase()} key` }
    }
    case 'jwks':
      return { key: createRemoteKeySet(source.url, remote(source.url)), label: `the JWK Set at ${source.url}` }
    case 'issuer': {
      const provider = await discoverOIDCProvider(source.url, remote(source.url))
      return {
        key: createRemoteKeySet(provider.jwks_uri, remote(provider.jwks_uri)),
        label: `the keys of ${provider.issuer} (${provider.jwks_uri}, found by OpenID discovery)`,
        issuer: provider.issuer,
      }
    }
  }
}

function timeChecks(tolerance: number): PlannedCheck[] {
  const leeway = tolerance > 0 ? `, with ${tolerance}s leeway` : ''
  return [
    { id: 'iat', label: `iat, when present, is not in the future${leeway}`, claims: ['iat'] },
    { id: 'nbf', label: `nbf, when present, has passed${leeway}`, claims: ['nbf'] },
    { id: 'exp', label: `exp, when present, has not passed${leeway}`, claims: ['exp'] },
  ]
}

/** The checks each library verifier runs with these settings, in the order it runs them. */
function plannedChecks(settings: VerifySettings, issuer: string, keyLabel: string): PlannedCheck[] {
  const { audience } = settings
  const keys: PlannedCheck = { id: 'keys', label: `Keys: ${keyLabel}`, claims: [] }
  const signature: PlannedCheck = { id: 'signature', label: "Signature, with an algorithm the key is for ('none' is never accepted)", claims: [] }
  const iss: PlannedCheck =
    issuer === ''
      ? { id: 'iss', label: 'iss: not checked (no expected issuer given)', claims: ['iss'], skipped: true }
      : { id: 'iss', label: `iss is ${JSON.stringify(issuer)}`, claims: ['iss'] }
  switch (settings.expected) {
    case 'jwt': {
      const required = settings.allowNoExp ? [] : ['exp']
      const aud: PlannedCheck =
        audience.length > 0
          ? { id: 'aud', label: `aud contains ${list(audience.map((a) => JSON.stringify(a)))}`, claims: ['aud'] }
          : settings.acceptAnyAudience
            ? { id: 'aud', label: 'aud: not checked (any audience accepted)', claims: ['aud'], skipped: true }
            : { id: 'aud', label: 'aud is absent (no audience expected: a token for some audience is refused, RFC 8725 §3.9)', claims: ['aud'] }
      return [
        keys,
        signature,
        required.length > 0
          ? { id: 'required', label: 'exp is present (tokens that never expire are refused)', claims: required }
          : { id: 'required', label: 'exp: not required', claims: [], skipped: true },
        iss,
        aud,
        ...timeChecks(settings.clockTolerance),
      ]
    }
    case 'access': {
      const required = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']
      return [
        keys,
        signature,
        { id: 'typ', label: 'typ is "at+jwt" (RFC 9068 §4: an ID token is not an access token)', claims: ['typ'] },
        { id: 'required', label: `${list(required)} are present (RFC 9068 §2.2)`, claims: required },
        iss,
        { id: 'aud', label: `aud contains ${audience.length > 0 ? list(audience.map((a) => JSON.stringify(a))) : '(no audience given: required)'}`, claims: ['aud'] },
        ...timeChecks(settings.clockTolerance),
        { id: 'client_id', label: 'client_id is a string', claims: ['client_id'] },
      ]
    }
    case 'id': {
      const required = ['iss', 'sub', 'aud', 'exp', 'iat']
      const clientId = audience[0]
      return [
        keys,
        signature,
        { id: 'required', label: `${list(required)} are present (OpenID Connect Core §2)`, claims: required },
        iss,
        { id: 'aud', label: `aud contains the client id ${clientId === undefined ? '(none given: required)' : JSON.stringify(clientId)}, and no untrusted audience`, claims: ['aud'] },
        ...timeChecks(settings.clockTolerance),
        { id: 'typ', label: 'typ is "JWT" or absent (an access token is not an ID token)', claims: ['typ'] },
        { id: 'azp', label: 'azp, when present, is the client id; required with several audiences', claims: ['azp'] },
        settings.nonce === ''
          ? { id: 'nonce', label: 'nonce: not checked (no expected nonce given)', claims: ['nonce'], skipped: true }
          : { id: 'nonce', label: `nonce is ${JSON.stringify(settings.nonce)}`, claims: ['nonce'] },
        { id: 'auth_time', label: 'auth_time, when present, is not in the future', claims: ['auth_time'] },
      ]
    }
  }
}

async function runVerifier(token: string, key: JotKey | KeyResolver, settings: VerifySettings, issuer: string): Promise<VerifiedJWT> {
  const common = { clockTolerance: settings.clockTolerance, maxTokenLength: DISPLAY_MAX_TOKEN_LENGTH }
  switch (settings.expected) {
    case 'jwt':
      return verifyJWT(token, key, {
        ...common,
        ...(issuer === '' ? {} : { issuer }),
        ...(settings.audience.length === 0 ? {} : { audience: settings.audience }),
        acceptAnyAudience: settings.acceptAnyAudience,
        requireExpiration: !settings.allowNoExp,
      })
    case 'access':
      return verifyAccessToken(token, { ...common, key, issuer, audience: settings.audience })
    case 'id':
      return verifyIdToken(
        token,
        { ...common, key, issuer, clientId: settings.audience[0] ?? '', trustedAudiences: settings.audience.slice(1) },
        // A reader without the login's nonce still wants the other checks: null is the library's "no nonce check".
        { nonce: settings.nonce === '' ? null : settings.nonce },
      )
  }
}

/** The check a failure belongs to; undefined when it concerns no single check (a setting). */
function failedCheck(error: unknown, checks: readonly PlannedCheck[]): string | undefined {
  if (error instanceof KeyTextError) return 'keys'
  if (!isJotError(error)) return undefined
  const claim = 'claim' in error ? error.claim : undefined
  if (claim !== undefined) {
    // An absent claim fails the "required" check when that check lists it; any other claim error is
    // about the claim's value, which its own check judges.
    const missing = error.code === 'ERR_JWT_CLAIM_MISSING'
    const about = (check: PlannedCheck) => check.claims.includes(claim) && (check.id === 'required') === missing
    return (checks.find(about) ?? checks.find((check) => check.claims.includes(claim)))?.id
  }
  if (/^ERR_(KEY_|JWKS_|OIDC_)/.test(error.code)) return 'keys'
  if (error.code === 'ERR_INVALID_ARGUMENT') return undefined
  return 'signature'
}

function describeFailure(error: unknown): VerifyFailure {
  if (error instanceof KeyTextError) return { code: 'KEY_TEXT', message: error.message, meaning: 'The pasted key could not be read.' }
  if (isJotError(error)) {
    const claim = 'claim' in error ? error.claim : undefined
    return { code: error.code, message: error.message, meaning: explainCode(error.code), ...(claim === undefined ? {} : { claim }) }
  }
  // Not one of the library's errors (a browser failure): shown as it is, in the page only.
  return { code: 'ERROR', message: error instanceof Error ? error.message : String(error), meaning: '' }
}

export async function verifyToken(token: string, source: KeySource, settings: VerifySettings, fetchImpl: typeof fetch): Promise<VerifyReport> {
  let resolved: ResolvedKey | undefined
  let checks = plannedChecks(settings, settings.issuer, 'not resolved')
  try {
    resolved = await resolveKey(source, fetchImpl)
    const issuer = settings.issuer === '' ? (resolved.issuer ?? '') : settings.issuer
    checks = plannedChecks(settings, issuer, resolved.label)
    const verified = await runVerifier(token, resolved.key, settings, issuer)
    return {
      ok: true,
      keyUsed: await describeKey(verified.key),
      checks: checks.map((check) => ({ id: check.id, label: check.label, status: check.skipped ? 'not-checked' : 'passed' })),
    }
  } catch (error) {
    const failed = failedCheck(error, checks)
    const failedAt = checks.findIndex((check) => check.id === failed)
    return {
      ok: false,
      checks: checks.map((check, index) => ({
        id: check.id,
        label: check.label,
        status: check.skipped ? 'not-checked' : index === failedAt ? 'failed' : index < failedAt && index <= SIGNATURE_INDEX ? 'passed' : 'unreported',
      })),
      failure: describeFailure(error),
    }
  }
}
