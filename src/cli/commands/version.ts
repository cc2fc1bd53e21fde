import {queryEngineVersion} from '../../core/machine/engine-access.js'
import {validateMachineName} from '../../core/machine-name.js'
import type {App} from '../app.js'
import {jsonFlag, printJson, printMachineFact} from '../json-output.js'
import type {CommandSpec, ParsedInput} from '../spec.js'
import {berthRelease, berthVersion} from '../version-string.js'

export const spec: CommandSpec = {
  summary: 'Print berth\'s version, or the Docker engine version of a machine.',
  examples: ['<%= config.bin %> version', '<%= config.bin %> version web1', '<%= config.bin %> version --json web1'],
  flags: {...jsonFlag},
  args: [{name: 'name', description: 'machine whose engine version to print'}],
}

export async function run(app: App, {flags, args}: ParsedInput): Promise<void> {
  const name = args[0]
  if (name === undefined) {
    if (flags.json === true) printJson(app, {berthVersion: berthRelease()})
    else app.terminal.out(`${berthVersion()}\n`)
    return
  }
  const config = await app.store.load(validateMachineName(name))
  const {version} = await queryEngineVersion(app.layout.machine(name), config, {timeoutMs: 20_000})
  printMachineFact(app, flags, name, 'engineVersion', version)
}
