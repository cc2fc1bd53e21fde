import type {DriverDefinition} from '../../driver-kit/contract.js'
import {createMachine} from '../../core/machine/create-machine.js'
import {engineOptions} from '../../core/machine/engine-options.js'
import {validateMachineName} from '../../core/machine-name.js'
import type {App} from '../app.js'
import {driverFlagValues} from '../driver-flags.js'
import {engineFlagSpecs, engineFlagsFrom, forceAdoptFlag, sshTimeoutFlag} from '../engine-flags.js'
import {machineDeps} from '../machine-deps.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Create a machine: the driver makes the host, berth secures its engine with TLS and adds a docker context.',
  description: 'Driver flags are listed by "berth create -d DRIVER --help"; "berth drivers" lists the drivers.',
  examples: ['<%= config.bin %> create -d none --url tcp://192.168.1.20:2376 m1'],
  flags: {
    driver: {type: 'string', char: 'd', env: 'BERTH_DRIVER', description: 'Driver that makes the host (see "berth drivers"); without it, the best local driver that works here.'},
    ...engineFlagSpecs,
    ...forceAdoptFlag,
    ...sshTimeoutFlag,
    'keep-on-failure': {type: 'boolean', description: 'Keep what was made when creation fails, for inspection.'},
  },
  args: [{name: 'name', description: 'name of the new machine', required: true}],
}

export async function run(app: App, {flags, args}: ParsedInput, signal: AbortSignal): Promise<void> {
  const name = validateMachineName(args[0]!)
  const driverName = flags.driver as string | undefined
  const definition = driverName === undefined ? await defaultDriver(app) : await app.registry.get(driverName)
  const engine = engineFlagsFrom(flags)

  await createMachine({
    name,
    driver: definition.name,
    driverFlags: driverFlagValues(definition, flags),
    engine: engineOptions(definition.name, engine),
    sans: engine.sans,
    keepOnFailure: flags['keep-on-failure'] === true,
    forceAdopt: flags['force-adopt'] === true,
  }, machineDeps(app, flags, signal))
  app.reporter.info(`Machine "${name}" is ready. Point your docker client at it with: eval "$(berth env ${name})", or switch context with: berth use ${name}`)
}

/** No -d: the best local driver that works here, named so the user knows what is being made. */
async function defaultDriver(app: App): Promise<DriverDefinition> {
  const definition = await app.registry.defaultDriver()
  app.reporter.info(`No driver given (-d): using ${definition.name}, the best local driver that works here.`)
  return definition
}
