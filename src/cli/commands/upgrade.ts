import {BerthError} from '../../core/errors.js'
import {changingMachine} from '../../core/machine/machine-lock.js'
import {DEFAULT_LIFECYCLE_TIMEOUT_MS} from '../../core/power/index.js'
import {upgradeMachine, type UpgradeOffer, type UpgradeResult} from '../../core/upgrade/index.js'
import type {App} from '../app.js'
import {forEachMachine} from '../each-machine.js'
import {sshTimeoutFlag} from '../engine-flags.js'
import {lifecycleDeps} from '../lifecycle-command.js'
import {machineNames} from '../machine-args.js'
import type {CommandSpec, ParsedInput} from '../spec.js'
import {upgradeQuestion} from '../upgrade-question.js'

export const spec: CommandSpec = {
  summary: 'Upgrade the Docker engine of machines when something newer exists, asking before the engine restarts.',
  description: 'berth first refreshes the host\'s package index and compares the installed engine packages with what its sources offer: '
    + 'a source it cannot reach is an error, and with nothing newer nothing happens. Otherwise it lists the running containers and whether '
    + 'their restart policies bring them back, asks (default No; -y to skip; without a terminal, -y is required), upgrades, and restarts '
    + 'the engine only if its binary changed. A machine whose engine came from its own install script (--engine-install-url) runs that '
    + 'script again, after asking, since what a script installs is only known once it ran. berth\'s engine configuration is checked '
    + 'afterwards, as provision does. A stopped machine is started first.',
  examples: ['<%= config.bin %> upgrade web1', '<%= config.bin %> upgrade -y web1 web2', '<%= config.bin %> provision --engine-install-url https://example.com/install.sh web1 && <%= config.bin %> upgrade web1'],
  flags: {
    yes: {type: 'boolean', char: 'y', description: 'Upgrade and restart without asking (needed without a terminal).'},
    ...sshTimeoutFlag,
  },
  args: [{name: 'name', description: 'machines (default: "default")'}],
  variadic: true,
}

export async function run(app: App, {flags, args}: ParsedInput, signal: AbortSignal): Promise<void> {
  const deps = lifecycleDeps(app, flags, signal)
  const yes = flags.yes === true
  const upgrade = async (name: string): Promise<undefined> => {
    const result = await changingMachine(deps, name, () => upgradeMachine(name, deps, {startTimeoutMs: DEFAULT_LIFECYCLE_TIMEOUT_MS, confirm: (offer) => confirm(app, offer, yes)}))
    report(app, name, result)
    return undefined
  }
  // Questions come one machine at a time, each after its own listing: machines that may ask are upgraded in turn.
  let previous: Promise<unknown> = Promise.resolve()
  await forEachMachine(app, [...new Set(await machineNames(app, args))], (name) => {
    if (yes) return upgrade(name)
    const turn = previous.then(() => upgrade(name))
    previous = turn.catch(() => undefined)
    return turn
  })
}

/** Shows what would change; goes on with -y or a "y", and otherwise ends the machine's upgrade before anything changed. */
async function confirm(app: App, offer: UpgradeOffer, yes: boolean): Promise<void> {
  const {details, question, action} = upgradeQuestion(offer)
  app.terminal.err(details)
  if (yes) return
  if (!app.terminal.canAsk) throw new BerthError(`${action}, and there is no terminal to ask whether to go on; nothing was changed.`, {code: 'not-confirmed', data: {command: 'upgrade', machine: offer.machine, action}})
  const answer = await app.terminal.ask(question)
  if (!/^y(es)?$/i.test(answer)) throw new BerthError(`Nothing was changed on "${offer.machine}".`, {code: 'not-confirmed', data: {command: 'upgrade', machine: offer.machine}})
}

function report(app: App, name: string, result: UpgradeResult): void {
  const {reporter} = app
  if (result.outcome === 'newest') {
    reporter.info(`Docker ${result.after} on "${name}" is the newest the host's package sources offer.`)
    return
  }
  if (result.outcome === 'unchanged') {
    reporter.info(`The install script left Docker ${result.after} on "${name}" as it was; the engine was not restarted.`)
    return
  }
  const from = result.before === undefined || result.before === result.after ? '' : ` (upgraded from ${result.before})`
  reporter.info(`Machine "${name}" runs Docker ${result.after}${from}${result.restarted ? '' : '; its engine did not need a restart'}.`)
  const stopped = result.stopped ?? []
  if (stopped.length > 0) {
    const names = stopped.map((container) => `${container.name} (${container.image})`).join(', ')
    reporter.warn(`${stopped.length === 1 ? 'A container that ran before the restart does' : `${stopped.length} containers that ran before the restart do`} not run now: ${names}. Start ${stopped.length === 1 ? 'it' : 'them'} with "docker start NAME" if ${stopped.length === 1 ? 'it' : 'they'} should run.`)
  }
}
