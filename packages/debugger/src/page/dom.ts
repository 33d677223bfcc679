/**
 * A few DOM helpers. Every text the page shows from a token or a key goes through `textContent`
 * (never markup), and the Content-Security-Policy's Trusted Types directive makes the HTML sinks
 * throw if anything ever tried.
 * @module
 */

type Child = Node | string | undefined | false

/** An element with attributes and children; `class` sets the class list. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined) element.setAttribute(name, value)
  }
  for (const child of children) {
    if (child !== undefined && child !== false) element.append(child)
  }
  return element
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id)
  if (element === null) throw new Error(`the page has no #${id}`)
  return element as T
}

export function replaceChildren(parent: Element, children: readonly Child[]): void {
  parent.replaceChildren(...children.filter((child): child is Node | string => child !== undefined && child !== false))
}

/** Shows the elements whose `attribute` is `value` among `root`'s descendants, and hides the others that have it. */
export function showMatching(root: ParentNode, attribute: string, value: string): void {
  for (const element of root.querySelectorAll<HTMLElement>(`[${attribute}]`)) {
    element.hidden = !element.getAttribute(attribute)!.split(' ').includes(value)
  }
}

/** Runs `task` once input has been quiet for `ms` (typing a key should not re-sign per keystroke). */
export function debounce(task: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  return () => {
    clearTimeout(timer)
    timer = setTimeout(task, ms)
  }
}
