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
    return await Promise.all(machines.map((machine) => queryStatus(machine, options, agent, tlsFor, batched.get(machine))))
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
  const base = {name: config.name, driver: config.driver.name, url: config.endpoint?.url ?? '', labels: config.engine.labels}
  const work = (async (): Promise<MachineStatus> => {
    const state = await (batched ?? driver.state(signal))
    if (state !== 'Running' || !options.withEngine) return {...base, state, responseMs: performance.now() - start}
    try {
      const version = await engineVersion(endpointOf(config).url, () => tlsFor(config.name), {signal, agent, timeoutMs: options.timeoutMs})
      return {...base, state, engineVersion: version.version, responseMs: performance.now() - start}
    } catch (error) {
      return {...base, state, error: `Unable to query docker version: ${errorMessage(error)}`, responseMs: performance.now() - start}
    }
  })()
  const timeout = new Promise<MachineStatus>((resolve) => {
    signal.addEventListener('abort', () => resolve({...base, state: 'Timeout', error: `No answer within ${options.timeoutMs / 1000}s.`, responseMs: options.timeoutMs}), {once: true})
  })
  try {
    return await Promise.race([work, timeout])
  } catch (error) {
    return {...base, state: 'Error', error: errorMessage(error), responseMs: performance.now() - start}
  }
}

function sameBytes(a: string | Buffer, b: string | Buffer): boolean {
  const bytes = (value: string | Buffer): Buffer => (typeof value === 'string' ? Buffer.from(value) : value)
  return bytes(a).equals(bytes(b))
}
