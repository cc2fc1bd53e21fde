import {displayWidth} from './display-width.js'

/** Go text/tabwriter settings that matter when padding with spaces. */
interface ColumnLayout {
  /** Narrowest a column may be, padding included. */
  readonly minWidth: number
  /** Spaces added after the widest cell of a column. */
  readonly padding: number
}

/** Docker Machine's `ls`: tabwriter.NewWriter(os.Stdout, 5, 1, 3, ' ', 0). */
export const LS_LAYOUT: ColumnLayout = {minWidth: 5, padding: 3}

/**
 * Go's text/tabwriter over a whole text: each tab ends a cell, and a column's cells are padded to
 * the widest cell of that column in the block of adjacent lines that have it. The last cell of a
 * line (the text after its last tab) is never padded, so an empty cell before it leaves trailing
 * spaces, as in Docker Machine's output.
 */
export function alignColumns(text: string, layout: ColumnLayout = LS_LAYOUT): string {
  const lines = text.split('\n').map((line) => line.split('\t'))
  const cellWidths = lines.map((cells) => cells.map(displayWidth))
  const columnWidths = layoutColumns(cellWidths, layout)
  return lines.map((cells, row) => cells.map((cell, column) => {
    const width = columnWidths[row]?.[column]
    return width === undefined ? cell : cell + ' '.repeat(width - (cellWidths[row]?.[column] ?? 0))
  }).join('')).join('\n')
}

/** The width of every tab-terminated cell: tabwriter's recursive walk over column blocks. */
function layoutColumns(cellWidths: readonly number[][], layout: ColumnLayout): number[][] {
  const widths = cellWidths.map((): number[] => [])
  // Lines with fewer cells than `column + 2` have no tab-terminated cell in that column.
  const hasCell = (line: number, column: number): boolean => column < (cellWidths[line]?.length ?? 0) - 1
  const visit = (column: number, from: number, to: number): void => {
    let line = from
    while (line < to) {
      if (!hasCell(line, column)) {
        line++
        continue
      }
      const blockStart = line
      let width = layout.minWidth
      for (; line < to && hasCell(line, column); line++) width = Math.max(width, (cellWidths[line]?.[column] ?? 0) + layout.padding)
      for (let i = blockStart; i < line; i++) {
        const lineWidths = widths[i]
        if (lineWidths !== undefined) lineWidths[column] = width
      }
      visit(column + 1, blockStart, line)
    }
  }
  visit(0, 0, cellWidths.length)
  return widths
}

/**
 * Rows of cells as aligned columns, every line ending in a newline and the last column unpadded.
 * A tab or newline inside a cell (a multi-line error) becomes a space so it cannot break the layout.
 */
export function renderTable(rows: readonly (readonly string[])[], layout: ColumnLayout = LS_LAYOUT): string {
  return alignColumns(rows.map((cells) => `${cells.map((cell) => cell.replace(/[\t\n]/g, ' ')).join('\t')}\n`).join(''), layout)
}
