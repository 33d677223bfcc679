/**
 * A decoded header or payload shown as the JSON it is, one member per line. Names the glossary knows
 * are focusable and explained in a tooltip on hover or focus (Escape hides it); members can carry a
 * note, such as a time in the reader's zone. Text from the token is shown through `textContent`
 * only, and invisible characters that could reorder or hide what is displayed are shown escaped.
 * @module
 */
import type { Definition } from '../inspect/glossary.js'
import { h, replaceChildren } from './dom.js'

/** Bidirectional overrides, zero-width and other invisible format characters (Unicode Cf), and the JSON-legal line separators. */
const INVISIBLE = /[\u00ad\u061c\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/g

/** JSON text of `value`, indented, with invisible characters as `\uXXXX` escapes. */
export function displayJSON(value: unknown, indent = 2): string {
  return (JSON.stringify(value, null, indent) ?? 'undefined').replace(INVISIBLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

export interface JSONViewOptions {
  readonly glossary: ReadonlyMap<string, Definition>
  /** Text shown after a member's value, by member name. */
  readonly notes?: ReadonlyMap<string, HTMLElement>
  /** Prefix of the tooltip element ids, unique per view. */
  readonly idPrefix: string
}

function valueClass(value: unknown): string {
  if (typeof value === 'string') return 'json-string'
  if (typeof value === 'number') return 'json-number'
  if (typeof value === 'boolean' || value === null) return 'json-literal'
  return 'json-nested'
}

function memberName(name: string, index: number, options: JSONViewOptions): Node[] {
  const text = displayJSON(name)
  const definition = options.glossary.get(name)
  if (definition === undefined) return [h('span', { class: 'json-name' }, text)]
  const tipId = `${options.idPrefix}-${index}`
  return [
    h('span', { class: 'json-name term', tabindex: '0', 'aria-describedby': tipId, 'data-claim': name }, text),
    h('span', { class: 'tip', role: 'tooltip', id: tipId }, h('strong', {}, definition.title), ` ${definition.description} `, h('span', { class: 'source' }, definition.source)),
  ]
}

export function renderJSONObject(container: HTMLElement, object: Record<string, unknown>, options: JSONViewOptions): void {
  const entries = Object.entries(object)
  const lines = entries.map(([name, value], index) => {
    // Nested values keep their own indentation, shifted under the member.
    const valueText = displayJSON(value).replace(/\n/g, '\n  ')
    return h(
      'div',
      { class: 'json-member' },
      '  ',
      ...memberName(name, index, options),
      ': ',
      h('span', { class: valueClass(value) }, valueText),
      index < entries.length - 1 ? ',' : undefined,
      options.notes?.get(name),
    )
  })
  replaceChildren(container, [h('div', {}, '{'), ...lines, h('div', {}, '}')])
}

/** Escape hides the tooltip of the focused or hovered name (WCAG 1.4.13), until focus or the pointer leaves it. */
export function installTooltipDismissal(root: HTMLElement): void {
  root.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return
    const term = (event.target as Element).closest('.term') ?? root.querySelector('.term:hover')
    term?.classList.add('tip-dismissed')
  })
  const restore = (event: Event) => (event.target as Element).classList?.remove('tip-dismissed')
  root.addEventListener('focusout', restore)
  root.addEventListener('mouseout', restore)
}
