import type {App} from '../app.js'
import {jsonFlag, printMachineFact} from '../json-output.js'
import {machineName} from '../machine-args.js'
import {openStoredMachine} from '../open.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Print the URL of a machine\'s Docker engine.',
  examples: ['<%= config.bin %> url web1'],
  flags: {...jsonFlag},
  args: [{name: 'name', description: 'machine name (default: "default")'}],
}

export async function run(app: App, {flags, args}: ParsedInput): Promise<void> {
  const name = await machineName(app, args)
  const machine = await openStoredMachine(app, await app.store.load(name))
  printMachineFact(app, flags, name, 'engineUrl', await machine.driver.dockerUrl(AbortSignal.timeout(60_000)))
}
