import {describe, expect, it} from 'vitest'
import {SerialGate} from '../../../src/core/power/serial-gate.js'

describe('SerialGate', () => {
  it('runs work of one key one at a time, in call order, and other keys alongside', async () => {
    const gate = new SerialGate()
    const events: string[] = []
    const job = (name: string, ms: number) => async (): Promise<string> => {
      events.push(`${name} start`)
      await new Promise((resolve) => setTimeout(resolve, ms))
      events.push(`${name} end`)
      return name
    }
    const results = await Promise.all([gate.run('vbox', job('a', 30)), gate.run('vbox', job('b', 1)), gate.run('other', job('c', 1))])
    expect(results).toEqual(['a', 'b', 'c'])
    expect(events.indexOf('b start')).toBeGreaterThan(events.indexOf('a end'))
    expect(events.indexOf('c end')).toBeLessThan(events.indexOf('a end'))
  })

  it('lets the next call run after a failure, which stays with its own caller', async () => {
    const gate = new SerialGate()
    const failed = gate.run('k', async () => {
      throw new Error('boom')
    })
    const next = gate.run('k', async () => 'ok')
    await expect(failed).rejects.toThrow('boom')
    await expect(next).resolves.toBe('ok')
  })
})
