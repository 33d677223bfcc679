/**
 * Pretty JSON for people: the layout of `JSON.stringify(value, null, 2)`, coloured by type, with an
 * optional note after a top-level member (used to show NumericDate claims as times). The notes make
 * it a display, not JSON: `--json` output never goes through here.
 * @module
 */
import type { Palette } from './color.js'

export type MemberNote = (name: string, value: unknown) => string | undefined

function scalar(value: unknown, color: Palette): string {
  const text = JSON.stringify(value) ?? 'null'
  if (typeof value === 'string') return color.green(text)
  if (typeof value === 'number') return color.yellow(text)
  return color.magenta(text) // true, false, null
}

function render(value: unknown, color: Palette, indent: string, note: MemberNote | undefined): string {
  const inner = indent + '  '
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    const items = value.map((item) => inner + render(item, color, inner, undefined))
    return `[\n${items.join(',\n')}\n${indent}]`
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
    if (entries.length === 0) return '{}'
    const lines = entries.map(([name, member], index) => {
      const comma = index < entries.length - 1 ? ',' : ''
      const text = `${inner}${color.cyan(JSON.stringify(name))}: ${render(member, color, inner, undefined)}${comma}`
      const annotation = note?.(name, member)
      return annotation === undefined ? text : `${text}  ${color.dim(`// ${annotation}`)}`
    })
    return `{\n${lines.join('\n')}\n${indent}}`
  }
  return scalar(value, color)
}

export function renderJSON(value: unknown, color: Palette, note?: MemberNote): string {
  return render(value, color, '', note)
}
