/**
 * Checking a pasted DPoP proof (RFC 9449) against the access token in the page, with the library's
 * own functions: `createDPoPVerifier` for the proof (§4.3) and `checkDPoPBinding` for the token's
 * `cnf.jkt` (§6.1). Nothing is re-implemented here: each row is the library's verdict.
 *
 * The verifier stops at its first failure, so the page asks it one question at a time. First the
 * proof on its own terms: its own `htm` and `htu` as the request, its own `iat` as the clock, no
 * token. That run checks, in the library's order, the algorithm (a verifier made for the proof's own
 * `alg` refuses `none` and MACs), the compact form, `typ`, the embedded `jwk`, the signature by that
 * key and the required claims; a failure marks the rows before it passed and the rows after it
 * unreported, as on the verify side. Only when it passes do the other questions mean anything, each
 * in a run of its own where everything else is as the proof says: `ath` with the token, `htm` and
 * `htu` with the method and URL the reader typed, `iat` with the page's clock. The binding compares
 * the thumbprint that run returned with the token's `cnf.jkt`.
 *
 * No replay store: whether a server saw a proof before is for that server to say.
 * @module
 */
import { isJotError } from 'jotjwt'
import type { DPoPProofFailure, JWSAlgorithmName, JWTClaims, VerifiedDPoPProof } from 'jotjwt'
import { checkDPoPBinding, createDPoPVerifier, DEFAULT_DPOP_CLOCK_TOLERANCE, DEFAULT_DPOP_MAX_AGE } from 'jotjwt/dpop'
import { decodeToken, DISPLAY_MAX_TOKEN_LENGTH, type DecodedToken, type JSONObject } from './decode.js'
import { describeTime } from './times.js'
import type { CheckResult, CheckStatus } from './verify.js'

/** What the reader typed about the request the proof came with; empty strings are not checked. */
export interface DPoPRequestSettings {
  readonly method: string
  readonly url: string
  /** The page's clock, seconds since the epoch. */
  readonly now: number
}

/** A row of the report, with the library's error code and message when it failed. */
export interface DPoPCheckResult extends CheckResult {
  readonly detail?: string
}

export interface DPoPReport {
  /** The proof as decoded for display. */
  readonly proof: DecodedToken
  /** No row failed, and the proof itself verified. */
  readonly ok: boolean
  readonly checks: readonly DPoPCheckResult[]
  /** RFC 7638 thumbprint of the proof's key, once the proof verified. */
  readonly jkt?: string
  /** When the `iat` row stops passing (seconds): the page checks again then. */
  readonly staleAt?: number
}

/** The token a proof is checked against: the page's token field. */
export interface ProofContext {
  readonly token: string
  readonly decoded: DecodedToken
}

/** Where a proof's own request claims cannot be used as a request: a placeholder the proof cannot match. */
const PLACEHOLDER_REQUEST = { method: 'GET', url: 'https://htu.invalid/' } as const

/** The rows the first run reports on, in the order the library checks them. */
const PROOF_ROWS = ['alg', 'form', 'typ', 'jwk', 'signature', 'claims'] as const
type ProofRow = (typeof PROOF_ROWS)[number]

/** Which row a failure of the first run belongs to. */
const ROW_OF_REASON: Readonly<Record<DPoPProofFailure, ProofRow>> = {
  malformed: 'form',
  alg: 'alg',
  typ: 'typ',
  jwk: 'jwk',
  signature: 'signature',
  // The request is the proof's own and the clock its own iat, so these fail only for a claim that
  // cannot be a request's (an htm that is no method, an htu that is no URL) or an exp/nbf beside iat.
  claims: 'claims',
  htm: 'claims',
  htu: 'claims',
  stale: 'claims',
  future: 'claims',
  ath: 'claims',
  replay: 'claims',
}

/**
 * The key a token is bound to: its `cnf.jkt` (RFC 9449 §6.1), the RFC 7638 thumbprint of the key
 * whose proofs must come with it. Undefined for a token that names none.
 */
export function boundKeyThumbprint(payload: JSONObject): string | undefined {
  const { cnf } = payload
  if (cnf === null || typeof cnf !== 'object' || Array.isArray(cnf) || !Object.hasOwn(cnf, 'jkt')) return undefined
  const { jkt } = cnf as JSONObject
  return typeof jkt === 'string' ? jkt : undefined
}

const errorText = (error: unknown): string =>
  isJotError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error)

const reasonOf = (error: unknown): DPoPProofFailure | undefined =>
  isJotError(error) && error.code === 'ERR_DPOP_PROOF_INVALID' ? (error as Error & { reason: DPoPProofFailure }).reason : undefined

