import {describe, expect, it} from 'vitest'
import {retrying} from '../../../src/driver-kit/retry.js'

class Throttled extends Error {}

describe('retrying', () => {
  const transient = (error: unknown): boolean => error instanceof Throttled

  it('tries again after transient failures and returns the first success', async () => {
    let calls = 0
    const waits: number[] = []
    const result = await retrying(async () => {
      calls++
      if (calls < 3) throw new Throttled('slow down')
      return 'done'
    }, {isTransient: transient, signal: new AbortController().signal, baseDelayMs: 1, onRetry: (_error, _attempt, delay) => waits.push(delay)})
    expect(result).toBe('done')
    expect(calls).toBe(3)
    expect(waits).toHaveLength(2)
  })

  it('throws a lasting failure at once', async () => {
    let calls = 0
    await expect(retrying(async () => {
      calls++
      throw new Error('AuthFailure')
    }, {isTransient: transient, signal: new AbortController().signal, baseDelayMs: 1})).rejects.toThrow('AuthFailure')
    expect(calls).toBe(1)
  })

  it('gives up after the last attempt with the last error', async () => {
    let calls = 0
    await expect(retrying(async () => {
      calls++
      throw new Throttled(`throttled ${calls}`)
    }, {isTransient: transient, signal: new AbortController().signal, attempts: 3, baseDelayMs: 1})).rejects.toThrow('throttled 3')
    expect(calls).toBe(3)
  })

  it('waits what the server asked for instead of its own backoff', async () => {
    const waits: number[] = []
    let calls = 0
    await retrying(async () => {
      if (++calls === 1) throw new Throttled('429')
    }, {isTransient: transient, signal: new AbortController().signal, retryAfterMs: () => 20, onRetry: (_error, _attempt, delay) => waits.push(delay)})
    expect(waits).toEqual([20])
  })

  it('stops waiting when aborted', async () => {
    const controller = new AbortController()
    const started = Date.now()
    setTimeout(() => controller.abort(new Error('interrupted')), 50)
    await expect(retrying(async () => {
      throw new Throttled('429')
    }, {isTransient: transient, signal: controller.signal, baseDelayMs: 60_000, maxDelayMs: 60_000, retryAfterMs: () => 60_000})).rejects.toThrow('interrupted')
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})
