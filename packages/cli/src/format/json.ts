/**
 * JSON laid out as `JSON.stringify(value, null, 2)` does, in two forms:
 * - {@link renderJSON}, for people: coloured by type, with an optional note after a top-level member
 *   (used to show NumericDate claims as times), and structures nested deeper than
 *   {@link MAX_LAYOUT_DEPTH} shown as a summary (`[… 3 items]`). The notes make it a display, not JSON.
 * - {@link formatJSON}, for `--json`: exact JSON of the whole value. Nesting deeper than
 *   {@link MAX_LAYOUT_DEPTH} is written on one line, so the output grows with the input, not with
 *   the square of its depth.
 *
 * A token may nest its claims as deep as its size allows (hundreds of thousands of levels, which
 * `JSON.parse` reads), so the layout walks the value with an explicit stack rather than recursion
 * (and so rather than `JSON.stringify` itself, which overflows the call stack near 10,000 levels).
 * @module
 */
import { createPalette, type Palette } from './color.js'

/** Levels of indentation shown; legitimate claims nest a few levels, never this many. */
export const MAX_LAYOUT_DEPTH = 32

export type MemberNote = (name: string, value: unknown) => string | undefined

interface Layout {
  color: Palette
  /** For the top-level members. */
  note?: MemberNote | undefined
  /** Beyond {@link MAX_LAYOUT_DEPTH}: a summary for people, or the rest on one line for JSON. */
  deep: 'summary' | 'one-line'
}

/** A container being written: its remaining members, and what follows its closing bracket. */
interface Frame {
  members: [string | undefined, unknown][]
  next: number
  depth: number
  oneLine: boolean
  close: string
  after: string
}

function scalar(value: unknown, color: Palette): string {
  const text = JSON.stringify(value) ?? 'null' // undefined in an array, as JSON.stringify writes it
  if (typeof value === 'string') return color.green(text)
  if (typeof value === 'number') return color.yellow(text)
  return color.magenta(text) // true, false, null
}

/** Members as JSON.stringify sees them: array items in order, own enumerable properties with a value. */
function membersOf(value: object): [string | undefined, unknown][] {
  if (Array.isArray(value)) return value.map((item: unknown) => [undefined, item])
  return Object.entries(value).filter(([, member]) => member !== undefined)
}

function layout(root: unknown, { color, note, deep }: Layout): string {
  const out: string[] = []
  const stack: Frame[] = []
  const indent = (depth: number) => '\n' + '  '.repeat(depth)

  const begin = (value: unknown, depth: number, after: string) => {
    if (value === null || typeof value !== 'object') {
      out.push(scalar(value, color), after)
      return
    }
    const members = membersOf(value)
    const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}']
    if (members.length === 0) {
      out.push(open + close, after)
    } else if (depth >= MAX_LAYOUT_DEPTH && deep === 'summary') {
      const noun = Array.isArray(value) ? 'item' : 'member'
      out.push(color.dim(`${open}… ${members.length} ${noun}${members.length === 1 ? '' : 's'}${close}`), after)
    } else {
      out.push(open)
      stack.push({ members, next: 0, depth, oneLine: depth >= MAX_LAYOUT_DEPTH, close, after })
    }
  }

  begin(root, 0, '')
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!
    if (frame.next === frame.members.length) {
      stack.pop()
      out.push(frame.oneLine ? '' : indent(frame.depth), frame.close, frame.after)
      continue
    }
    const [name, member] = frame.members[frame.next++]!
    const comma = frame.next < frame.members.length ? ',' : ''
    const annotation = name !== undefined && frame.depth === 0 ? note?.(name, member) : undefined
    if (!frame.oneLine) out.push(indent(frame.depth + 1))
    if (name !== undefined) out.push(color.cyan(JSON.stringify(name)), frame.oneLine ? ':' : ': ')
    begin(member, frame.depth + 1, annotation === undefined ? comma : `${comma}  ${color.dim(`// ${annotation}`)}`)
  }
  return out.join('')
}

export function renderJSON(value: unknown, color: Palette, note?: MemberNote): string {
  return layout(value, { color, note, deep: 'summary' })
}

const PLAIN = createPalette(false)

/** `JSON.stringify(value, null, 2)` for values of any depth, plus a final line feed. */
export function formatJSON(value: unknown): string {
  return layout(value, { color: PLAIN, deep: 'one-line' }) + '\n'
}
