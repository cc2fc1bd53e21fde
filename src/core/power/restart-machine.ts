import {BerthError, errorMessage} from '../errors.js'
import {run} from '../fix.js'
import {openMachineSsh} from '../machine/machine-ssh.js'
import type {OpenMachine} from '../machine/open-machine.js'
import type {RemoteSession} from '../ssh/session.js'
import {readBootIdentity, waitForReboot} from './boot-identity.js'
import {Deadline} from './deadline.js'
import {requireLifecycle} from './lifecycle-support.js'
import {callDriver, comeUp, currentState, startMachine, type LifecycleDeps, type LifecycleOptions, type LifecycleOutcome} from './power.js'

/** How long the boot id is looked for before a restart: a host that does not answer SSH then is not waited on for it. */
const BEFORE_PROBE_MS = 10_000

/**
 * Restart a machine (a stopped one is started, as Docker Machine did). Where berth reaches the host over SSH, the
 * boot before the restart is recorded, and the wait lasts until the host answers from a new boot: a reboot command
 * returns while the host still runs, so "running" alone would be seen before it ever went down.
 */
export async function restartMachine(machine: OpenMachine, deps: LifecycleDeps, options: LifecycleOptions): Promise<LifecycleOutcome> {
  const restart = requireLifecycle(machine, 'restart')
  const {config, definition} = machine
  if (await currentState(machine, deps.signal) === 'Stopped') {
    if (machine.driver.start === undefined) {
      throw new BerthError(`Machine "${config.name}" is not running, and the ${definition.name} driver cannot start a machine.`, {code: 'start-unsupported', data: {driver: definition.name, machine: config.name}, fixes: [run('restart', config.name)]})
    }
    return startMachine(machine, deps, options)
  }
  const deadline = new Deadline(options.timeoutMs)
  // Before the restart the host runs, and its first answer counts; after it, the host is booting.
  const before = definition.capabilities.provisions ? await bootBefore(machine, deps, (timeoutMs) => connectNow(machine, deps, timeoutMs, false)) : undefined
  const connect = (timeoutMs: number): Promise<RemoteSession> => connectNow(machine, deps, timeoutMs, true)
  await callDriver(machine, deps, `Restarting "${config.name}"`, restart)
  if (before !== undefined) {
    await deps.reporter.step(`Waiting for "${config.name}" to reboot`, () => waitForReboot(before, {connect, machine: config.name, timeoutMs: deadline.remainingMs(), signal: deps.signal}))
  }
  return {changed: true, ...(await comeUp(machine, deps, options, deadline))}
}

async function bootBefore(machine: OpenMachine, deps: LifecycleDeps, connect: (timeoutMs: number) => Promise<RemoteSession>): Promise<string | undefined> {
  try {
    const session = await connect(BEFORE_PROBE_MS)
    try {
      return await readBootIdentity(session, deps.signal)
    } finally {
      await session.close()
    }
  } catch (error) {
    if (deps.signal.aborted) throw error
    deps.reporter.debug(`${machine.config.name}: no boot id before the restart (${errorMessage(error)}); waiting for the driver's state only`)
    return undefined
  }
}

/** Asks the driver for the SSH endpoint each time: a host may come back at another address. */
async function connectNow(machine: OpenMachine, deps: LifecycleDeps, timeoutMs: number, mayBeBooting: boolean): Promise<RemoteSession> {
  const endpoint = await machine.driver.sshEndpoint(deps.signal)
  if (endpoint === undefined) throw new BerthError(`The ${machine.definition.name} driver gives no SSH access to "${machine.config.name}".`, {code: 'ssh-failed'})
  return openMachineSsh(deps.store.layout.machine(machine.config.name), endpoint, {
    timeoutMs,
    signal: deps.signal,
    mayBeBooting,
    settingFlags: machine.definition.sshSettingFlags,
    log: (line) => deps.reporter.debug(`ssh ${machine.config.name}: ${line}`),
  })
}
