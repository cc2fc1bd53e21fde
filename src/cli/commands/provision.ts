import {changingMachine} from '../../core/machine/machine-lock.js'
import {mergeEngineOptions, provisionMachine, removeEngineOptions} from '../../core/provision-machine/index.js'
import type {App} from '../app.js'
import {forEachMachine} from '../each-machine.js'
import {engineFlagSpecs, engineFlagsFrom, engineRemovalFlagSpecs, engineRemovalsFrom, forceAdoptFlag, sshTimeoutFlag} from '../engine-flags.js'
import {machineNames} from '../machine-args.js'
import {machineDeps} from '../machine-deps.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Provision machines again: engine installed, configured for TLS, restarted only if something changed.',
  description: 'Every step checks first whether it is already done, so provision converges and finishes an interrupted create. --engine-* flags change the engine options (lists gain values; a label replaces the one with the same key; --engine-*-rm takes them away), which are stored once the engine came up with them. A failure puts the host back as it was.',
  examples: ['<%= config.bin %> provision web1', '<%= config.bin %> provision --engine-label env=staging web1 web2', '<%= config.bin %> provision --engine-opt-rm log-level web1'],
  flags: {...engineFlagSpecs, ...engineRemovalFlagSpecs, ...forceAdoptFlag, ...sshTimeoutFlag},
  args: [{name: 'name', description: 'machines to provision (default: "default")'}],
  variadic: true,
}

export async function run(app: App, {flags, args}: ParsedInput, signal: AbortSignal): Promise<void> {
  const change = engineFlagsFrom(flags)
  const removals = engineRemovalsFrom(flags)
  const deps = machineDeps(app, flags, signal)
  await forEachMachine(app, await machineNames(app, args), async (name) => {
    await changingMachine(deps, name, async () => {
      const engine = removeEngineOptions(mergeEngineOptions((await app.store.load(name)).engine, change), removals)
      await provisionMachine(name, deps, {renewServerCert: false, engine, sans: change.sans, forceAdopt: flags['force-adopt'] === true})
    })
    app.reporter.info(`Machine "${name}" is provisioned.`)
    return undefined
  })
}
