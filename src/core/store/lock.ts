import {randomBytes} from 'node:crypto'
import {hostname} from 'node:os'
import {open, readFile, rename, rm, stat} from 'node:fs/promises'
import {TimeoutError} from '../errors.js'
import {ensureDir} from './files.js'
import {dirname} from 'node:path'

export interface LockOptions {
  /** How long to wait for another process to release the lock. */
  timeoutMs?: number
  signal?: AbortSignal
}

const UNREADABLE_LOCK_GRACE_MS = 5_000

interface Owner {
  pid: number
  host: string
  token: string
}

/**
 * An advisory lock shared by every berth process on this computer: a lock file created exclusively,
 * holding its owner's pid. A lock whose owner process has died (a crash, kill -9) is broken so that
 * one crash never wedges the store.
 */
export async function withLock<T>(lockPath: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const release = await acquireLock(lockPath, options)
  try {
    return await work()
  } finally {
    await release()
  }
}

export async function acquireLock(lockPath: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  const timeoutMs = options.timeoutMs ?? 60_000
  const deadline = Date.now() + timeoutMs
  const me: Owner = {pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex')}
  await ensureDir(dirname(lockPath))
  let delay = 5
  for (;;) {
    options.signal?.throwIfAborted()
    if (await tryCreate(lockPath, me)) {
      return async () => {
        // Only remove the file while it is still ours.
        const current = await readOwner(lockPath)
        if (current?.token === me.token) await rm(lockPath, {force: true})
      }
    }
    await breakIfStale(lockPath)
    if (Date.now() >= deadline) {
      const owner = await readOwner(lockPath)
      throw new TimeoutError(`Timed out after ${timeoutMs / 1000}s waiting for the lock ${lockPath}${owner ? ` held by process ${owner.pid}` : ''}.`, {
        hint: 'Another berth command is working on the same machine; wait for it to finish, or stop it.',
      })
    }
    await sleep(Math.min(delay, Math.max(1, deadline - Date.now())), options.signal)
    delay = Math.min(delay * 2, 100)
  }
}

async function tryCreate(lockPath: string, me: Owner): Promise<boolean> {
  try {
    const handle = await open(lockPath, 'wx', 0o600)
    try {
      await handle.writeFile(JSON.stringify(me))
    } finally {
      await handle.close()
    }
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
}

async function readOwner(lockPath: string): Promise<Owner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(lockPath, 'utf8')) as Partial<Owner>
    if (typeof parsed.pid === 'number' && typeof parsed.token === 'string' && typeof parsed.host === 'string') return parsed as Owner
    return undefined
  } catch {
    return undefined
  }
}

/**
 * Remove a lock left by a dead process. The stale file is first renamed away (only one breaker can win that
 * rename); if what was renamed turns out to be a live owner's fresh lock, it is put back.
 */
async function breakIfStale(lockPath: string): Promise<void> {
  const owner = await readOwner(lockPath)
  if (owner === undefined) {
    // Unreadable: being written this instant, or left empty by a crash. Only the latter stays so for long.
    if (await ageMs(lockPath) > UNREADABLE_LOCK_GRACE_MS) await rm(lockPath, {force: true})
    return
  }
  if (owner.host !== hostname() || isAlive(owner.pid)) return
  const aside = `${lockPath}.${randomBytes(6).toString('hex')}.stale`
  try {
    await rename(lockPath, aside)
  } catch {
    return
  }
  const moved = await readOwner(aside)
  if (moved?.token === owner.token) {
    await rm(aside, {force: true})
  } else {
    await rename(aside, lockPath).catch(() => rm(aside, {force: true}))
  }
}

async function ageMs(path: string): Promise<number> {
  try {
    return Date.now() - (await stat(path)).mtimeMs
  } catch {
    return 0
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(timer)
      reject(signal.reason as Error)
    }, {once: true})
  })
}
