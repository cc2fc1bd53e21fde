import {randomBytes} from 'node:crypto'
import {mkdir, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {withLock} from '../../src/core/store/lock.js'
import {ensureForwarding, releaseForwarding} from './forwarding.js'
import {LAST_INDEX, LOCK_PATH, MAX_INDEX, SEAL_LEASE, STATE_ROOT, VETH_PREFIX, hostLayout, indexOfHostDir, type HostLayout} from './layout.js'
import {linkExists} from './network.js'
import {identify, isAlive, type ProcessIdentity} from './processes.js'
import {readRecord, writeRecord, type HostRecord} from './record.js'
import {run} from './run.js'
import {sealTestRanges, unsealTestRanges} from './seal.js'
import {stopHost} from './teardown.js'

// A directory without a record is a host being created right now, or one whose creator died at once.
const UNRECORDED_GRACE_MS = 60_000

/**
 * Reserve a free host index on this machine (its directory is the reservation), record the host, and make sure
 * forwarding between hosts is set up. Indexes go round (the next free one after the last one handed out), so an
 * address is not handed to a new host the moment its last host went: a command of another test that still talks to
 * that address then finds nothing, never the new host. The lock makes the choice and the first-host and last-host
 * network changes safe between processes.
 */
export async function reserveHost(record: (layout: HostLayout) => HostRecord): Promise<HostLayout> {
  return withLock(LOCK_PATH, async () => {
    const taken = new Set(await hostIndexes())
    const last = Number(await readFile(LAST_INDEX, 'utf8').catch(() => '0')) || 0
    const index = Array.from({length: MAX_INDEX}, (_, offset) => ((last + offset) % MAX_INDEX) + 1).find((candidate) => !taken.has(candidate))
    if (index === undefined) throw new Error(`All ${MAX_INDEX} test host slots on this machine are taken.`)
    await writeFile(LAST_INDEX, String(index))
    const layout = hostLayout(index)
    await mkdir(layout.dockerDir, {recursive: true})
    await writeRecord(layout, record(layout))
    await ensureForwarding()
    await sealTestRanges()
    return layout
  })
}

/** Delete a stopped host's directory (freeing its index); the last host also takes the forwarding setup. */
export async function releaseHost(layout: HostLayout): Promise<void> {
  await withLock(LOCK_PATH, async () => {
    await rm(layout.dir, {recursive: true, force: true})
    if ((await hostIndexes()).length === 0) await releaseNetwork()
  })
}

/** Stop whatever a host has started and release it. */
export async function discardHost(layout: HostLayout, record: HostRecord | undefined): Promise<void> {
  const problems = await stopHost(layout, record)
  // A host that could not be stopped keeps its directory (and index) for a later sweep.
  if (problems.length > 0) throw new Error(`Test host ${record?.name ?? layout.index} (${layout.dir}): ${problems.join('; ')}.`)
  await releaseHost(layout)
}

/** Remove the hosts of processes that died without removing them (a crashed or killed test run). */
export async function sweepLeftovers(): Promise<number[]> {
  await mkdir(STATE_ROOT, {recursive: true})
  return withLock(LOCK_PATH, async () => {
    const swept: number[] = []
    for (const index of await hostIndexes()) {
      const layout = hostLayout(index)
      const record = await readRecord(layout)
      if (!(await isLeftover(layout, record))) continue
      const problems = await stopHost(layout, record)
      if (problems.length > 0) {
        // Its directory keeps the index reserved, so new hosts cannot collide with what is left of it.
        console.warn(`berth test hosts: leftover host ${index} (${layout.dir}) could not be removed: ${problems.join('; ')}.`)
        continue
      }
      await rm(layout.dir, {recursive: true, force: true})
      swept.push(index)
    }
    // A link whose host directory is gone was left by a crash between the two removals.
    const indexes = new Set(await hostIndexes())
    for (const link of await readdir('/sys/class/net')) {
      const index = link.startsWith(VETH_PREFIX) ? Number(link.slice(VETH_PREFIX.length)) : NaN
      if (Number.isInteger(index) && !indexes.has(index) && (await linkExists(link))) await run('ip', ['link', 'del', link])
    }
    if (indexes.size === 0) await releaseNetwork()
    return swept
  })
}

/** What the first host set up in the root namespace, taken back with the last; the seal stays while leases do. */
async function releaseNetwork(): Promise<void> {
  await releaseForwarding()
  if ((await liveSealLeases()).length === 0) await unsealTestRanges()
}

/**
 * Keep the test ranges sealed (seal.ts) without a host, for as long as the returned release is not called: for
 * simulators whose instances have addresses in a sealed range but no host behind them.
 */
export async function holdSeal(): Promise<() => Promise<void>> {
  await mkdir(STATE_ROOT, {recursive: true})
  const owner = await identify(process.pid)
  if (!owner) throw new Error('Cannot read this process in /proc.')
  const lease = join(STATE_ROOT, `seal-${process.pid}-${randomBytes(4).toString('hex')}`)
  await withLock(LOCK_PATH, async () => {
    await writeFile(lease, JSON.stringify(owner))
    await sealTestRanges()
  })
  return () => withLock(LOCK_PATH, async () => {
    await rm(lease, {force: true})
    if ((await hostIndexes()).length === 0 && (await liveSealLeases()).length === 0) await unsealTestRanges()
  })
}

/** Lease files of live processes; those of processes that died are removed. Call under the hosts' lock. */
async function liveSealLeases(): Promise<string[]> {
  const live: string[] = []
  for (const name of await readdir(STATE_ROOT).catch(() => [])) {
    if (!SEAL_LEASE.test(name)) continue
    const path = join(STATE_ROOT, name)
    const owner = await readFile(path, 'utf8').then((text) => JSON.parse(text) as ProcessIdentity, () => undefined)
    if (owner !== undefined && (await isAlive(owner))) live.push(name)
    else await rm(path, {force: true})
  }
  return live
}

async function isLeftover(layout: HostLayout, record: HostRecord | undefined): Promise<boolean> {
  if (record) return !(await isAlive(record.owner))
  try {
    return Date.now() - (await stat(layout.dir)).mtimeMs > UNRECORDED_GRACE_MS
  } catch {
    return false
  }
}

async function hostIndexes(): Promise<number[]> {
  try {
    return (await readdir(STATE_ROOT)).map(indexOfHostDir).filter((index): index is number => index !== undefined).sort((a, b) => a - b)
  } catch {
    return []
  }
}
