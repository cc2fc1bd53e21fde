/**
 * Test tool: what a terminal shows after some output, for the few controls berth draws in place with (carriage
 * return, line feed, cursor to the start of a line N up `ESC[NF`, cursor N lines up `ESC[NA`, clear below `ESC[J`,
 * clear to the line's end `ESC[K`; colours `ESC[…m` are left out), on a screen of `columns` that wraps long lines and
 * never scrolls (tests keep the text shorter). Any other control sequence fails the test: berth should not send it.
 */
// eslint-disable-next-line no-control-regex -- reading control sequences is the point
const CONTROL = /^\u001b\[([\d;]*)([A-Za-z])/

export function screenAfter(output: string, columns: number): string {
  const lines: string[][] = [[]]
  let row = 0
  let column = 0
  const line = (index: number): string[] => (lines[index] ??= [])
  for (let index = 0; index < output.length; index++) {
    const char = output[index]!
    if (char === '\u001b') {
      const control = CONTROL.exec(output.slice(index))
      if (control === null) throw new Error(`unexpected control at ${index}: ${JSON.stringify(output.slice(index, index + 8))}`)
      const [whole, count, kind] = control
      if (kind === 'F' || kind === 'A') {
        row = Math.max(0, row - Number(count || '1'))
        if (kind === 'F') column = 0
      } else if (kind === 'm') {
        // A colour changes no cell.
      } else if (kind === 'J') {
        line(row).length = column
        lines.length = row + 1
      } else if (kind === 'K') {
        line(row).length = column
      } else {
        throw new Error(`unexpected control ${JSON.stringify(whole)}`)
      }
      index += whole.length - 1
    } else if (char === '\r') {
      column = 0
    } else if (char === '\n') {
      row++
      column = 0
    } else {
      if (column === columns) {
        row++
        column = 0
      }
      line(row)[column++] = char
    }
  }
  return lines.map((cells) => Array.from(cells, (cell) => cell ?? ' ').join('')).join('\n')
}

/** The lines a wide terminal shows at the end of some output, the empty line the cursor rests on left out. */
export function finalScreen(output: string): string[] {
  const lines = screenAfter(output, 10_000).split('\n')
  return lines.at(-1) === '' ? lines.slice(0, -1) : lines
}
