import {setTimeout as sleep} from 'node:timers/promises'
import {TimeoutError, errorMessage} from '../errors.js'
import type {RemoteSession} from '../ssh/session.js'

/**
 * What tells one boot of a host from the next: the kernel's boot id, and when PID 1 started. The second also
 * changes when only the host's PID namespace restarted (a container-style host shares its kernel's boot id).
 */
const IDENTITY_COMMAND = 'cat /proc/sys/kernel/random/boot_id; sed \'s/.*) //\' /proc/1/stat | cut -d\' \' -f20'

export async function readBootIdentity(session: RemoteSession, signal: AbortSignal): Promise<string> {
  const result = await session.exec(IDENTITY_COMMAND, {signal, timeoutMs: 10_000})
  const identity = result.stdout.trim()
  if (result.code !== 0 || identity === '') throw new Error(`reading the boot id failed (exit ${result.code}): ${result.stderr.trim()}`)
  return identity
}

interface RebootWait {
  /** An SSH session to the host as it is now (its address may have changed), waiting at most timeoutMs. */
  connect(timeoutMs: number): Promise<RemoteSession>
  /** The machine's name. */
  machine: string
  timeoutMs: number
  signal: AbortSignal
}

const PROBE_MS = 10_000
const PAUSE_MS = 1_000

/** Wait until the host answers SSH from a boot other than `before`: it went down and came back. */
export async function waitForReboot(before: string, wait: RebootWait): Promise<void> {
  const deadline = Date.now() + wait.timeoutMs
  let seenSameBoot = false
  let lastError: unknown
  while (Date.now() < deadline) {
    wait.signal.throwIfAborted()
    try {
      const session = await wait.connect(Math.max(1000, Math.min(PROBE_MS, deadline - Date.now())))
      try {
        if (await readBootIdentity(session, wait.signal) !== before) return
        seenSameBoot = true
      } finally {
        await session.close()
      }
    } catch (error) {
      if (wait.signal.aborted) throw error
      lastError = error
    }
    await sleep(PAUSE_MS, undefined, {signal: wait.signal})
  }
  const seconds = Math.round(wait.timeoutMs / 1000)
  throw seenSameBoot && lastError === undefined
    ? new TimeoutError(`Machine "${wait.machine}" was still running the same boot after ${seconds}s: the reboot did not happen.`, {code: 'reboot-timed-out', data: {machine: wait.machine, seconds, sameBoot: true}})
    : new TimeoutError(`Machine "${wait.machine}" did not come back over SSH within ${seconds}s of its restart: ${errorMessage(lastError)}`, {
        code: 'reboot-timed-out',
        data: {machine: wait.machine, seconds, sameBoot: false},
        cause: lastError,
      })
}
