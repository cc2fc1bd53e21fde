import {AzureSimulator, type AzureSimulatorOptions} from './simulator.js'

export {AzureSimulator, type AzureSimulatorOptions, type CallRecord, type SimVm} from './simulator.js'
export type {Injection} from './failures.js'

/** Start the simulated Azure (ARM + Entra ID token endpoint) on 127.0.0.1 over HTTPS with its own test CA. */
export function startAzureSimulator(options: AzureSimulatorOptions): Promise<AzureSimulator> {
  return AzureSimulator.start(options)
}
