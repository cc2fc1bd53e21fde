/* eslint-disable no-control-regex -- a terminal's escape codes are what this reads */

/**
 * What a terminal shows at the end of some output, as lines: each redraw of berth's live progress goes back up
 * (ESC[nA) and clears to the end of the screen (ESC[J) before drawing again, so the lines it erased are gone, and
 * colours (ESC[...m) are left out. A pseudo-terminal's CR LF counts as one line end.
 */
export function finalScreen(output: string): string[] {
  const lines: string[] = []
  let current = ''
  for (const token of output.split(/(\r\n|\r|\n|\u001b\[\d*A|\u001b\[J|\u001b\[[0-9;]*m)/)) {
    if (token === '\r' || /^\u001b\[[0-9;]*m$/.test(token)) continue
    if (token === '\u001b[J') {
      current = ''
    } else if (token === '\n' || token === '\r\n') {
      lines.push(current)
      current = ''
    } else if (/^\u001b\[\d*A$/.test(token)) {
      const up = Number(token.slice(2, -1) || 1)
      lines.splice(lines.length - up, up)
      current = ''
    } else {
      current += token
    }
  }
  return current === '' ? lines : [...lines, current]
}
