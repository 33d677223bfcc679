/** Printing commands a person runs as printed. @module */

/**
 * Single-quotes `value` for a POSIX shell.
 *
 * @example
 * ```ts
 * shellQuote("it's") // 'it'\''s'
 * ```
 */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`
}
