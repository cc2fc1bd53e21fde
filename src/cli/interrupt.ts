import {run} from '../core/fix.js'
import {spellCommand} from './error-wording.js'
import type {Personality} from './personality.js'

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
export function watchInterrupts(controller: AbortController, say: (text: string) => void, personality: Personality): InterruptWatch {
  let presses = 0
  const onInterrupt = (): void => {
    presses++
    if (presses === 1) {
      say('\nInterrupted: stopping and undoing what was begun (Ctrl-C again stops at once).\n')
      controller.abort(new Error('Interrupted'))
      return
    }
    const [ls, rm, provision] = [run('ls'), run('rm', 'NAME'), run('provision', 'NAME')].map((fix) => spellCommand(fix, personality))
    say(`\nStopped at once: the clean-up did not finish. What is left stays on record: ${ls} shows it, ${rm} or ${provision} finishes it.\n`)
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
