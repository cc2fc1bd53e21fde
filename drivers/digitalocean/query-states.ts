import type {MachineState, StoredMachine} from '../../src/driver-kit/index.js'
import {DigitalOceanApiError} from './api-error.js'
import type {ApiTarget} from './api.js'
import {machineState} from './droplet-state.js'
import {TOKEN_FLAG} from './flags.js'
import {BERTH_TAG, stateFromStored} from './settings.js'

/**
 * The states of many machines for `ls`: one listing of the droplets tagged "berth" per API and token (all pages),
 * instead of one request per machine. A droplet that lost the tag is asked for by itself. A machine whose account
 * cannot be asked (no token, a refusal, a token of another account) is 'Error'.
 */
export async function queryDropletStates(machines: readonly StoredMachine[], signal: AbortSignal): Promise<MachineState[]> {
  const states: MachineState[] = machines.map(() => 'Error')
  const accounts = new Map<string, {target: ApiTarget; members: {index: number; dropletId: number; accountUuid: string | undefined}[]}>()
  machines.forEach(({state, setup}, index) => {
    let stored
    try {
      stored = stateFromStored(state)
    } catch {
      return
    }
    if (stored.dropletId === undefined) {
      states[index] = 'NotFound'
      return
    }
    const token = setup.secret(TOKEN_FLAG)
    if (token === undefined || token === '') return
    const key = `${stored.apiUrl}\n${token}`
    const account = accounts.get(key) ?? {target: {baseUrl: stored.apiUrl, token}, members: []}
    account.members.push({index, dropletId: stored.dropletId, accountUuid: stored.accountUuid})
    accounts.set(key, account)
  })
  if (accounts.size === 0) return states
  const {connectDigitalOcean} = await import('./api.js')
  await Promise.all([...accounts.values()].map(async ({target, members}) => {
    try {
      const api = await connectDigitalOcean(target)
      const tagged = new Map((await api.dropletsByTag(BERTH_TAG, signal)).map((droplet) => [droplet.id, droplet]))
      await Promise.all(members.map(async ({index, dropletId}) => {
        const droplet = tagged.get(dropletId) ?? await api.droplet(dropletId, signal).catch((error: unknown) => {
          if (error instanceof DigitalOceanApiError && error.status === 404) return undefined
          throw error
        })
        states[index] = machineState(droplet)
      }))
      // Not found with a token of another account says nothing about the droplet.
      const unseen = members.filter(({index, accountUuid}) => states[index] === 'NotFound' && accountUuid !== undefined)
      if (unseen.length === 0) return
      const {uuid} = await api.account(signal)
      for (const {index, accountUuid} of unseen) if (accountUuid !== uuid) states[index] = 'Error'
    } catch {
      // This account's machines stay 'Error'; `berth status NAME` names the cause.
    }
  }))
  return states
}
