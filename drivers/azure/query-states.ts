import type {MachineState, StoredMachine} from '../../src/driver-kit/index.js'
import {connectArm} from './driver.js'
import {explain} from './errors.js'
import {machineState} from './power-state.js'
import {ResourceIds} from './resources.js'
import {settingsFromState, type AzureSettings} from './settings.js'

/**
 * The states of many machines with one list call (VMs with their status) per subscription and sign-in, for
 * `ls`. Machines whose subscription could not be asked are Error; when none could be asked, the reason is thrown.
 */
export async function queryStates(machines: readonly StoredMachine[], signal: AbortSignal): Promise<MachineState[]> {
  const groups = new Map<string, {settings: AzureSettings; secret: string | undefined; indexes: number[]}>()
  const states: MachineState[] = machines.map(() => 'Error')
  const vmIds: string[] = []
  machines.forEach((machine, index) => {
    let settings: AzureSettings
    try {
      settings = settingsFromState(machine.state, machine.setup.env)
    } catch {
      return // A state berth cannot read: that machine is Error, the others are still asked for.
    }
    const secret = machine.setup.secret('azure-client-secret')
    vmIds[index] = new ResourceIds(settings).vm.toLowerCase()
    const key = JSON.stringify([settings.resourceManagerEndpoint, settings.authorityHost, settings.subscriptionId, settings.tenantId, settings.clientId, secret])
    const group = groups.get(key) ?? {settings, secret, indexes: []}
    group.indexes.push(index)
    groups.set(key, group)
  })
  const failures: unknown[] = []
  await Promise.all([...groups.values()].map(async ({settings, secret, indexes}) => {
    try {
      const statuses = await (await connectArm(settings, secret)).allVmStatuses(signal)
      for (const index of indexes) states[index] = machineState(statuses.get(vmIds[index]!))
    } catch (error) {
      failures.push(explain(error, `list the VMs of subscription ${settings.subscriptionId}`))
    }
  }))
  if (failures.length === groups.size && failures.length > 0) throw failures[0]
  return states
}
