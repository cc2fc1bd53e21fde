import type {App} from '../app.js'
import {machineNames} from '../machine-args.js'
import {forEachMachine} from '../each-machine.js'
import {jsonFlag, jsonText} from '../json-output.js'
import {openStoredMachine} from '../open.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Print the address of one or more machines.',
  examples: ['<%= config.bin %> ip web1', 'ssh ubuntu@$(<%= config.bin %> ip web1)', '<%= config.bin %> ip --json web1 web2'],
  flags: {...jsonFlag},
  args: [{name: 'name', description: 'machine names (default: "default")'}],
  variadic: true,
}

export async function run(app: App, {flags, args}: ParsedInput): Promise<void> {
  const json = flags.json === true
  await forEachMachine(app, await machineNames(app, args), async (name) => {
    const machine = await openStoredMachine(app, await app.store.load(name))
    const address = await machine.driver.address(AbortSignal.timeout(60_000))
    return json ? {name, address} : address
  }, json ? jsonText : undefined)
}
