import {createMachine} from '../../core/create/create-machine.js'
import {prose, run as runCommand, unquoted} from '../../core/fix.js'
import {machineJson} from '../../core/inspect/machine-json.js'
import type {DriverDefinition} from '../../driver-kit/contract.js'
import {validateMachineName} from '../../core/machine-name.js'
import {isTcpUrl} from '../../core/machine/engine-access.js'
import {engineOptions} from '../../core/provision-machine/index.js'
import type {App} from '../app.js'
import {BerthCommand} from '../base-command.js'
import {builtInDriverDefinitions, driverRegistryFor} from '../driver-catalog.js'
import {driverFlagSpecs, driverFlagValues, driverFromArgv, rejectForeignDriverFlags, rejectPluginDriverFlags} from '../driver-flags.js'
import {engineFlagSpecs, engineFlagsFrom, forceAdoptFlag, sshTimeoutFlag} from '../engine-flags.js'
import {printJson} from '../json-output.js'
import {machineDeps} from '../machine-deps.js'
import {oclifArgs, oclifFlags} from '../oclif-spec.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

const spec: CommandSpec = {
  summary: 'Create a machine: the driver makes the host, berth secures its engine with TLS and adds a docker context.',
  examples: [
    '<%= config.bin %> create -d generic --generic-ip-address 203.0.113.10 --generic-ssh-user ubuntu web1',
    '<%= config.bin %> create -d amazonec2 --amazonec2-region eu-west-1 --engine-label env=staging api1',
    '<%= config.bin %> create dev',
  ],
  flags: {
    driver: {type: 'string', char: 'd', env: 'BERTH_DRIVER', helpValue: 'DRIVER', description: 'Driver that makes the host; without it, the best local one that works.'},
    ...engineFlagSpecs,
    ...forceAdoptFlag,
    ...sshTimeoutFlag,
    'keep-on-failure': {type: 'boolean', description: 'Keep what was made if creation fails.'},
    json: {type: 'boolean', description: 'Print the machine made as JSON once it is ready (docs/json.md).'},
  },
  args: [{name: 'name', description: 'name of the new machine', required: true}],
}

async function run(app: App, {flags, args}: ParsedInput, signal: AbortSignal): Promise<void> {
  const name = validateMachineName(args[0]!)
  const driverName = flags.driver as string | undefined
  const definition = driverName === undefined ? await defaultDriver(app) : await app.registry.get(driverName)
  const engine = engineFlagsFrom(flags)

  const config = await createMachine({
    name,
    driver: definition.name,
    driverFlags: driverFlagValues(definition, flags),
    engine: engineOptions(definition.name, engine),
    sans: engine.sans,
    keepOnFailure: flags['keep-on-failure'] === true,
    forceAdopt: flags['force-adopt'] === true,
  }, machineDeps(app, flags, signal))
  if (flags.json === true) printJson(app, machineJson(config, app.layout))
  // A placeholder (none driver, --url none) has no engine to point a client at: the warning above said so.
  if (config.endpoint !== undefined && !isTcpUrl(config.endpoint.url)) return
  app.reporter.info(prose`Machine "${name}" is ready. Point your docker client at it with: eval "$(${unquoted(runCommand('env', name))})", or switch context with: ${unquoted(runCommand('use', name))}`)
}

/** No -d: the best local driver that works here, named so the user knows what is being made. */
async function defaultDriver(app: App): Promise<DriverDefinition> {
  const definition = await app.registry.defaultDriver()
  app.reporter.info(`No driver given (-d): using ${definition.name}, the best local driver that works here.`)
  return definition
}

const builtIns = await builtInDriverDefinitions()

/** Its own class: the driver chosen with -d brings flags of its own, which a plugin driver makes known only once chosen. */
export default class Create extends BerthCommand {
  static override summary = spec.summary
  static override description = spec.description
  static override examples = spec.examples ?? []
  static override usage = '<%= command.id %> [-d DRIVER] [FLAGS] [DRIVER FLAGS] NAME'
  // Built-in drivers' flags are declared here so that help, completion and the manifest list them.
  static override flags = {...oclifFlags(spec.flags), ...oclifFlags(builtIns.reduce((all, definition) => ({...all, ...driverFlagSpecs(definition)}), {}))}
  static override args = oclifArgs(spec.args)

  async run(): Promise<void> {
    const registry = driverRegistryFor(this.config)
    const driverName = driverFromArgv(this.argv, process.env)
    // A plugin driver's flags are known only once the driver is chosen: parse a second time with them.
    const pluginDriver = driverName !== undefined && registry.origin(driverName)?.kind === 'plugin' ? await registry.get(driverName) : undefined
    const chosen = pluginDriver ?? builtIns.find((definition) => definition.name === driverName)
    let parsed
    try {
      parsed = pluginDriver === undefined
        ? await this.parse(Create)
        : await this.parse({flags: {...Create.flags, ...oclifFlags(driverFlagSpecs(pluginDriver))}, baseFlags: BerthCommand.baseFlags, args: Create.args, strict: true})
    } catch (error) {
      // "Nonexistent flag" for another plugin driver's flag: name the driver it belongs to instead.
      await rejectPluginDriverFlags(registry, chosen, this.argv)
      throw error
    }
    if (chosen !== undefined) rejectForeignDriverFlags(chosen, builtIns, this.argv)
    await this.runAction(run, {flags: parsed.flags, args: parsed.argv.filter((arg): arg is string => typeof arg === 'string')})
  }
}
