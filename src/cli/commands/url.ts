import type {App} from '../app.js'
import {machineName} from '../machine-args.js'
import {openStoredMachine} from '../open.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Print the URL of a machine\'s Docker engine.',
  flags: {},
  args: [{name: 'name', description: 'machine name (default: "default")'}],
}

export async function run(app: App, {args}: ParsedInput): Promise<void> {
  const machine = await openStoredMachine(app, await app.store.load(await machineName(app, args)))
  app.terminal.out(`${await machine.driver.dockerUrl(AbortSignal.timeout(60_000))}\n`)
}
