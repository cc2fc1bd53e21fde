import type {MachineState, StoredMachine} from '../../src/driver-kit/index.js'
import {Ec2Api, FILTER_VALUES_LIMIT, type Connection, type InstanceView} from './client.js'
import {credentialIdentity, credentialSource, storedSecrets} from './credentials.js'
import {explainEc2Error} from './errors.js'
import {MACHINE_TAG, machineState} from './instance.js'
import {settingsFromState} from './settings.js'

interface Group {
  connection: Connection
  members: {index: number; instanceId: string}[]
}

/**
 * The states of many machines with one DescribeInstances per endpoint, region and set of credentials: every
 * instance berth made carries its machine tag, so one filtered listing finds them all. Instances without the tag
 * (made by other tools, or retagged) are looked up by id, 200 to a call. A group whose listing fails is 'Error';
 * when every group fails, the first failure is thrown so that `ls` can say why.
 */
export async function queryStates(machines: readonly StoredMachine[], signal: AbortSignal): Promise<MachineState[]> {
  const states: MachineState[] = machines.map(() => 'Error')
  const groups = new Map<string, Group>()
  machines.forEach(({state, setup}, index) => {
    try {
      const settings = settingsFromState(state)
      const instanceId = state.instanceId
      if (typeof instanceId !== 'string') {
        states[index] = 'NotFound'
        return
      }
      const credentials = credentialSource(storedSecrets(setup), settings.profile)
      const key = [settings.endpoint ?? '', settings.region, credentialIdentity(credentials)].join('\n')
      const connection: Connection = {region: settings.region, credentials, maxAttempts: settings.retries, ...(settings.endpoint === undefined ? {} : {endpoint: settings.endpoint})}
      const group = groups.get(key) ?? {connection, members: []}
      group.members.push({index, instanceId})
      groups.set(key, group)
    } catch {
      // A machine whose state or credentials cannot be read stays 'Error'; its own commands say why.
    }
  })
  const failures = (await Promise.all([...groups.values()].map(async (group) => {
    try {
      const found = await listGroup(group, signal)
      for (const member of group.members) states[member.index] = machineState(found.get(member.instanceId))
      return undefined
    } catch (error) {
      const {region, endpoint, credentials} = group.connection
      return explainEc2Error(error, {region, ...(endpoint === undefined ? {} : {endpoint}), ...(credentials.kind === 'profile' ? {profile: credentials.profile} : {})})
    }
  }))).filter((failure) => failure !== undefined)
  if (failures.length > 0 && failures.length === groups.size) throw failures[0] as Error
  return states
}

async function listGroup(group: Group, signal: AbortSignal): Promise<Map<string, InstanceView>> {
  const api = new Ec2Api(group.connection)
  try {
    const found = new Map((await api.instancesByFilter([{name: 'tag-key', values: [MACHINE_TAG]}], signal)).map((view) => [view.id, view]))
    const missing = group.members.map((member) => member.instanceId).filter((id) => !found.has(id))
    for (let start = 0; start < missing.length; start += FILTER_VALUES_LIMIT) {
      const chunk = missing.slice(start, start + FILTER_VALUES_LIMIT)
      for (const view of await api.instancesByFilter([{name: 'instance-id', values: chunk}], signal)) found.set(view.id, view)
    }
    return found
  } finally {
    api.destroy()
  }
}
