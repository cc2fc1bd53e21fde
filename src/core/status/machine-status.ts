import type {MachineState} from '../../driver-kit/contract.js'
import {createEngineAgent, type EngineAgent} from '../engine/engine-agent.js'
import {engineVersion, type EngineTls} from '../engine/engine-client.js'
import {errorMessage} from '../errors.js'
import {endpointOf, machineTlsSync} from '../machine/engine-access.js'
import type {OpenMachine} from '../machine/open-machine.js'
import type {StoreLayout} from '../store/layout.js'

export interface MachineStatus {
  name: string
  driver: string
  state: MachineState | 'Timeout'
  url: string
  /** The engine's version when it answered. */
  engineVersion?: string
  error?: string
  labels: string[]
  responseMs: number
}

interface StatusOptions {
  /** Per machine, for state and engine version together. */
  timeoutMs: number
  /** Whether to ask the engine for its version (ls does; state filters alone do not need it). */
  withEngine: boolean
  /** Told each machine's status as soon as it is known (index: the machine's place in the list), for a listing drawn as answers arrive. */
  onAnswer?: (status: MachineStatus, index: number) => void
}

/**
 * State and engine version of many machines, all queried at once, each under its own deadline, so one
 * slow host delays nobody. One agent is shared so machines with the same client material share one TLS context.
 */
export async function queryStatuses(layout: StoreLayout, machines: readonly OpenMachine[], options: StatusOptions): Promise<MachineStatus[]> {
  const agent = createEngineAgent()
  const sharedTls: EngineTls[] = []
  // Machines of one store usually hold identical client material: one TLS context serves them all.
  // Read synchronously, only once an engine accepted the connection: a few small files read at once cost far
  // less CPU than their promises, and an engine that refuses costs no reading at all.
  const tlsFor = (name: string): EngineTls => {
    const read = machineTlsSync(layout.machine(name))
    const same = sharedTls.find((known) => sameBytes(known.ca, read.ca) && sameBytes(known.cert, read.cert) && sameBytes(known.key, read.key))
    if (same !== undefined) return same
    sharedTls.push(read)
    return read
  }
  const batched = batchedStates(machines, options.timeoutMs)
  try {
    return await Promise.all(machines.map(async (machine, index) => {
      const status = await queryStatus(machine, options, agent, tlsFor, batched.get(machine))
      options.onAnswer?.(status, index)
      return status
    }))
  } finally {
    agent.destroy()
  }
}

/**
 * For drivers that answer for many machines in one call (a cloud asked once per region), one call per driver
 * for all its machines; the others are asked machine by machine.
 */
function batchedStates(machines: readonly OpenMachine[], timeoutMs: number): Map<OpenMachine, Promise<MachineState>> {
  const byDriver = new Map<string, OpenMachine[]>()
  for (const machine of machines) {
    if (machine.definition.queryStates === undefined) continue
    byDriver.set(machine.definition.name, [...byDriver.get(machine.definition.name) ?? [], machine])
  }
  const states = new Map<OpenMachine, Promise<MachineState>>()
  for (const group of byDriver.values()) {
    const answer = group[0]!.definition.queryStates!(group.map(({config, setup}) => ({state: config.driver.state, setup})), AbortSignal.timeout(timeoutMs))
    // Each machine's own query awaits its share; nobody awaits the whole when every machine already timed out.
    answer.catch(() => {})
    group.forEach((machine, index) => states.set(machine, answer.then((all) => all[index] ?? 'Error')))
  }
  return states
}

async function queryStatus({config, driver}: OpenMachine, options: StatusOptions, agent: EngineAgent, tlsFor: (name: string) => EngineTls, batched: Promise<MachineState> | undefined): Promise<MachineStatus> {
  const start = performance.now()
  const signal = AbortSignal.timeout(options.timeoutMs)
  const seconds = options.timeoutMs / 1000
  const base = {name: config.name, driver: config.driver.name, url: config.endpoint?.url ?? '', labels: config.engine.labels}
  const elapsed = (): number => performance.now() - start
  let state: MachineState | typeof TIMED_OUT
  try {
    state = await beforeDeadline(batched ?? driver.state(signal), signal)
  } catch (error) {
    return {...base, state: 'Error', error: errorMessage(error), responseMs: elapsed()}
  }
  if (state === TIMED_OUT) return {...base, state: 'Timeout', error: `No answer within ${seconds}s.`, responseMs: options.timeoutMs}
  if (state !== 'Running' || !options.withEngine) return {...base, state, responseMs: elapsed()}
  // The driver says the host runs: whatever the engine does, the state stays Running and ERRORS says why the version is unknown.
  try {
    const version = await beforeDeadline(engineVersion(endpointOf(config).url, () => tlsFor(config.name), {signal, agent, timeoutMs: options.timeoutMs}), signal)
    if (version === TIMED_OUT) return {...base, state, error: `Unable to query docker version: no answer within ${seconds}s`, responseMs: elapsed()}
    return {...base, state, engineVersion: version.version, responseMs: elapsed()}
  } catch (error) {
    return {...base, state, error: `Unable to query docker version: ${errorMessage(error)}`, responseMs: elapsed()}
  }
}

const TIMED_OUT = Symbol('timed out')

/** The work's result, or TIMED_OUT once the signal aborts first (the work is left to end on its own signal). */
function beforeDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T | typeof TIMED_OUT> {
  if (signal.aborted) return Promise.resolve(TIMED_OUT)
  work.catch(() => {})
  return new Promise<T | typeof TIMED_OUT>((resolve, reject) => {
    const onAbort = (): void => resolve(TIMED_OUT)
    signal.addEventListener('abort', onAbort, {once: true})
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

function sameBytes(a: string | Buffer, b: string | Buffer): boolean {
  const bytes = (value: string | Buffer): Buffer => (typeof value === 'string' ? Buffer.from(value) : value)
  return bytes(a).equals(bytes(b))
}
