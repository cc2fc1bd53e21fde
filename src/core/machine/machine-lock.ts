import {BerthError, MachineNotFoundError} from '../errors.js'
import {validateMachineName} from '../machine-name.js'
import {errorCode} from '../path-problem.js'
import type {Reporter} from '../reporter.js'
import {acquireLock, describeHolder} from '../store/lock.js'
import {StoreLayout} from '../store/layout.js'
import type {MachineStore} from '../store/machine-store.js'
import {storeProblem} from '../store/store-problem.js'

interface MachineLockDeps {
  store: MachineStore
  reporter: Reporter
  env: NodeJS.ProcessEnv
  signal: AbortSignal
}

/** How long a command waits for another one changing the same machine, unless BERTH_LOCK_TIMEOUT (seconds) says otherwise. */
const DEFAULT_MACHINE_LOCK_WAIT_MS = 600_000

/**
 * Run one change of a machine while holding its lock, so no other berth process changes (or removes) the same
 * machine meanwhile. A holder that died is broken at once; a live one is waited for, saying so, up to the bound.
 * The work loads the machine itself, inside the lock: what was read before it may be stale. Only create takes the
 * lock of a machine that does not exist yet; for the others a missing machine is refused before a lock is written.
 */
export async function changingMachine<T>(deps: MachineLockDeps, name: string, work: () => Promise<T>, options: {creating?: boolean} = {}): Promise<T> {
  validateMachineName(name)
  if (options.creating !== true && !(await deps.store.exists(name))) throw new MachineNotFoundError(name)
  const {layout} = deps.store
  const lockPath = layout.machineLock(name)
  const release = await acquireLock(lockPath, {
    timeoutMs: machineLockWaitMs(deps.env),
    signal: deps.signal,
    purpose: `changing "${name}"`,
    onWait: (holder) => deps.reporter.info(`Waiting for ${describeHolder(holder)}…`),
  }).catch(async (error: unknown) => {
    // A store that cannot hold the lock (a file in its path, no access) is named as such, with its fix.
    if (errorCode(error) === '') throw error
    throw await storeProblem(layout, lockPath, error)
  })
  try {
    return await work()
  } finally {
    await release()
  }
}

/**
 * Run work under the lock of machine `name` in the store at `root`, which may be another store than this command's.
 * The store is never made for it (a lock must not bring a deleted store back): when it has no lock directory, no
 * berth process can be changing the machine, and work runs without the lock.
 */
export async function lockingMachineIn<T>(root: string, name: string, deps: Omit<MachineLockDeps, 'store'>, work: () => Promise<T>): Promise<T> {
  let release: (() => Promise<void>) | undefined
  try {
    release = await acquireLock(new StoreLayout(root).machineLock(name), {
      timeoutMs: machineLockWaitMs(deps.env),
      signal: deps.signal,
      purpose: `checking the docker context of "${name}"`,
      createDir: false,
      onWait: (holder) => deps.reporter.info(`Waiting for ${describeHolder(holder)}…`),
    })
  } catch (error) {
    const code = errorCode(error)
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error
  }
  try {
    return await work()
  } finally {
    await release?.()
  }
}

function machineLockWaitMs(env: NodeJS.ProcessEnv): number {
  const text = env.BERTH_LOCK_TIMEOUT
  if (text === undefined || text === '') return DEFAULT_MACHINE_LOCK_WAIT_MS
  const seconds = Number(text)
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new BerthError(`BERTH_LOCK_TIMEOUT must be a number of seconds, not "${text}".`, {code: 'machine-busy', hint: 'Set it to e.g. 600, or unset it.'})
  }
  return seconds * 1000
}
