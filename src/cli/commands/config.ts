import {dockerClientFlags} from '../../core/client/client-flags.js'
import {endpointOf} from '../../core/machine/engine-access.js'
import {checkEngineAccess} from '../../core/machine/engine-access-check.js'
import type {App} from '../app.js'
import {machineName} from '../machine-args.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Print the docker client flags that connect to a machine.',
  examples: ['docker $(<%= config.bin %> config web1) ps'],
  flags: {},
  args: [{name: 'name', description: 'machine name (default: "default")'}],
}

export async function run(app: App, {args}: ParsedInput): Promise<void> {
  const name = await machineName(app, args)
  const config = await app.store.load(name)
  const machine = app.layout.machine(name)
  for (const warning of await checkEngineAccess(machine, config)) app.reporter.warn(warning)
  app.terminal.out(dockerClientFlags(machine, endpointOf(config).url).map((line) => `${line}\n`).join(''))
}
