import {DEFAULT_LIFECYCLE_TIMEOUT_MS} from '../../core/machine/power.js'
import {upgradeMachine} from '../../core/machine/upgrade.js'
import type {App} from '../app.js'
import {forEachMachine} from '../each-machine.js'
import {sshTimeoutFlag} from '../engine-flags.js'
import {lifecycleDeps} from '../lifecycle-command.js'
import {machineNames} from '../machine-args.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Upgrade the Docker engine of machines, restart it, and check it over TLS.',
  description: 'The engine is upgraded with the host\'s package manager; a machine whose engine came from its own install script (--engine-install-url at create or provision) runs that script again. berth\'s engine configuration is checked afterwards, as provision does. A stopped machine is started first.',
  examples: ['<%= config.bin %> upgrade m1', '<%= config.bin %> provision --engine-install-url https://example.com/install.sh m1 && <%= config.bin %> upgrade m1'],
  flags: {...sshTimeoutFlag},
  args: [{name: 'name', description: 'machines (default: "default")'}],
  variadic: true,
}

export async function run(app: App, {flags, args}: ParsedInput, signal: AbortSignal): Promise<void> {
  const deps = lifecycleDeps(app, flags, signal)
  await forEachMachine(app, [...new Set(await machineNames(app, args))], async (name) => {
    const result = await upgradeMachine(name, deps, {startTimeoutMs: DEFAULT_LIFECYCLE_TIMEOUT_MS})
    if (result.before === undefined || result.before !== result.after) {
      app.reporter.info(`Machine "${name}" runs Docker ${result.after}${result.before === undefined ? '' : ` (upgraded from ${result.before})`}.`)
    } else {
      app.reporter.info(`Machine "${name}" still runs Docker ${result.after}: the upgrade found nothing newer.${result.note === undefined ? '' : ` It said: ${result.note}`}`)
    }
    return undefined
  })
}
