/**
 * Text from tokens, keys, key sets and remote documents is the attacker's: a `kid` holding
 * `ESC [2J ESC [H Valid: signature verified` would clear the screen and draw a verdict the CLI never
 * gave, a right-to-left override would make `exp` read backwards, a zero-width space would hide
 * itself in an issuer. So every code point a terminal may act on, or that does not show as itself,
 * is written as the JSON escape `\uXXXX` (one per UTF-16 unit): controls (C0, DEL, C1: Cc), format
 * characters (bidi embeddings, overrides and isolates, zero-width characters, the BOM, the soft
 * hyphen, Arabic letter mark, tag characters: Cf), line and paragraph separators (Zl, Zp), and lone
 * surrogates (Cs).
 *
 * It is the same escape inside a JSON string, so JSON stays JSON: `JSON.stringify` already escapes
 * C0 and lone surrogates, and leaves the others raw only inside strings, where `\uXXXX` stands for the
 * very same character. Escaping JSON text thus keeps it valid and equal to the original value.
 *
 * Three entry points, one escape:
 * - {@link escapeTerminal} for a value shown inline (an alg or kid in a status line, a table cell, an
 *   error line): line breaks are escaped too, so the value cannot start a line of its own;
 * - {@link escapeText} for someone else's text shown as it is (a decrypted plaintext): line feeds
 *   stay, every escape sequence is escaped, colour codes included;
 * - {@link guardOutput}, which every write to stdout and stderr passes through (main.ts): the text is
 *   the CLI's own layout, so its line breaks and its palette's colour codes stay, and anything else
 *   is escaped. That covers JSON documents, decrypted plaintext and stack traces, and anything a
 *   command forgets to escape cannot move the cursor or reorder the line.
 * @module
 */
import { createPalette, type Palette } from './color.js'

const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu
const ESC = '\u001b'

function escapeCodePoint(char: string): string {
  let escaped = ''
  for (let index = 0; index < char.length; index++) escaped += `\\u${char.charCodeAt(index).toString(16).padStart(4, '0')}`
  return escaped
}

/**
 * A value for one line: every unsafe code point escaped, line breaks included. A string is shown as
 * it is, anything else as its JSON: a header's `alg` may be an array (which String() would show as
 * its bare items) or an object with a member named `toString` (which String() would call and fail
 * on); its type alone when it nests too deep for JSON.stringify.
 */
export function escapeTerminal(value: unknown): string {
  return inlineText(value).replace(UNSAFE, escapeCodePoint)
}

function inlineText(value: unknown): string {
  if (typeof value === 'string') return value
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}

/** The last step before a stream: escapes what is unsafe, except line feeds and the ESC that starts one of `palette`'s colours. */
export function guardOutput(text: string, palette: Palette): string {
  const ownColour = (offset: number) => palette.sequences.some((sequence) => text.startsWith(sequence, offset))
  return text.replace(UNSAFE, (char: string, offset: number) => (char === '\n' || (char === ESC && ownColour(offset)) ? char : escapeCodePoint(char)))
}

const NO_COLOURS = createPalette(false)

/**
 * Someone else's text written as it is, over several lines (a decrypted plaintext): everything
 * unsafe escaped but line feeds. Unlike the guard it keeps no colour codes, since these would be the
 * sender's, which the guard could not tell from the palette's own when colour is on.
 */
export function escapeText(text: string): string {
  return guardOutput(text, NO_COLOURS)
}
