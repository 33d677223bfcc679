/**
 * The one way a token is shown, by decode, verify and decrypt alike: a status line, the header(s),
 * the claims with their times in words, the lifetime, and warnings about risky shapes. The same
 * facts go to `--json`, so scripts and people see the same analysis.
 * @module
 */
import type { Palette } from './color.js'
import { formatJSON, renderJSON } from './json.js'
import { describeInstant, describeTimeClaim, formatSpan, isoUTC, TIME_CLAIMS } from './time.js'

/** Longer than this from issue (or nbf) to expiry earns a warning: leaked tokens stay usable that long. */
export const LONG_LIFETIME_SECONDS = 86400

type JSONObject = Record<string, unknown>

export interface TimeInfo {
  value: number
  /** Null beyond the range of a Date (years past ±275760). */
  iso: string | null
  relative: string
}

export interface ClaimsAnalysis {
  /** By claim name, without a prototype: a claim named "constructor" finds nothing here. */
  times: Record<string, TimeInfo>
  lifetime: { seconds: number; from: 'iat' | 'nbf'; text: string } | undefined
  warnings: string[]
}

export function analyzeClaims(header: JSONObject, payload: JSONObject | undefined, now: number): ClaimsAnalysis {
  const warnings: string[] = []
  if (header.alg === 'none') warnings.push('alg is "none": the token is unsigned and anyone can forge it')
  const times: Record<string, TimeInfo> = Object.create(null) as Record<string, TimeInfo>
  if (payload === undefined) return { times, lifetime: undefined, warnings }

  for (const claim of TIME_CLAIMS) {
    const value = payload[claim]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      warnings.push(`"${claim}" is not a NumericDate (seconds since the epoch), so verifiers reject the token`)
      continue
    }
    times[claim] = { value, iso: isoUTC(value), relative: describeTimeClaim(claim, value, now) }
  }

  const exp = times.exp?.value
  const start = times.iat ? ('iat' as const) : times.nbf ? ('nbf' as const) : undefined
  const lifetime =
    exp !== undefined && start !== undefined
      ? { seconds: exp - times[start]!.value, from: start, text: formatSpan(exp - times[start]!.value) }
      : undefined

  if (payload.exp === undefined) warnings.push('no "exp": the token never expires (jotjwt verify refuses it unless --allow-no-exp)')
  if (lifetime && lifetime.seconds > LONG_LIFETIME_SECONDS) {
    warnings.push(`very long lifetime (${lifetime.text}): a leaked token stays usable that long; access tokens usually live minutes`)
  }
  if (lifetime && lifetime.seconds <= 0) warnings.push(`"exp" is not after "${lifetime.from}": the token is never valid`)
  if (times.iat && times.iat.value > now + 60) warnings.push('"iat" is in the future: verifiers reject it')
  return { times, lifetime, warnings }
}

export interface TokenDisplay {
  /** First line: what this is and what was (not) checked. */
  status: string
  sections: { title: string; value: JSONObject }[]
  /** Claims to annotate with times; undefined when encrypted and not decrypted. */
  payload: JSONObject | undefined
  analysis: ClaimsAnalysis
  notes?: string[]
}

export function renderToken(display: TokenDisplay, color: Palette): string {
  const { analysis } = display
  const lines = [display.status]
  for (const section of display.sections) {
    lines.push('', color.bold(section.title), renderJSON(section.value, color))
  }
  if (display.payload !== undefined) {
    const note = (name: string) => {
      const time = analysis.times[name]
      return time && `${describeInstant(time.value)}, ${time.relative}`
    }
    lines.push('', color.bold('Payload'), renderJSON(display.payload, color, note))
  }
  if (analysis.lifetime) {
    lines.push('', `${color.bold('Lifetime')}  ${analysis.lifetime.text} (${analysis.lifetime.from} to exp)`)
  }
  for (const note of display.notes ?? []) lines.push('', note)
  if (analysis.warnings.length > 0) lines.push('')
  for (const warning of analysis.warnings) lines.push(color.yellow(`warning: ${warning}`))
  return lines.join('\n') + '\n'
}

/** The `--json` form: the decoded parts plus the same analysis. */
export function tokenJSON(parts: JSONObject, analysis: ClaimsAnalysis): string {
  return formatJSON({ ...parts, times: analysis.times, lifetime: analysis.lifetime?.seconds ?? null, warnings: analysis.warnings })
}
