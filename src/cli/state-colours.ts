import {displayWidth} from '../core/listing/display-width.js'
import type {Paint, Style} from './colour.js'

/** How a machine's state is painted on a terminal: what works, what is on its way, what needs a look. */
const STATE_STYLES: Readonly<Record<string, Style>> = {
  Running: 'green',
  Starting: 'yellow',
  Stopping: 'yellow',
  Stopped: 'dim',
  Saved: 'dim',
  Paused: 'dim',
  Error: 'red',
  Timeout: 'red',
  NotFound: 'red',
}

/**
 * ls's table with each row's STATE cell painted. Painted after the columns are aligned, so the colours move no
 * column: the cell is found at the display column of the STATE heading. A table without that heading (a custom
 * `--format`) is left as it is.
 */
export function paintStates(table: string, paint: Paint): string {
  const [header, ...rows] = table.split('\n')
  const column = header?.indexOf('STATE') ?? -1
  if (column < 0) return table
  return [header, ...rows.map((row) => paintCellAt(row, column, paint))].join('\n')
}

function paintCellAt(row: string, column: number, paint: Paint): string {
  let index = 0
  let width = 0
  for (const char of row) {
    if (width >= column) break
    width += displayWidth(char)
    index += char.length
  }
  if (width !== column) return row
  const state = /^[A-Za-z]+/.exec(row.slice(index))?.[0]
  const style = state === undefined ? undefined : STATE_STYLES[state]
  if (style === undefined) return row
  return `${row.slice(0, index)}${paint(style, state!)}${row.slice(index + state!.length)}`
}
