import type {Prose} from '../core/fix.js'
import type {Reporter} from '../core/reporter.js'
import {escapeControls, redactUrlPasswords} from '../core/safe-text.js'
import {painter, type Paint} from './colour.js'
import {spellProse} from './error-wording.js'
import type {Personality} from './personality.js'
import type {Terminal} from './terminal.js'

/** Makes the reporter a command's App gets: lineReporter here, live-progress.ts's on the full CLI. */
export type ReporterFactory = (terminal: Terminal, debug: boolean, personality: Personality) => Reporter

/**
 * The reporter for a log, a pipe, NO_COLOR or --no-color (and the lean path, which runs no steps): plain, stable
 * lines on stderr, one per step end ("Title: done (1.2s)"), in colour only when FORCE_COLOR asks for it. A status
 * (what a step waits on, a remote script's latest line) is written only when it changes, at most one every few
 * seconds and a bounded number per step, so a log stays short. Messages often carry what a host said or a name
 * from the store: each is shown as one line, control characters spelled out and passwords in URLs hidden
 * (see safe-text.ts).
 */
export function lineReporter(terminal: Terminal, debug: boolean, personality: Personality = 'berth'): Reporter {
  // Asked at the first line painted, not here: whether stderr is a terminal is answered by process.stderr, whose
  // set-up costs `berth env`, which writes nothing to stderr, about 3 ms.
  let painted: Paint | undefined
  const paint: Paint = (style, text) => (painted ??= painter(terminal.styling.colour))(style, text)
  const meters = new Map<string, string>()
  const statuses = new StatusLog()
  const line = (text: string): void => terminal.err(`${text}\n`)
  return {
    async step(title, work) {
      const start = performance.now()
      statuses.restart()
      try {
        const result = await work()
        line(`${safe(title)}: ${paint('green', 'done')} (${seconds(start)})`)
        return result
      } catch (error) {
        line(`${safe(title)}: ${paint('red', 'failed')} (${seconds(start)})`)
        throw error
      } finally {
        statuses.restart()
      }
    },
    info: (message) => line(safe(spellProse(message, personality))),
    meter(label, done, total) {
      // A line only when what it shows changes: a download reports every chunk.
      const shown = safe(meterText(label, done, total, false))
      if (meters.get(label) === shown) return
      meters.set(label, shown)
      line(shown)
    },
    warn: (message) => line(warningLine(message, personality, paint)),
    status(message) {
      if (statuses.admit(message, Date.now())) line(paint('dim', safe(`  ${message}`)))
    },
    debug: (message) => {
      if (debug) line(debugLine(message))
    },
  }
}

/** In a log, a status is written when it changes, at most one every STATUS_INTERVAL_MS and STATUS_LIMIT per step. */
const STATUS_INTERVAL_MS = 5_000
const STATUS_LIMIT = 20

class StatusLog {
  private last: string | undefined
  private lastAt = -Infinity
  private written = 0

  /** A step starts or ends: what it waited on is over. */
  restart(): void {
    this.last = undefined
    this.lastAt = -Infinity
    this.written = 0
  }

  admit(message: string, now: number): boolean {
    if (message === this.last || this.written >= STATUS_LIMIT || now - this.lastAt < STATUS_INTERVAL_MS) return false
    this.last = message
    this.lastAt = now
    this.written += 1
    return true
  }
}

/** A message from a host or the store as one harmless line. */
export const safe = (text: string): string => escapeControls(redactUrlPasswords(text))

/** The time since `start` (performance.now()), as every step shows it. */
export const seconds = (start: number): string => `${((performance.now() - start) / 1000).toFixed(1)}s`

export const warningLine = (message: Prose, personality: Personality, paint: Paint): string => `${paint('yellow', 'Warning:')} ${safe(spellProse(message, personality))}`

export const debugLine = (message: string): string => `[debug] ${safe(message)}`

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
