import {readFile, readdir, rmdir, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {signalAll, waitForExit} from './processes.js'

const CGROUP_ROOT = '/sys/fs/cgroup'

/**
 * Every directory for the top-level cgroup `name`: one per v1 hierarchy (/sys/fs/cgroup/memory/NAME, ...),
 * the v2 one in hybrid mode (/sys/fs/cgroup/unified/NAME), or /sys/fs/cgroup/NAME on a pure v2 host.
 */
export async function cgroupDirs(name: string): Promise<string[]> {
  const roots = [CGROUP_ROOT]
  try {
    for (const entry of await readdir(CGROUP_ROOT, {withFileTypes: true})) {
      // v1 hierarchies are mount points below the root; the symlinks (cpu -> cpu,cpuacct) repeat them.
      if (entry.isDirectory()) roots.push(join(CGROUP_ROOT, entry.name))
    }
  } catch {
    return []
  }
  const found: string[] = []
  for (const root of roots) {
    const candidate = join(root, name)
    if (await isDir(candidate)) found.push(candidate)
  }
  return found
}

/** SIGKILL every process in the cgroup trees `name` and wait until they are gone. */
export async function killCgroupProcesses(name: string): Promise<void> {
  const pids = new Set<number>()
  for (const dir of await cgroupDirs(name)) for (const pid of await procsBelow(dir)) pids.add(pid)
  if (pids.size === 0) return
  signalAll(pids, 'SIGKILL')
  await waitForExit([...pids], 5_000)
}

/** Kill every process in the cgroup trees `name` and remove the (then empty) cgroup directories. */
export async function removeCgroups(name: string): Promise<void> {
  await killCgroupProcesses(name)
  for (const dir of await cgroupDirs(name)) await removeTree(dir)
}

async function procsBelow(dir: string): Promise<number[]> {
  const pids: number[] = []
  try {
    const text = await readFile(join(dir, 'cgroup.procs'), 'utf8')
    pids.push(...text.split('\n').filter(Boolean).map(Number))
    for (const entry of await readdir(dir, {withFileTypes: true})) {
      if (entry.isDirectory()) pids.push(...await procsBelow(join(dir, entry.name)))
    }
  } catch {
    // Removed meanwhile.
  }
  return pids
}

// A cgroup directory holds only virtual files: it is removed with rmdir, children first.
async function removeTree(dir: string): Promise<void> {
  try {
    for (const entry of await readdir(dir, {withFileTypes: true})) {
      if (entry.isDirectory()) await removeTree(join(dir, entry.name))
    }
    await rmdir(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory()
  } catch {
    return false
  }
}
