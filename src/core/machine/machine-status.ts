import type {MachineState} from '../drivers/driver.js'
import {errorMessage} from '../errors.js'
import type {StoreLayout} from '../store/layout.js'
import {createEngineAgent, type EngineAgent} from '../engine/engine-agent.js'
import {engineVersion, type EngineTls} from '../engine/engine-client.js'
import {endpointOf, machineTlsSync} from './engine-access.js'
import type {OpenMachine} from './open-machine.js'

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

export interface StatusOptions {
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
  try {
    return await Promise.all(machines.map((machine) => queryStatus(machine, options, agent, tlsFor)))
  } finally {
    agent.destroy()
  }
}

async function queryStatus({config, driver}: OpenMachine, options: StatusOptions, agent: EngineAgent, tlsFor: (name: string) => EngineTls): Promise<MachineStatus> {
  const start = performance.now()
  const signal = AbortSignal.timeout(options.timeoutMs)
  const base = {name: config.name, driver: config.driver.name, url: config.endpoint?.url ?? '', labels: config.engine.labels}
  const work = (async (): Promise<MachineStatus> => {
    const state = await driver.state(signal)
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
