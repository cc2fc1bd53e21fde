import {readFile, readdir, rmdir, writeFile, mkdir} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {signalAll, waitForExit} from '../harness/processes.js'

/** One mounted cgroup hierarchy and where the calling process sits in it. */
export interface Hierarchy {
  mountPoint: string
  fsType: 'cgroup' | 'cgroup2'
  /** Options to mount the same hierarchy again inside a host. */
  mountOptions: string
  ownPath: string
}

// Options that only make sense in the initial cgroup namespace, or that a second mount may not repeat.
const UNREPEATABLE_OPTIONS = new Set(['nsdelegate', 'memory_recursiveprot'])
const NON_CONTROLLER_OPTIONS = new Set(['rw', 'ro', 'noprefix', 'clone_children', 'xattr', 'cpuset_v2_mode', 'favordynmods'])

/** Every cgroup hierarchy mounted here (v1 controllers, name=systemd, the v2 tree), each once. */
export async function cgroupHierarchies(): Promise<Hierarchy[]> {
  const memberships = (await readFile('/proc/self/cgroup', 'utf8')).split('\n').filter(Boolean).map((line) => {
    const [id = '', controllers = '', ...path] = line.split(':')
    return {id, controllers: controllers.split(',').filter(Boolean), path: path.join(':')}
  })
  const seen = new Set<string>()
  const found: Hierarchy[] = []
  for (const line of (await readFile('/proc/self/mountinfo', 'utf8')).split('\n')) {
    const [pre = '', post = ''] = line.split(' - ')
    const [, , , root, mountPoint] = pre.split(' ')
    const [fsType, , superOptions = ''] = post.split(' ')
    if ((fsType !== 'cgroup' && fsType !== 'cgroup2') || root !== '/' || mountPoint === undefined) continue
    const options = superOptions.split(',')
    const controllers = options.filter((option) => !NON_CONTROLLER_OPTIONS.has(option) && !option.startsWith('release_agent='))
    const membership = fsType === 'cgroup2'
      ? memberships.find((entry) => entry.id === '0')
      : memberships.find((entry) => entry.controllers.length > 0 && entry.controllers.every((controller) => controllers.includes(controller)))
    if (!membership || seen.has(membership.id)) continue
    seen.add(membership.id)
    found.push({
      mountPoint: unescapeMountPath(mountPoint),
      fsType,
      mountOptions: options.filter((option) => !UNREPEATABLE_OPTIONS.has(option)).join(','),
      ownPath: membership.path,
    })
  }
  return found
}

/** The host's cgroup in a hierarchy: a child of the caller's, so that the caller's limits still apply. */
export function hostCgroupDir(hierarchy: Hierarchy, leaf: string): string {
  return join(hierarchy.mountPoint, hierarchy.ownPath, leaf)
}

/** Create the host's cgroup in every hierarchy. */
export async function createHostCgroups(hierarchies: readonly Hierarchy[], leaf: string): Promise<void> {
  for (const hierarchy of hierarchies) {
    const dir = hostCgroupDir(hierarchy, leaf)
    await mkdir(dir, {recursive: true})
    if (hierarchy.fsType === 'cgroup' && hierarchy.mountOptions.split(',').includes('cpuset')) {
      // A v1 cpuset cgroup starts with no CPUs and takes no processes until given some; children inherit them.
      const parent = dirname(dir)
      for (const file of ['cpuset.cpus', 'cpuset.mems']) await writeFile(join(dir, file), await readFile(join(parent, file), 'utf8'))
      await writeFile(join(dir, 'cgroup.clone_children'), '1')
    }
  }
}

export async function joinCgroups(pid: number, dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) await writeFile(join(dir, 'cgroup.procs'), String(pid))
}

/** SIGKILL every process in the cgroup trees until none is left; returns the pids that would not go. */
export async function killCgroupMembers(dirs: readonly string[], timeoutMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const pids = new Set<number>()
    for (const dir of dirs) for (const pid of await membersBelow(dir)) pids.add(pid)
    if (pids.size === 0) return []
    signalAll(pids, 'SIGKILL')
    const stuck = await waitForExit([...pids], Math.max(0, deadline - Date.now()))
    if (Date.now() >= deadline) return stuck
  }
}

/** Remove the cgroup trees, children first; returns those that could not be removed. */
export async function removeCgroupDirs(dirs: readonly string[], timeoutMs = 5_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs
  const left: string[] = []
  for (const dir of dirs) {
    // A cgroup stays busy for a moment after its last process has died.
    while (!(await removeTree(dir)) && Date.now() < deadline) await sleep(50)
    if (!(await removeTree(dir))) left.push(dir)
  }
  return left
}

async function membersBelow(dir: string): Promise<number[]> {
  const pids: number[] = []
  try {
    pids.push(...(await readFile(join(dir, 'cgroup.procs'), 'utf8')).split('\n').filter(Boolean).map(Number))
    for (const entry of await readdir(dir, {withFileTypes: true})) {
      if (entry.isDirectory()) pids.push(...await membersBelow(join(dir, entry.name)))
    }
  } catch {
    // Removed meanwhile.
  }
  return pids
}

/** true once dir is gone. A cgroup directory holds only virtual files, so rmdir removes it, children first. */
async function removeTree(dir: string): Promise<boolean> {
  try {
    for (const entry of await readdir(dir, {withFileTypes: true})) {
      if (entry.isDirectory() && !(await removeTree(join(dir, entry.name)))) return false
    }
    await rmdir(dir)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT'
  }
}

function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(parseInt(octal, 8)))
}
