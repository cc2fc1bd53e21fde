import type {Reporter} from '../core/reporter.js'
import type {Terminal} from './terminal.js'

/**
 * A reporter on stderr. On a terminal each step shows its elapsed time when it ends; in a pipe or log
 * every line is plain text, one per event.
 */
export function terminalReporter(terminal: Terminal, debug: boolean): Reporter {
  const seconds = (start: number): string => `${((performance.now() - start) / 1000).toFixed(1)}s`
  return {
    async step(title, work) {
      const start = performance.now()
      terminal.err(terminal.interactive ? `… ${title}\n` : `${title}...\n`)
      try {
        const result = await work()
        terminal.err(terminal.interactive ? `✔ ${title} (${seconds(start)})\n` : `${title}: done (${seconds(start)})\n`)
        return result
      } catch (error) {
        terminal.err(terminal.interactive ? `✘ ${title} (${seconds(start)})\n` : `${title}: failed (${seconds(start)})\n`)
        throw error
      }
    },
    info: (message) => terminal.err(`${message}\n`),
    warn: (message) => terminal.err(`Warning: ${message}\n`),
    debug: (message) => {
      if (debug) terminal.err(`[debug] ${message}\n`)
    },
  }
}