const isInvalidArgument = (error: unknown) => isJotError(error) && error.code === 'ERR_INVALID_ARGUMENT'

/** A verifier for the proof's own `alg`, without a replay store; making it refuses `none`, MACs and unknown names. */
function proofVerifier(alg: unknown, now: number) {
  return createDPoPVerifier({ algorithms: [alg as JWSAlgorithmName], replay: false, maxTokenLength: DISPLAY_MAX_TOKEN_LENGTH, currentTime: now })
}

const row = (id: string, label: string, status: CheckStatus, detail?: string): DPoPCheckResult =>
  detail === undefined ? { id, label, status } : { id, label, status, detail }

function proofRows(header: JSONObject, failedRow?: ProofRow, detail?: string): DPoPCheckResult[] {
  const labels: Record<ProofRow, string> = {
    alg: `alg ${JSON.stringify(header.alg)} is an asymmetric signature algorithm: never "none", never a shared-secret MAC (RFC 9449 §4.2)`,
    form: 'A compact JWS the library can read: one protected header, no unknown critical extension',
    typ: 'typ is "dpop+jwt" (RFC 9449 §4.2: a proof cannot pass for another kind of JWT)',
    jwk: 'jwk is a public key for that alg, with no private member (RFC 9449 §4.2)',
    signature: 'Signature by the key in jwk: whoever made the proof holds its private key',
    claims: 'jti, htm, htu and iat are present and well-typed (RFC 9449 §4.2)',
  }
  const failedAt = failedRow === undefined ? PROOF_ROWS.length : PROOF_ROWS.indexOf(failedRow)
  return PROOF_ROWS.map((id, index) =>
    index < failedAt ? row(id, labels[id], 'passed') : index === failedAt ? row(id, labels[id], 'failed', detail) : row(id, labels[id], 'unreported'),
  )
}

/** The first question: the proof against its own request and its own time. */
async function checkProofItself(proof: string, header: JSONObject, payload: JSONObject, now: number): Promise<{ rows: DPoPCheckResult[]; verified?: VerifiedDPoPProof }> {
  const clock = typeof payload.iat === 'number' && Number.isFinite(payload.iat) ? payload.iat : now
  let verify: ReturnType<typeof proofVerifier>
  try {
    verify = proofVerifier(header.alg, clock)
  } catch (error) {
    return { rows: proofRows(header, 'alg', errorText(error)) }
  }
  const rowOf = (error: unknown): ProofRow => {
    const reason = reasonOf(error)
    return reason === undefined ? 'form' : ROW_OF_REASON[reason]
  }
  try {
    const own = { method: typeof payload.htm === 'string' ? payload.htm : '', url: typeof payload.htu === 'string' ? payload.htu : '' }
    return { rows: proofRows(header), verified: await verify(proof, own) }
  } catch (error) {
    if (!isInvalidArgument(error)) return { rows: proofRows(header, rowOf(error), errorText(error)) }
    // An htm that is no method or an htu that is no URL cannot be a request. Asked with a
    // placeholder request instead, the proof fails at htm or htu, after every check of its own.
    try {
      await verify(proof, PLACEHOLDER_REQUEST)
    } catch (placeholderError) {
      const reason = reasonOf(placeholderError)
      if (reason !== 'htm' && reason !== 'htu') return { rows: proofRows(header, rowOf(placeholderError), errorText(placeholderError)) }
    }
    return { rows: proofRows(header, 'claims', '"htm" must be an HTTP method and "htu" an absolute http(s) URL') }
  }
}

interface Question {
  readonly method: string
  readonly url: string
  readonly accessToken?: string
  /** The verifier's clock, seconds. */
  readonly now: number
}

/** A later question, about one check; everything else as the first run found it. The failure, if any. */
async function failureOf(proof: string, header: JSONObject, question: Question): Promise<string | undefined> {
  const { method, url, accessToken, now } = question
  try {
    await proofVerifier(header.alg, now)(proof, { method, url, ...(accessToken === undefined ? {} : { accessToken }) })
    return undefined
  } catch (error) {
    return errorText(error)
  }
}

const quoted = (value: unknown) => JSON.stringify(value)

/** RFC 9449 §6.1, §7.1: the token names the proof's key. */
function bindingRow(tokenClaims: JWTClaims | undefined, verified: VerifiedDPoPProof | undefined): DPoPCheckResult {
  if (tokenClaims === undefined) return row('jkt', 'cnf.jkt: not checked (paste the access token in the token field above)', 'not-checked')
  const tokenJkt = boundKeyThumbprint(tokenClaims)
  const label = `The proof key's RFC 7638 thumbprint${verified ? ` ${verified.jkt}` : ''} is the token's cnf.jkt${tokenJkt === undefined ? '' : ` ${tokenJkt}`} (RFC 9449 §6.1)`
  if (verified === undefined) return row('jkt', label, 'unreported')
  try {
    checkDPoPBinding(tokenClaims, verified.jkt)
    return row('jkt', label, 'passed')
  } catch (error) {
    return row('jkt', label, 'failed', errorText(error))
  }
}

