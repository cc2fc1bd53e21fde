import {DockerContextStore} from '../../core/client/docker-context.js'
import {UsageError} from '../../core/errors.js'
import {createMachine} from '../../core/machine/create-machine.js'
import {engineOptions} from '../../core/machine/engine-options.js'
import {validateMachineName} from '../../core/machine-name.js'
import type {App} from '../app.js'
import {driverFlagValues} from '../driver-flags.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Create a machine: the driver makes the host, berth secures its engine with TLS and adds a docker context.',
  description: 'Driver flags are listed by "berth create -d DRIVER --help"; "berth drivers" lists the drivers.',
  examples: ['<%= config.bin %> create -d none --url tcp://192.168.1.20:2376 m1'],
  flags: {
    driver: {type: 'string', char: 'd', env: 'BERTH_DRIVER', description: 'Driver that makes the host (see "berth drivers").'},
    'engine-install-url': {type: 'string', env: 'BERTH_DOCKER_INSTALL_URL', description: 'Script that installs the engine when missing; "none" requires a preinstalled engine.'},
    'engine-opt': {type: 'strings', helpValue: 'FLAG=VALUE', description: 'Extra dockerd flag, e.g. log-level=debug (repeatable).'},
    'engine-env': {type: 'strings', helpValue: 'NAME=VALUE', description: 'Environment variable for dockerd (repeatable).'},
    'engine-label': {type: 'strings', helpValue: 'KEY=VALUE', description: 'Engine label (repeatable); provider=<driver> is always added.'},
    'engine-insecure-registry': {type: 'strings', helpValue: 'HOST[:PORT]', description: 'Registry the engine may reach without TLS (repeatable).'},
    'engine-registry-mirror': {type: 'strings', helpValue: 'URL', description: 'Registry mirror (repeatable).'},
    'engine-storage-driver': {type: 'string', description: 'Storage driver for dockerd (default: the engine\'s choice).'},
    'tls-san': {type: 'strings', helpValue: 'NAME|IP', description: 'Extra name or address for the engine\'s server certificate (repeatable).'},
    'keep-on-failure': {type: 'boolean', description: 'Keep what was made when creation fails, for inspection.'},
  },
  args: [{name: 'name', description: 'name of the new machine', required: true}],
}

export async function run(app: App, {flags, args}: ParsedInput, signal: AbortSignal): Promise<void> {
  const name = validateMachineName(args[0]!)
  const driverName = flags.driver as string | undefined
  if (driverName === undefined) throw new UsageError('No driver chosen.', {hint: `Pass -d DRIVER; available: ${app.registry.names().join(', ')}.`})
  const definition = await app.registry.get(driverName)
  const strings = (key: string): string[] => flags[key] as string[]
  checkPairs('--engine-env', strings('engine-env'), /^[A-Za-z_][A-Za-z0-9_]*=/)
  checkPairs('--engine-label', strings('engine-label'), /^[^=\s]+=/)
  checkPairs('--engine-opt', strings('engine-opt'), /^[A-Za-z0-9][A-Za-z0-9-]*(=|$)/)
  if (strings('tls-san').some((san) => san.trim() === '')) throw new UsageError('--tls-san needs a name or an address.')

  await createMachine({
    name,
    driver: definition.name,
    driverFlags: driverFlagValues(definition, flags),
    engine: engineOptions(definition.name, {
      installUrl: flags['engine-install-url'] as string | undefined,
      opts: strings('engine-opt'),
      env: strings('engine-env'),
      labels: strings('engine-label'),
      insecureRegistries: strings('engine-insecure-registry'),
      registryMirrors: strings('engine-registry-mirror'),
      storageDriver: flags['engine-storage-driver'] as string | undefined,
    }),
    sans: strings('tls-san'),
    keepOnFailure: flags['keep-on-failure'] === true,
  }, {
    store: app.store,
    registry: app.registry,
    certificates: app.certificates,
    contexts: new DockerContextStore(app.terminal.env),
    reporter: app.reporter,
    env: app.terminal.env,
    signal,
  })
  app.reporter.info(`Machine "${name}" is ready. Point your docker client at it with: eval "$(berth env ${name})", or switch context with: berth use ${name}`)
}

function checkPairs(flag: string, values: readonly string[], pattern: RegExp): void {
  const bad = values.find((value) => !pattern.test(value))
  if (bad !== undefined) throw new UsageError(`${flag} "${bad}" is not of the form ${flag === '--engine-opt' ? 'flag=value' : 'NAME=value'}.`)
}
