import {BerthError} from '../core/errors.js'
import {run} from '../core/fix.js'
import {validateMachineName} from '../core/machine-name.js'
import type {App} from './app.js'

const DEFAULT_MACHINE = 'default'

/**
 * The machine a single-machine command works on. As with Docker Machine, a missing name means the
 * machine called "default" when one exists.
 */
export async function machineName(app: App, args: readonly string[]): Promise<string> {
  return (await machineNames(app, args))[0]!
}

export async function machineNames(app: App, args: readonly string[]): Promise<string[]> {
  if (args.length > 0) return args.map(validateMachineName)
  if (await app.store.exists(DEFAULT_MACHINE)) return [DEFAULT_MACHINE]
  throw new BerthError(`No machine name given and no "${DEFAULT_MACHINE}" machine exists.`, {code: 'no-machine-named', data: {defaultMachine: DEFAULT_MACHINE}, fixes: [run('ls')]})
}
