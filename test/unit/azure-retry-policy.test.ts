import {describe, expect, it} from 'vitest'
import {retryPolicy} from '../../drivers/azure/retry-policy.js'

interface FakeResponse {
  status: number
  headers: {get(name: string): string | undefined}
}

const answer = (status: number, retryAfter?: string): FakeResponse => ({status, headers: {get: (name) => (name === 'retry-after' ? retryAfter : undefined)}})
const request = {method: 'PUT', url: 'https://management.azure.com/subscriptions/s/resourceGroups/g', abortSignal: new AbortController().signal}

/** A pipeline's next() that gives these answers (or throws these errors) in turn. */
function sequence(...steps: (FakeResponse | Error)[]): {next: () => Promise<FakeResponse>; calls: () => number} {
  let calls = 0
  return {
    next: async () => {
      const step = steps[Math.min(calls++, steps.length - 1)]!
      if (step instanceof Error) throw step
      return step
    },
    calls: () => calls,
  }
}

describe('the azure driver\'s retry policy', () => {
  it('tries a throttled request again after its Retry-After, and says so', async () => {
    const notes: string[] = []
    const {next, calls} = sequence(answer(429, '0'), answer(503, '0'), answer(200))
    const response = await retryPolicy((note) => notes.push(note)).sendRequest(request, next)
    expect(response.status).toBe(200)
    expect(calls()).toBe(3)
    expect(notes).toEqual([
      'Azure answered 429 to PUT /subscriptions/s/resourceGroups/g; trying again in 0.0 s (attempt 2 of 5).',
      'Azure answered 503 to PUT /subscriptions/s/resourceGroups/g; trying again in 0.0 s (attempt 3 of 5).',
    ])
  })

  it('retries an answer the SDK threw as a RestError, and a network failure', async () => {
    const rest = Object.assign(new Error('busy'), {name: 'RestError', statusCode: 500, code: 'InternalServerError', response: {headers: {get: () => '0'}}})
    const network = Object.assign(new Error('socket hang up'), {name: 'RestError', code: 'REQUEST_SEND_ERROR'})
    const {next, calls} = sequence(rest, network, answer(201))
    expect((await retryPolicy(() => {}).sendRequest(request, next)).status).toBe(201)
    expect(calls()).toBe(3)
  })

  it('returns a lasting answer at once, and the last answer after five tries', async () => {
    const conflict = sequence(answer(409))
    expect((await retryPolicy(() => {}).sendRequest(request, conflict.next)).status).toBe(409)
    expect(conflict.calls()).toBe(1)
    const throttled = sequence(answer(429, '0'))
    expect((await retryPolicy(() => {}).sendRequest(request, throttled.next)).status).toBe(429)
    expect(throttled.calls()).toBe(5)
  })
})
