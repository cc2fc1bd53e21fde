import {hostname} from 'node:os'
import {open, readFile, rm, stat} from 'node:fs/promises'
import {pause} from '../abort.js'
import {TimeoutError} from '../errors.js'
import {ensureDir} from './files.js'
import {dirname} from 'node:path'

interface LockOptions {
  /** How long to wait for another process to release the lock. */
  timeoutMs?: number
  signal?: AbortSignal
  /** What the holder is doing ("changing \"m1\""), written into the lock so that those who wait can say it. */
  purpose?: string
  /** Make the lock's directory when missing (default); false for a lock inside a directory that rm may remove. */
  createDir?: boolean
  /** Called when a live process holds the lock and this one starts to wait for it (again for each new holder). */
  onWait?: (holder: LockHolder) => void
}

/** The process that holds a lock, as its lock file names it. */
export interface LockHolder {
  pid: number
  purpose?: string
}

const UNREADABLE_LOCK_GRACE_MS = 5_000

interface Owner {
  pid: number
  host: string
  token: string
  purpose?: string
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
  // Loaded here, not at the top: the read-only commands (env, ls) then start without node:crypto.
  const {randomBytes} = await import('node:crypto')
  const me: Owner = {pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex'), ...(options.purpose === undefined ? {} : {purpose: options.purpose})}
  if (options.createDir !== false) await ensureDir(dirname(lockPath))
  let delay = 5
  let announced: string | undefined
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
    const owner = await readOwner(lockPath)
    if (owner !== undefined && owner.token !== announced && options.onWait !== undefined) {
      announced = owner.token
      options.onWait(holderOf(owner))
    }
    if (Date.now() >= deadline) {
      const holder = owner === undefined ? undefined : holderOf(owner)
      throw new TimeoutError(`Timed out after ${timeoutMs / 1000}s waiting for ${holder ? describeHolder(holder) : `the lock ${lockPath}`}.`, {
        code: 'lock-timed-out',
        data: {seconds: timeoutMs / 1000, lock: lockPath, ...(holder === undefined ? {} : {holder})},
      })
    }
    await pause(Math.min(delay, Math.max(1, deadline - Date.now())), options.signal)
    delay = Math.min(delay * 2, 100)
  }
}

/** "berth (pid 1234), which is changing "m1"", or without a purpose "berth (pid 1234)". */
export function describeHolder(holder: LockHolder): string {
  return `berth (pid ${holder.pid})${holder.purpose === undefined ? '' : `, which is ${holder.purpose}`}`
}

function holderOf(owner: Owner): LockHolder {
  return owner.purpose === undefined ? {pid: owner.pid} : {pid: owner.pid, purpose: owner.purpose}
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
    if (typeof parsed.pid !== 'number' || typeof parsed.token !== 'string' || typeof parsed.host !== 'string') return undefined
    const owner: Owner = {pid: parsed.pid, host: parsed.host, token: parsed.token}
    return typeof parsed.purpose === 'string' ? {...owner, purpose: parsed.purpose} : owner
  } catch {
    return undefined
  }
}

/**
 * Remove a lock left by a dead process, or one left unreadable for longer than any writer takes.
 *
 * There is no atomic "remove this file if it is still that one", so breakers take turns: a breaker first creates
 * `<lock>.break` exclusively, then checks again and removes the lock. While it holds `.break` nothing else can
 * remove the stale lock (no other breaker runs, and its dead owner never releases it), and no one can create a
 * new lock while the stale one is there, so the lock it checked is the lock it removes. Moving the lock file
 * aside instead would leave the lock free for a moment, even when what was moved was a live owner's fresh lock.
 */
async function breakIfStale(lockPath: string): Promise<void> {
  if (!(await isStale(lockPath))) return
  const breaker = `${lockPath}.break`
  try {
    await (await open(breaker, 'wx', 0o600)).close()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    // Another process is breaking it (which takes milliseconds), or crashed doing so.
    if (await ageMs(breaker) > UNREADABLE_LOCK_GRACE_MS) await rm(breaker, {force: true})
    return
  }
  try {
    if (await isStale(lockPath)) await rm(lockPath, {force: true})
  } finally {
    await rm(breaker, {force: true})
  }
}

async function isStale(lockPath: string): Promise<boolean> {
  const owner = await readOwner(lockPath)
  // Unreadable: being written this instant, or left empty by a crash. Only the latter stays so for long.
  if (owner === undefined) return await ageMs(lockPath) > UNREADABLE_LOCK_GRACE_MS
  return owner.host === hostname() && !isAlive(owner.pid)
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
