/**
 * Watching the configuration file. Editors and configuration managers (Kubernetes ConfigMaps among
 * them) replace a file by renaming another over it, which a watch on the file itself stops seeing:
 * the directory is watched and events for the file's name count. Bursts of events (write, then
 * rename, then chmod) are coalesced into one call.
 * @module
 */
import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname } from 'node:path'

/** Calls `onChange` once per burst of changes to `file`; returns the stop function. */
export function watchFile(file: string, onChange: () => void, settleMs = 100): () => void {
  const name = basename(file)
  let timer: NodeJS.Timeout | undefined
  const watcher: FSWatcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
    // Some platforms omit the name; a ConfigMap swaps a "..data" link: any change may be ours.
    if (changed !== null && changed !== name && !String(changed).startsWith('..')) return
    clearTimeout(timer)
    timer = setTimeout(onChange, settleMs)
  })
  watcher.on('error', () => undefined)
  return () => {
    clearTimeout(timer)
    watcher.close()
  }
}
