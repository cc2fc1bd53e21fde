import {changingMachine} from '../core/machine/machine-lock.js'
import {openMachine, type OpenMachine} from '../core/machine/open-machine.js'
import {DEFAULT_LIFECYCLE_TIMEOUT_MS, requireLifecycle, restartMachine, SerialGate, startMachine, stopMachine, type LifecycleDeps, type LifecycleOperation, type LifecycleOptions, type LifecycleOutcome} from '../core/power/index.js'
import type {App} from './app.js'
import {forEachMachine} from './each-machine.js'
import {machineNames} from './machine-args.js'
import {machineDeps} from './machine-deps.js'
import type {FlagSpec, ParsedFlags, ParsedInput} from './spec.js'
import {prose, run} from '../core/fix.js'

export const timeoutFlag: Record<string, FlagSpec> = {
  timeout: {type: 'integer', min: 1, default: DEFAULT_LIFECYCLE_TIMEOUT_MS / 1000, description: 'Seconds to wait, per machine, for it to reach the state (and, when it comes up, for SSH and its engine).'},
}

export const autoRegenerateFlag: Record<string, FlagSpec> = {
  'no-auto-regenerate': {type: 'boolean', description: 'When a host comes back at a new address, do not issue and install a server certificate for it; env and config then refuse until "berth regenerate-certs NAME".'},
}

export function lifecycleOptions(flags: ParsedFlags): LifecycleOptions {
  return {timeoutMs: (flags.timeout as number | undefined ?? DEFAULT_LIFECYCLE_TIMEOUT_MS / 1000) * 1000, autoRegenerate: flags['no-auto-regenerate'] !== true}
}

export function lifecycleDeps(app: App, flags: ParsedFlags, signal: AbortSignal): LifecycleDeps {
  return {...machineDeps(app, flags, signal), gate: new SerialGate()}
}

const RUN: Record<LifecycleOperation, (machine: OpenMachine, deps: LifecycleDeps, options: LifecycleOptions) => Promise<LifecycleOutcome>> = {
  start: startMachine,
  stop: (machine, deps, options) => stopMachine(machine, 'stop', deps, options),
  kill: (machine, deps, options) => stopMachine(machine, 'kill', deps, options),
  restart: restartMachine,
}

const DONE: Record<LifecycleOperation, string> = {start: 'was started', stop: 'was stopped', kill: 'was killed', restart: 'was restarted'}
const ALREADY: Record<LifecycleOperation, string> = {start: 'is already running', stop: 'is already stopped', kill: 'is already stopped', restart: 'is already running'}

/**
 * start/stop/restart/kill: every named machine is loaded and its driver asked whether it can do this first, so an
 * unsupported call changes nothing; then all run at once, each reporting on its own. A machine already in the wanted
 * state is not an error (Docker Machine made it one): it says so and the command succeeds.
 */
export async function runLifecycle(operation: LifecycleOperation, app: App, {flags, args}: ParsedInput, signal: AbortSignal): Promise<void> {
  const names = [...new Set(await machineNames(app, args))]
  const machines = new Map<string, OpenMachine>()
  for (const name of names) machines.set(name, await openMachine(app.layout, app.registry, await app.store.load(name), app.terminal.env))
  for (const machine of machines.values()) requireLifecycle(machine, operation)
  const deps = lifecycleDeps(app, flags, signal)
  const options = lifecycleOptions(flags)
  let moved = false
  try {
    await forEachMachine(app, names, async (name) => {
      // Opened again under the lock: another command may have changed or removed the machine meanwhile.
      const outcome = await changingMachine(deps, name, async () => {
        const machine = await openMachine(app.layout, app.registry, await app.store.load(name), app.terminal.env)
        machines.set(name, machine)
        return RUN[operation](machine, deps, options)
      })
      app.reporter.info(`Machine "${name}" ${outcome.changed ? DONE[operation] : ALREADY[operation]}.`)
      // With --no-auto-regenerate the warning already says what to run; "re-run env" would fail until then.
      const change = outcome.addressChange
      if (change !== undefined && (change.regenerated || !machines.get(name)!.definition.capabilities.provisions)) moved = true
      return undefined
    })
  } finally {
    // Docker Machine printed this after every start; berth only when an address really changed.
    if (moved) app.reporter.info(prose`${operation === 'restart' ? 'Restarted' : 'Started'} machines may have new IP addresses. You may need to re-run the ${run('env')} command.`)
  }
}
