import {prose, run} from '../core/fix.js'
import type {Reporter} from '../core/reporter.js'

/** The exit code of a command Ctrl-C stopped: 128 + SIGINT's number, what shells report for it. */
export const INTERRUPTED_EXIT_CODE = 130

/** Ctrl-C while a command runs, watched from start() until stop(). */
export interface InterruptWatch {
  /** Whether Ctrl-C was pressed. */
  readonly interrupted: boolean
  stop(): void
}

/**
 * The first Ctrl-C aborts the command's signal: the command stops waiting and undoes what it had begun (a create
 * removes what it made, a provisioning puts the host's files and engine back), then exits 130. A second one, during
 * that clean-up, exits 130 at once: what was not undone yet stays on record, where `ls`, `rm` and `provision` find it.
 */
export function watchInterrupts(controller: AbortController, reporter: Pick<Reporter, 'info' | 'warn'>): InterruptWatch {
  let presses = 0
  const onInterrupt = (): void => {
    presses++
    if (presses === 1) {
      reporter.info('Interrupted: stopping and undoing what was begun (Ctrl-C again stops at once).')
      controller.abort(new Error('Interrupted'))
      return
    }
    reporter.warn(prose`Stopped at once: the clean-up did not finish. What is left stays on record: ${run('ls')} shows it, ${run('rm', 'NAME')} or ${run('provision', 'NAME')} finishes it.`)
    process.exit(INTERRUPTED_EXIT_CODE)
  }
  process.on('SIGINT', onInterrupt)
  return {
    get interrupted() {
      return presses > 0
    },
    stop: () => process.off('SIGINT', onInterrupt),
  }
}

/** Ctrl-C where nothing has been begun (a lean command, which only reads; a question): exit 130 at once. Returns the stop. */
export function exitOnInterrupt(): () => void {
  const onInterrupt = (): void => exitInterrupted()
  process.once('SIGINT', onInterrupt)
  return () => process.off('SIGINT', onInterrupt)
}

/** Exit as Ctrl-C does, ending the line a question or a progress line left open. */
export function exitInterrupted(): never {
  process.stderr.write('\n')
  process.exit(INTERRUPTED_EXIT_CODE)
}
