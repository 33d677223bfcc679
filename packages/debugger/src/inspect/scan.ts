/**
 * Reading a token out of whatever was pasted: wrapped over lines, indented, quoted, or after
 * `Authorization: Bearer` (or `DPoP`) or a `DPoP:` header name. A prefix ends in a colon or a space
 * and none of those characters can occur inside a compact JWS or JWE (RFC 7515 §7.1, RFC 7516
 * §7.1: base64url characters and dots only), so dropping them never changes a token.
 * The scan also says which segment each pasted character belongs to, so the page can colour the
 * text the user typed, wrapping and all, rather than a cleaned copy of it.
 * @module
 */

/** Which part of the pasted text a run is: a segment (0-based), a separating dot, or neither. */
export type RunRole = number | 'dot' | 'outside'

export interface TextRun {
  readonly text: string
  readonly role: RunRole
}

export interface ScannedToken {
  /** The compact token with the prefix, quotes and whitespace removed; `''` when nothing was pasted. */
  readonly token: string
  /** The pasted text cut into runs, in order; their texts joined give back the pasted text. */
  readonly runs: readonly TextRun[]
}

/** `Authorization: Bearer` or `Authorization: DPoP` (RFC 9449 §7.1), and a `DPoP:` proof header's name. */
const PREFIX = /^\s*(?:(?:authorization|dpop)\s*:\s*)?(?:(?:bearer|dpop)\s+)?/i

/** The start and end of the token inside `text`: after a prefix and an opening quote, before its closing twin. */
function tokenBounds(text: string): [number, number] {
  let start = PREFIX.exec(text)![0].length
  let end = text.trimEnd().length
  const quote = text[start]
  if (end - start >= 2 && (quote === '"' || quote === "'") && text[end - 1] === quote) {
    start++
    end--
  }
  return [start, Math.max(start, end)]
}

export function scanToken(text: string): ScannedToken {
  const [start, end] = tokenBounds(text)
  const runs: TextRun[] = []
  const push = (char: string, role: RunRole) => {
    const last = runs[runs.length - 1]
    if (last && last.role === role) runs[runs.length - 1] = { text: last.text + char, role }
    else runs.push({ text: char, role })
  }
  let token = ''
  let segment = 0
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!
    if (i < start || i >= end || /\s/.test(char)) {
      push(char, 'outside')
    } else if (char === '.') {
      push(char, 'dot')
      token += char
      segment++
    } else {
      push(char, segment)
      token += char
    }
  }
  return { token, runs }
}
