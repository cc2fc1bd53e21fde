import {escapeControls} from '../safe-text.js'
import {compileTemplate, unescapeFormat} from '../go-template/go-template.js'
import type {ListRow} from './list-row.js'
import {alignColumns} from './tabwriter.js'

// ListRow.ResponseTime is a Go duration; callers building rows find the formatter here.
export {formatGoDuration} from './go-duration.js'

/** Docker Machine's `ls` format, tabs and all. */
export const DEFAULT_LS_FORMAT = 'table {{ .Name }}\t{{ .Active }}\t{{ .DriverName}}\t{{ .State }}\t{{ .URL }}\t{{ .Swarm }}\t{{ .DockerVersion }}\t{{ .Error}}'

const TABLE_PREFIX = 'table'

/** Column titles: a `table` format's header row is the format run over this map (as Docker Machine does). */
const LS_HEADERS: Readonly<Record<keyof ListRow, string>> = {
  Name: 'NAME',
  Active: 'ACTIVE',
  ActiveHost: 'ACTIVE_HOST',
  ActiveSwarm: 'ACTIVE_SWARM',
  DriverName: 'DRIVER',
  State: 'STATE',
  URL: 'URL',
  SwarmOptions: 'SWARM_OPTIONS',
  Swarm: 'SWARM',
  EngineOptions: 'ENGINE_OPTIONS',
  Error: 'ERRORS',
  DockerVersion: 'DOCKER',
  ResponseTime: 'RESPONSE',
}

interface ListFormat {
  /** Whether the format began with `table`: a header row and aligned columns. */
  readonly table: boolean
  /** The whole listing, one line per row, each ending in a newline. */
  render(rows: readonly ListRow[]): string
}

/**
 * Reads an `ls --format` value the way Docker Machine does: empty means the default; a leading
 * `table` asks for a header and tabwriter columns; surrounding spaces are dropped; a typed `\t` or
 * `\n` is a tab or newline; every row ends with a newline. Compile before querying machines so a
 * bad format fails at once. A table is for reading: its cells show control characters spelled out (a machine
 * directory named with an escape code, an engine's odd version string), so no cell recolours the terminal or adds a
 * row. Other formats are for scripts and print the values exactly.
 */
export function compileListFormat(format: string | undefined): ListFormat {
  let body = format === undefined || format === '' ? DEFAULT_LS_FORMAT : format
  const table = body.startsWith(TABLE_PREFIX)
  if (table) body = body.slice(TABLE_PREFIX.length)
  const template = compileTemplate(`${unescapeFormat(body.replace(/^ +| +$/g, ''))}\n`)
  return {
    table,
    render(rows) {
      if (!table) return rows.map((row) => template.execute(row)).join('')
      return alignColumns(template.execute(LS_HEADERS) + rows.map((row) => template.execute(readableCells(row))).join(''))
    },
  }
}

function readableCells(row: ListRow): ListRow {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, typeof value === 'string' ? escapeControls(value) : value])) as unknown as ListRow
}

/** `berth ls` output for these rows (already filtered and sorted). */
export function renderListing(format: string | undefined, rows: readonly ListRow[]): string {
  return compileListFormat(format).render(rows)
}
