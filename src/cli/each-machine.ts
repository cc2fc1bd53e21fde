import {BerthError} from '../core/errors.js'
import type {App} from './app.js'
import {NeedsFullCli} from './app.js'
import {errorLine} from './error-line.js'

/**
 * Run one piece of work per machine, all at once, and print the results in the order the machines were named: a
 * line each, or as `render` puts them together (ip --json). Failures are reported per machine; the command fails if
 * any did.
 */
export async function forEachMachine<T>(app: App, names: readonly string[], work: (name: string) => Promise<T | undefined>, render: (results: T[]) => string = lines): Promise<void> {
  const results = await Promise.allSettled(names.map((name) => work(name)))
  const failed = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected')
  const handOver = failed.find((result) => result.reason instanceof NeedsFullCli)
  if (handOver) throw handOver.reason
  const values = results.flatMap((result) => (result.status === 'fulfilled' && result.value !== undefined ? [result.value] : []))
  if (values.length > 0) app.terminal.out(render(values))
  if (failed.length === 1) throw failed[0]!.reason
  if (failed.length > 1) {
    for (const failure of failed) app.terminal.err(`${errorLine(failure.reason, app.personality, app.terminal.styling.colour).line}\n`)
    throw new BerthError(`${failed.length} of ${names.length} machines failed.`, {code: 'machines-failed', data: {failed: failed.length, total: names.length}})
  }
}

function lines(results: unknown[]): string {
  return results.map((result) => `${String(result)}\n`).join('')
}