/** `ath`, `htm`, `htu` and `iat`, each asked on its own once the proof verified. */
async function requestRows(proof: string, payload: JSONObject, header: JSONObject, verified: VerifiedDPoPProof | undefined, token: string, settings: DPoPRequestSettings): Promise<DPoPCheckResult[]> {
  const own: Question = { method: String(payload.htm), url: String(payload.htu), now: payload.iat as number }
  const age = typeof payload.iat === 'number' ? ` (${describeTime('iat', payload.iat, settings.now)})` : ''
  const questions: { id: string; label: string; notChecked: string | undefined; question: Question }[] = [
    {
      id: 'ath',
      label: 'ath is the hash of the token (SHA-256, base64url; RFC 9449 §4.2)',
      notChecked: token === '' ? 'ath: not checked (paste the access token in the token field above)' : undefined,
      question: { ...own, accessToken: token },
    },
    {
      id: 'htm',
      label: `htm ${quoted(payload.htm)} is the method you typed, ${quoted(settings.method)}`,
      notChecked: settings.method === '' ? `htm is ${quoted(payload.htm)}: not checked (type the request's method)` : undefined,
      question: { ...own, method: settings.method },
    },
    {
      id: 'htu',
      label: `htu ${quoted(payload.htu)} is the URL you typed, ${quoted(settings.url)}, without query and fragment (RFC 9449 §4.3)`,
      notChecked: settings.url === '' ? `htu is ${quoted(payload.htu)}: not checked (type the request's URL)` : undefined,
      question: { ...own, url: settings.url },
    },
    {
      id: 'iat',
      label: `iat is at most ${DEFAULT_DPOP_MAX_AGE}s old and not in the future, with ${DEFAULT_DPOP_CLOCK_TOLERANCE}s leeway${age}: jot's defaults (RFC 9449 §11.1)`,
      notChecked: undefined,
      question: { ...own, now: settings.now },
    },
  ]
  const rows: DPoPCheckResult[] = []
  for (const { id, label, notChecked, question } of questions) {
    if (notChecked !== undefined) rows.push(row(id, notChecked, 'not-checked'))
    else if (verified === undefined) rows.push(row(id, label, 'unreported'))
    else {
      const failure = await failureOf(proof, header, question)
      rows.push(row(id, label, failure === undefined ? 'passed' : 'failed', failure))
    }
  }
  return rows
}

/**
 * Checks a pasted proof against the page's token and the request the reader describes.
 *
 * @example
 * ```ts
 * const report = await checkDPoPProof(proofText, { token, decoded: decodeToken(token) }, { method: 'GET', url: '', now: Date.now() / 1000 })
 * report.checks.find((check) => check.id === 'jkt')?.status // 'passed' when cnf.jkt names the proof's key
 * ```
 */
export async function checkDPoPProof(proof: string, context: ProofContext, settings: DPoPRequestSettings): Promise<DPoPReport> {
  const decoded = decodeToken(proof)
  if (decoded.kind === 'empty') return { proof: decoded, ok: false, checks: [] }
  if (decoded.kind !== 'JWS') {
    const detail = decoded.kind === 'invalid' ? `${decoded.problem.code}: ${decoded.problem.message}` : 'an encrypted token (JWE) is not a DPoP proof, which is signed'
    return { proof: decoded, ok: false, checks: [row('form', 'A compact JWS the library can read', 'failed', detail)] }
  }
  const header = decoded.header as JSONObject
  const payload = decoded.payload as JSONObject
  const { rows, verified } = await checkProofItself(proof, header, payload, settings.now)
  const tokenClaims = context.decoded.kind === 'JWS' ? context.decoded.payload : undefined
  const checks = [...rows, bindingRow(tokenClaims, verified), ...(await requestRows(proof, payload, header, verified, context.token, settings))]
  const ok = verified !== undefined && checks.every((check) => check.status === 'passed' || check.status === 'not-checked')
  const fresh = checks.find((check) => check.id === 'iat')?.status === 'passed'
  return {
    proof: decoded,
    ok,
    checks,
    ...(verified === undefined ? {} : { jkt: verified.jkt }),
    ...(fresh ? { staleAt: (payload.iat as number) + DEFAULT_DPOP_MAX_AGE + DEFAULT_DPOP_CLOCK_TOLERANCE + 1 } : {}),
  }
}
