import {randomBytes} from 'node:crypto'
import type {RemoteSession} from '../ssh/session.js'
import {shellQuote} from '../ssh/shell-quote.js'
import type {InitSystem} from './init-systems.js'
import {HOST_MARKER, HOST_STATE_DIR, ORIGINALS_DIR, RUNS_DIR, type HostMarker} from './host-state.js'
import {runAsRoot} from './remote-script.js'
import {renderTemplate} from './templates.js'

/** What undoing a run left on the host, as checked there. */
export interface UndoReport {
  /** Files put back, and files removed because they did not exist before. */
  restored: string[]
  removed: string[]
  wasRunning: boolean
  /** Whether the engine was restarted to put it back (it is not when the run never restarted it). */
  restarted: boolean
  /** The engine's pid now, when it runs, and whether it is the pid it had before the run. */
  enginePid?: number
  samePid: boolean
  /** Whether the engine runs with the same arguments as before the run. */
  sameArgs: boolean
  /** The version the engine answered with on its socket, when it did. */
  answers?: string
}

/**
 * One provisioning run's changes to a host, undoable: before the first change, the first original of every file
 * berth may touch is kept for good (ORIGINALS_DIR) and this run's own copy for the run (RUNS_DIR/ID), with the
 * engine's arguments and the hostname; undo() puts all of it back and restarts (or stops) the engine as it was;
 * end() records berth's marker and drops the run's copies.
 */
export class HostChange {
  private constructor(private readonly session: RemoteSession, private readonly init: InitSystem, readonly run: string) {}

  static async begin(session: RemoteSession, init: InitSystem, paths: readonly string[], signal: AbortSignal): Promise<HostChange> {
    const run = `${RUNS_DIR}/${randomBytes(6).toString('hex')}`
    const script = await renderTemplate('provision/change-begin.sh', {run: shellQuote(run), originals: shellQuote(ORIGINALS_DIR), paths: [...new Set(paths)].map(shellQuote).join(' ')})
    await runAsRoot(session, script, signal, {what: 'keep the originals of the files it changes'})
    return new HostChange(session, init, run)
  }

  /**
   * Put the host back as it was before begin(): the files always; the engine restarted (or stopped) as it was when
   * the run restarted it. Runs to its end even when the operation was aborted.
   */
  async undo(options: {engineRestarted: boolean}): Promise<UndoReport> {
    const script = await renderTemplate('provision/change-undo.sh', {run: shellQuote(this.run), init: this.init, stateDir: shellQuote(HOST_STATE_DIR), restart: options.engineRestarted ? 'yes' : 'no'})
    const output = await runAsRoot(this.session, script, new AbortController().signal, {what: 'undo its changes'})
    const values = new Map<string, string[]>()
    for (const line of output.split('\n')) {
      const at = line.indexOf('=')
      if (at > 0) values.set(line.slice(0, at), [...(values.get(line.slice(0, at)) ?? []), line.slice(at + 1)])
    }
    const one = (key: string): string | undefined => values.get(key)?.[0]
    const pid = Number(one('engine_pid'))
    return {
      restored: values.get('restored') ?? [],
      removed: values.get('removed') ?? [],
      wasRunning: one('was_running') === 'yes',
      restarted: one('restarted') === 'yes',
      ...(Number.isInteger(pid) && pid > 0 ? {enginePid: pid} : {}),
      samePid: one('same_pid') === 'yes',
      sameArgs: one('same_args') === 'yes',
      ...(one('answers') ? {answers: one('answers')!} : {}),
    }
  }

  /** The run succeeded: the marker names who manages the engine now, and the run's copies go. */
  async end(marker: HostMarker, signal: AbortSignal): Promise<void> {
    const script = await renderTemplate('provision/change-end.sh', {marker: shellQuote(HOST_MARKER), run: shellQuote(this.run)})
    await runAsRoot(this.session, script, signal, {what: 'record its marker', stdin: `${JSON.stringify(marker, null, 2)}\n`})
  }
}

/** Whether an undo left the engine as it was before the run: running with the same arguments and answering, or stopped. */
function undoRestoredEngine(report: UndoReport): boolean {
  if (!report.wasRunning) return report.enginePid === undefined
  return report.enginePid !== undefined && report.sameArgs && report.answers !== undefined && (report.restarted || report.samePid)
}

/** What an undo did, in words, only as far as it was checked. */
export function describeUndo(report: UndoReport): string {
  const files = `berth put back the host's files (${[...report.restored, ...report.removed].join(', ') || 'none had changed'})`
  if (!undoRestoredEngine(report)) {
    const engine = report.wasRunning
      ? report.enginePid === undefined ? 'the engine, which ran before, does not run now' : `the engine runs (pid ${report.enginePid}) but ${report.sameArgs ? 'does not answer on its socket' : 'not with its previous arguments'}`
      : `the engine, which was not running before, runs (pid ${report.enginePid})`
    return `${files}, but ${engine}`
  }
  if (!report.wasRunning) return 'berth undid its changes on the host: its files are as they were, and the engine is not running, as before'
  return report.restarted
    ? `berth undid its changes on the host: the engine runs again as before with its previous configuration (pid ${report.enginePid}, Docker ${report.answers} answering on its socket)`
    : `berth undid its changes on the host: its files are as they were, and the engine was not restarted (pid ${report.enginePid}, Docker ${report.answers} answering on its socket)`
}
