import {mergeEngineOptions} from '../../core/machine/engine-options.js'
import {provisionMachine} from '../../core/machine/provision-machine.js'
import type {App} from '../app.js'
import {forEachMachine} from '../each-machine.js'
import {engineFlagSpecs, engineFlagsFrom, sshTimeoutFlag} from '../engine-flags.js'
import {machineDeps} from '../machine-deps.js'
import {machineNames} from '../machine-args.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Provision machines again: engine installed, configured for TLS, restarted only if something changed.',
  description: 'Every step checks first whether it is already done, so provision converges and finishes an interrupted create. --engine-* flags change the stored engine options first (lists gain values; a label replaces the one with the same key).',
  examples: ['<%= config.bin %> provision m1', '<%= config.bin %> provision --engine-label env=staging m1 m2'],
  flags: {...engineFlagSpecs, ...sshTimeoutFlag},
  args: [{name: 'name', description: 'machines to provision (default: "default")'}],
  variadic: true,
}

export async function run(app: App, {flags, args}: ParsedInput, signal: AbortSignal): Promise<void> {
  const change = engineFlagsFrom(flags)
  const deps = machineDeps(app, flags, signal)
  await forEachMachine(app, await machineNames(app, args), async (name) => {
    await app.store.update(name, (config) => ({
      ...config,
      engine: mergeEngineOptions(config.engine, change),
      auth: {sans: [...new Set([...config.auth.sans, ...change.sans])]},
    }))
    await provisionMachine(name, deps, {renewServerCert: false})
    app.reporter.info(`Machine "${name}" is provisioned.`)
    return undefined
  })
}
