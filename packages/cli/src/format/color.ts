/**
 * ANSI colours, decided once per output stream. Colour is for people: it is off when the stream is
 * not a terminal (pipes, files, CI logs), when `NO_COLOR` is set to anything non-empty
 * (https://no-color.org) or when `TERM=dumb`; `FORCE_COLOR` (not "0") turns it on for pagers such as
 * `less -R`.
 * @module
 */

export interface Palette {
  readonly enabled: boolean
  /** The escape sequences this palette writes (none when disabled): the only ones output may carry. */
  readonly sequences: readonly string[]
  bold(text: string): string
  dim(text: string): string
  red(text: string): string
  green(text: string): string
  yellow(text: string): string
  blue(text: string): string
  magenta(text: string): string
  cyan(text: string): string
}

export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR) return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0'
  return stream.isTTY === true && env.TERM !== 'dumb'
}

/** SGR parameters (ECMA-48 §8.3.117) that switch each style on and back off. */
const STYLES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
} as const

const sgr = (parameter: number) => `\u001b[${parameter}m`

export function createPalette(enabled: boolean): Palette {
  const style = ([open, close]: readonly [number, number]) =>
    enabled ? (text: string) => `${sgr(open)}${text}${sgr(close)}` : (text: string) => text
  return {
    enabled,
    sequences: enabled ? [...new Set(Object.values(STYLES).flat())].map(sgr) : [],
    bold: style(STYLES.bold),
    dim: style(STYLES.dim),
    red: style(STYLES.red),
    green: style(STYLES.green),
    yellow: style(STYLES.yellow),
    blue: style(STYLES.blue),
    magenta: style(STYLES.magenta),
    cyan: style(STYLES.cyan),
  }
}
