import {getEventListeners} from 'node:events'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {GenericDriver} from '../../drivers/generic/driver.js'
import generic from '../../drivers/generic/index.js'
import {testDriverSetup} from '../../src/driver-kit/testing.js'
import {waitForEngine} from '../../src/core/machine/wait-for-engine.js'
import {withWaitScope} from '../../src/core/wait-scope.js'
import {freeLoopbackPort} from '../harness/free-port.js'

/**
 * A long wait tries many times with one signal from its caller. Each try that added an abort listener and kept it
 * made Node print "MaxListenersExceededWarning: Possible EventTarget memory leak detected" past ten: every wait now
 * holds one listener on the caller's signal, and removes it when it ends.
 */
describe('waits keep one abort listener on the caller\'s signal', () => {
  const warnings: Error[] = []
  const onWarning = (warning: Error): void => {
    warnings.push(warning)
  }
  const abortListeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length
  // Warnings are emitted on a later tick.
  const settled = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20))

  beforeEach(() => {
    warnings.length = 0
    process.on('warning', onWarning)
  })

  afterEach(() => {
    process.off('warning', onWarning)
  })

  it('a hundred attempts that each leave a listener behind add one to the caller\'s signal, gone when the wait ends', async () => {
    const caller = new AbortController()
    const during: number[] = []
    const attempts = await withWaitScope(caller.signal, async (scope) => {
      for (let attempt = 1; attempt <= 100; attempt++) {
        // Work that forgets to remove its listener, as a careless driver's state() may.
        await scope.attempt(async (signal) => signal.addEventListener('abort', () => {}))
        during.push(abortListeners(caller.signal))
        await scope.pause(0)
      }
      return 100
    })
    await settled()
    expect(attempts).toBe(100)
    expect(Math.max(...during)).toBe(1)
    expect(abortListeners(caller.signal)).toBe(0)
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([])
  })

  it('still ends at once, with the caller\'s reason, when the caller aborts mid-attempt', async () => {
    const caller = new AbortController()
    const reason = new Error('stop')
    setTimeout(() => caller.abort(reason), 50)
    const started = performance.now()
    const outcome = withWaitScope(caller.signal, (scope) => scope.attempt((signal) => new Promise((_resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason as Error))
    })))
    await expect(outcome).rejects.toBe(reason)
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(abortListeners(caller.signal)).toBe(0)
  })

  it('the generic driver\'s state probe removes its listener each time', async () => {
    const port = await freeLoopbackPort()
    const driver = new GenericDriver({ipAddress: '127.0.0.1', sshUser: 'root', sshKeyPath: '/nonexistent', sshPort: port, enginePort: 2376}, testDriverSetup(generic, {storeDir: '/nonexistent'}))
    const caller = new AbortController()
    for (let poll = 0; poll < 30; poll++) await expect(driver.state(caller.signal)).rejects.toMatchObject({code: 'host-unreachable', data: {host: '127.0.0.1', port, reason: 'connection refused'}})
    await settled()
    expect(abortListeners(caller.signal)).toBe(0)
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([])
  })

  it('waiting 2 s for an engine on a closed port tries a dozen times and leaves no listener and no warning', async () => {
    const port = await freeLoopbackPort()
    const caller = new AbortController()
    const retries: unknown[] = []
    const tls = {ca: '', cert: '', key: ''}
    await expect(waitForEngine(`tcp://127.0.0.1:${port}`, tls, {timeoutMs: 2_000, signal: caller.signal, onRetry: (error) => retries.push(error)}))
      .rejects.toThrow(new RegExp(`^The engine at tcp://127\\.0\\.0\\.1:${port} did not answer over TLS within 2s: Cannot connect to the Docker engine at tcp://127\\.0\\.0\\.1:${port}: connection refused\\.$`))
    await settled()
    expect(retries.length).toBeGreaterThan(10)
    expect(abortListeners(caller.signal)).toBe(0)
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([])
  })
})
