import type {Reporter} from '../core/reporter.js'
import {escapeControls, redactUrlPasswords} from '../core/safe-text.js'
import {spellProse} from './error-wording.js'
import type {Personality} from './personality.js'
import type {Terminal} from './terminal.js'

/**
 * A reporter on stderr. On a terminal each step shows its elapsed time when it ends; in a pipe or log
 * every line is plain text, one per event. Messages often carry what a host said or a name from the store: each
 * is shown as one line, control characters spelled out and passwords in URLs hidden (see safe-text.ts).
 */
export function terminalReporter(terminal: Terminal, debug: boolean, personality: Personality = 'berth'): Reporter {
  const seconds = (start: number): string => `${((performance.now() - start) / 1000).toFixed(1)}s`
  const meters = new Map<string, string>()
  // A bar being redrawn in place has no line end yet: any other output first ends its line.
  let barOpen = false
  // A status shown in place is cleared by whatever comes next; in a log, the last one written is not repeated.
  let statusOpen = false
  let lastStatus: string | undefined
  const line = (text: string): void => {
    terminal.err(`${statusOpen ? '\r\u001b[K' : barOpen ? '\n' : ''}${safe(text)}\n`)
    barOpen = false
    statusOpen = false
    lastStatus = undefined
  }
  return {
    async step(title, work) {
      const start = performance.now()
      line(terminal.interactive ? `… ${title}` : `${title}...`)
      try {
        const result = await work()
        line(terminal.interactive ? `✔ ${title} (${seconds(start)})` : `${title}: done (${seconds(start)})`)
        return result
      } catch (error) {
        line(terminal.interactive ? `✘ ${title} (${seconds(start)})` : `${title}: failed (${seconds(start)})`)
        throw error
      }
    },
    info: (message) => line(spellProse(message, personality)),
    meter(label, done, total) {
      // Drawn again only when what it shows changes: a download reports every chunk.
      const shown = safe(meterText(label, done, total, terminal.interactive))
      if (meters.get(label) === shown) return
      meters.set(label, shown)
      if (!terminal.interactive) return line(shown)
      const finished = total !== undefined && done >= total
      terminal.err(`\r\u001b[K${shown}${finished ? '\n' : ''}`)
      barOpen = !finished
      statusOpen = false
    },
    warn: (message) => line(`Warning: ${spellProse(message, personality)}`),
    status(message) {
      const shown = safe(`  ${message}`)
      if (shown === lastStatus) return
      if (!terminal.interactive) {
        line(shown)
        lastStatus = shown
        return
      }
      terminal.err(`${barOpen ? '\n' : '\r\u001b[K'}${shown}`)
      barOpen = false
      statusOpen = true
      lastStatus = shown
    },
    debug: (message) => {
      if (debug) line(`[debug] ${message}`)
    },
  }
}

const safe = (text: string): string => escapeControls(redactUrlPasswords(text))

const BAR_WIDTH = 30
const megabytes = (bytes: number): string => (bytes / 1e6).toFixed(0)

/**
 * One meter's line. On a terminal, a bar redrawn in place at every whole percent; in a log, a line at every tenth
 * (every 100 MB when the size is unknown), so a log stays short.
 */
export function meterText(label: string, done: number, total: number | undefined, interactive: boolean): string {
  if (total === undefined || total <= 0) {
    return interactive ? `${label}: ${megabytes(done)} MB` : `${label}: ${Math.floor(done / 100e6) * 100} MB`
  }
  const fraction = Math.min(done / total, 1)
  if (!interactive) return `${label}: ${Math.floor(fraction * 10) * 10}% of ${megabytes(total)} MB`
  const filled = Math.round(fraction * BAR_WIDTH)
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${Math.floor(fraction * 100)}% (${megabytes(Math.min(done, total))} of ${megabytes(total)} MB)`
}
