/**
 * The two modes as ARIA tabs (WAI-ARIA Authoring Practices, "Tabs"): one tab in the Tab order, the
 * arrow keys, Home and End move between tabs, and each tab shows its own panel.
 * @module
 */
import { byId } from './dom.js'

export type TabName = 'decode' | 'encode'

const TABS: readonly TabName[] = ['decode', 'encode']
let onSelect: (tab: TabName) => void = () => undefined

export function selectedTab(): TabName {
  return TABS.find((tab) => byId(`tab-${tab}`).getAttribute('aria-selected') === 'true') ?? 'decode'
}

export function selectTab(selected: TabName, focus = false): void {
  for (const tab of TABS) {
    const button = byId(`tab-${tab}`)
    const active = tab === selected
    button.setAttribute('aria-selected', String(active))
    button.tabIndex = active ? 0 : -1
    byId(`panel-${tab}`).hidden = !active
    if (active && focus) button.focus()
  }
  onSelect(selected)
}

export function installTabs(selected: (tab: TabName) => void): void {
  onSelect = selected
  for (const tab of TABS) {
    const button = byId(`tab-${tab}`)
    button.addEventListener('click', () => selectTab(tab))
    button.addEventListener('keydown', (event) => {
      const index = TABS.indexOf(tab)
      const next =
        event.key === 'ArrowRight' ? TABS[(index + 1) % TABS.length]
        : event.key === 'ArrowLeft' ? TABS[(index + TABS.length - 1) % TABS.length]
        : event.key === 'Home' ? TABS[0]
        : event.key === 'End' ? TABS[TABS.length - 1]
        : undefined
      if (next === undefined) return
      event.preventDefault()
      selectTab(next, true)
    })
  }
}
