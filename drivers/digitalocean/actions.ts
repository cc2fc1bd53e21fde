import {BerthError, pollUntil, TimeoutError} from '../../src/driver-kit/index.js'
import {DigitalOceanApiError} from './api-error.js'
import type {DigitalOceanApi} from './api.js'
import type {Action, PowerAction} from './api-types.js'

export interface ActionTiming {
  /** How long an action may stay in progress. */
  actionTimeoutMs: number
  pollIntervalMs: number
}

/** How far DigitalOcean's clock may be behind this computer's when berth looks for an action it may have started. */
const CLOCK_SKEW_MS = 60_000

/** How an action ended: completed, errored, or still in progress at the deadline. */
export type ActionOutcome = 'completed' | 'errored' | 'timeout'

/**
 * POST /v2/droplets/{id}/actions and follow the action object until it is completed or errored. A droplet busy with
 * another action (422 "pending event") gets it once that one is over.
 */
export async function runAction(api: DigitalOceanApi, dropletId: number, type: PowerAction, timing: ActionTiming & {timeoutMs?: number}, signal: AbortSignal): Promise<ActionOutcome> {
  const action = await postWhenIdle(api, dropletId, type, timing, signal)
  try {
    const last = await pollUntil(() => api.action(dropletId, action.id, signal), (current) => current.status !== 'in-progress', {
      signal,
      timeoutMs: timing.timeoutMs ?? timing.actionTimeoutMs,
      intervalMs: timing.pollIntervalMs,
      describe: () => `The ${type} action of droplet ${dropletId} was still in progress`,
    })
    return last.status === 'completed' ? 'completed' : 'errored'
  } catch (error) {
    if (error instanceof TimeoutError && timing.timeoutMs !== undefined) return 'timeout'
    throw error
  }
}

/** runAction for actions that must succeed: an errored or endless action is an error naming the droplet. */
export async function requireAction(api: DigitalOceanApi, dropletId: number, type: PowerAction, timing: ActionTiming, signal: AbortSignal): Promise<void> {
  const outcome = await runAction(api, dropletId, type, timing, signal)
  if (outcome === 'errored') {
    throw new BerthError(`DigitalOcean could not ${type.replace('_', ' ')} droplet ${dropletId}: the action ended as "errored".`, {code: 'cloud-api', hint: 'See the droplet\'s history in the DigitalOcean control panel, then try again.'})
  }
}

async function postWhenIdle(api: DigitalOceanApi, dropletId: number, type: PowerAction, timing: ActionTiming, signal: AbortSignal): Promise<Action> {
  const post = (): Promise<Action> => {
    const since = Date.now()
    // After an answer that leaves it open whether the action was taken, the droplet's own list says.
    const recover = async (): Promise<Action | undefined> => (await api.dropletActions(dropletId, AbortSignal.timeout(30_000)))
      .find((action) => action.type === type && Date.parse(action.started_at) >= since - CLOCK_SKEW_MS)
    return api.dropletAction(dropletId, type, {signal, recover})
  }
  try {
    return await post()
  } catch (error) {
    if (!(error instanceof DigitalOceanApiError && error.status === 422 && /pending event/i.test(error.apiMessage ?? ''))) throw error
  }
  for (const pending of (await api.dropletActions(dropletId, signal)).filter((action) => action.status === 'in-progress')) {
    await pollUntil(() => api.action(dropletId, pending.id, signal), (current) => current.status !== 'in-progress', {
      signal,
      timeoutMs: timing.actionTimeoutMs,
      intervalMs: timing.pollIntervalMs,
      describe: () => `Droplet ${dropletId} was still busy with a ${pending.type} action`,
    })
  }
  return post()
}
