import {BerthError} from '../core/errors.js'
import type {App} from './app.js'
import {NeedsFullCli} from './app.js'
import {errorLine} from './error-line.js'

/**
 * Run one piece of work per machine, all at once, and print each result line in the order the machines
 * were named. Failures are reported per machine; the command fails if any did.
 */
export async function forEachMachine(app: App, names: readonly string[], work: (name: string) => Promise<string | undefined>): Promise<void> {
  const results = await Promise.allSettled(names.map((name) => work(name)))
  const failed = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected')
  const handOver = failed.find((result) => result.reason instanceof NeedsFullCli)
  if (handOver) throw handOver.reason
  for (const result of results) {
    if (result.status === 'fulfilled' && result.value !== undefined) app.terminal.out(`${result.value}\n`)
  }
  if (failed.length === 1) throw failed[0]!.reason
  if (failed.length > 1) {
    for (const failure of failed) app.terminal.err(`${errorLine(failure.reason, app.personality).line}\n`)
    throw new BerthError(`${failed.length} of ${names.length} machines failed.`, {code: 'machines-failed', data: {failed: failed.length, total: names.length}})
  }
}
