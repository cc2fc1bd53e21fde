import {readFile, readdir, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {basename, join} from 'node:path'
import {killCgroupProcesses, removeCgroups} from './cgroups.js'
import {dockerdPaths} from './dockerd-args.js'
import {unmountUnder} from './mounts.js'
import {listProcesses, readProcess, relatedProcesses, signalAll, waitForExit, type ProcessEntry} from './processes.js'

/** Every test daemon lives in a temp dir with this prefix; its base name is also its cgroup parent. */
export const DOCKERD_DIR_PREFIX = 'berth-test-dockerd-'

/** Who started a daemon, so that a later run can tell a crashed owner's leftovers from a live neighbour's. */
export interface DockerdOwner {
  pid: number
  startTime: number
}

export const OWNER_FILE = 'owner.json'

/**
 * Stop a test daemon and remove every trace of it (see stopDockerdProcesses and removeDockerdTraces).
 * beforeRemoval runs between the two, when the log is complete and still on disk.
 */
export async function tearDownDockerd(dir: string, options: {pid?: number | undefined; graceMs: number; beforeRemoval?: () => Promise<void>}): Promise<void> {
  await stopDockerdProcesses(dir, options)
  await options.beforeRemoval?.()
  await removeDockerdTraces(dir)
}

/**
 * SIGKILL the containers (a test daemon's data is thrown away, and dockerd would give each one 10 s to stop),
 * SIGTERM dockerd (it then stops containerd and the shims), SIGKILL it after graceMs, and finally SIGKILL
 * whatever is left that belongs to the dir.
 */
export async function stopDockerdProcesses(dir: string, options: {pid?: number | undefined; graceMs: number}): Promise<void> {
  const roots = options.pid === undefined ? [] : [options.pid]
  const before = relatedProcesses(await listProcesses(), dir, roots)
  await killCgroupProcesses(basename(dir))
  if (options.pid !== undefined && options.graceMs > 0) {
    signalAll([options.pid], 'SIGTERM')
    await waitForExit([options.pid], options.graceMs)
  }
  const leftovers = survivors(before, await listProcesses(), dir)
  signalAll(leftovers, 'SIGKILL')
  const stuck = await waitForExit(leftovers, 10_000)
  if (stuck.length > 0) throw new Error(`Test dockerd in ${dir}: processes ${stuck.join(', ')} survived SIGKILL.`)
}

/** Remove the daemon's cgroups, unmount anything still visible below the dir, and delete the dir. */
export async function removeDockerdTraces(dir: string): Promise<void> {
  await removeCgroups(basename(dir))
  const mounted = await unmountUnder(dir)
  // Deleting through a live mount could reach files outside the dir (a bind mount of a host path).
  if (mounted.length > 0) throw new Error(`Test dockerd in ${dir}: still mounted after umount -l: ${mounted.join(', ')}; the dir was kept.`)
  await rm(dir, {recursive: true, force: true})
}

/**
 * Tear down the daemons of earlier runs whose owner process is gone (a test run killed before its cleanup),
 * leaving those of live owners (a suite running in parallel) alone.
 */
export async function sweepOrphanedDockerds(): Promise<string[]> {
  const root = tmpdir()
  const swept: string[] = []
  for (const name of await readdir(root)) {
    if (!name.startsWith(DOCKERD_DIR_PREFIX)) continue
    const dir = join(root, name)
    if (!(await isOrphaned(dir))) continue
    await tearDownDockerd(dir, {pid: await daemonPid(dir), graceMs: 2_000})
    swept.push(dir)
  }
  return swept
}

async function isOrphaned(dir: string): Promise<boolean> {
  let owner: DockerdOwner
  try {
    owner = JSON.parse(await readFile(join(dir, OWNER_FILE), 'utf8')) as DockerdOwner
  } catch {
    // No owner file: either being created right now, or a start that crashed at once; give it a minute.
    try {
      return Date.now() - (await stat(dir)).mtimeMs > 60_000
    } catch {
      return false
    }
  }
  const current = await readProcess(owner.pid)
  return current === undefined || current.startTime !== owner.startTime
}

/** The pid in the dir's pidfile, if that process is still the dir's dockerd (not a reused pid). */
async function daemonPid(dir: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(dockerdPaths(dir).pidfile, 'utf8')).trim())
    const entry = await readProcess(pid)
    return entry?.cmdline.includes(dir) ? pid : undefined
  } catch {
    return undefined
  }
}

/** Processes still alive now that belonged to the daemon: the same pid and start time as before, or naming the dir. */
function survivors(before: readonly ProcessEntry[], now: readonly ProcessEntry[], dir: string): number[] {
  const known = new Map(before.map((entry) => [entry.pid, entry.startTime]))
  const roots = now.filter((entry) => known.get(entry.pid) === entry.startTime).map((entry) => entry.pid)
  return relatedProcesses(now, dir, roots).map((entry) => entry.pid)
}
