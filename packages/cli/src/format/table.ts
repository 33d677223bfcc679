/**
 * Plain-text tables for people (key lists). Cells may come from remote documents or stores, so each
 * is escaped for the terminal and stays on its row.
 * @module
 */
import { escapeTerminal } from './terminal.js'

/** `header` and `rows` as aligned columns, two spaces apart, one line per row. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const cells = rows.map((row) => row.map(escapeTerminal))
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((row) => row[column]!.length)))
  const line = (row: readonly string[]) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()
  return [line(header), ...cells.map(line)].join('\n') + '\n'
}
