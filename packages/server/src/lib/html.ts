/**
 * The one way the service writes HTML: a tagged template that escapes every interpolated value
 * unless it is already {@link Html} (another template's result). Pages are built from these only,
 * so no request value (a `state`, a username, an error description) can become markup.
 * @module
 */

/** Markup produced by {@link html}; only it is inserted without escaping. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' }

/** Text as HTML character data or a quoted attribute value. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (character) => ESCAPES[character]!)
}

type Value = Html | string | number | undefined | null | false | readonly Value[]

function render(value: Value): string {
  if (value === undefined || value === null || value === false) return ''
  if (value instanceof Html) return value.text
  if (Array.isArray(value)) return value.map(render).join('')
  return escapeHtml(String(value))
}

/**
 * HTML from a template: strings, numbers and arrays are escaped, `Html` is kept, `undefined`,
 * `null` and `false` render nothing.
 *
 * @example
 * ```ts
 * const page = html`<p>Signed in as ${username}</p>` // username "<b>" renders as &lt;b&gt;
 * ```
 */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let text = strings[0]!
  values.forEach((value, index) => (text += render(value) + strings[index + 1]!))
  return new Html(text)
}
