import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import type {Hierarchy} from './cgroups.js'
import type {HostLayout} from './layout.js'
import {runOk, shellCommand} from './run.js'

/** How much the host may write outside /var/lib/docker (the overlay's upper layer is a tmpfs). */
const UPPER_SIZE = '1g'

type Argv = readonly string[]

/**
 * Build the host's root in the holder's mount namespace, once per host (reboots keep it): an overlay of the
 * machine's / whose writes land in a tmpfs (an upper dir on the same disk as / would overlap the lower one),
 * the host's own sysfs, cgroup trees, /dev and devpts, and /var/lib/docker bound from a disk directory
 * (overlay2 cannot work on top of overlayfs).
 */
export async function buildRoot(layout: HostLayout, holderPid: number, hierarchies: readonly Hierarchy[], hostname: string): Promise<void> {
  const steps: Argv[] = [
    ...await foreignNamespaceMounts(holderPid),
    ...overlay(layout),
    ['mount', '-t', 'sysfs', '-o', 'nosuid,nodev,noexec', 'sysfs', join(layout.root, 'sys')],
    ...cgroupTrees(layout.root, hierarchies),
    ...devices(join(layout.root, 'dev')),
    // The machine need not have run docker yet.
    ['mkdir', '-p', join(layout.root, 'var/lib/docker')],
    ['mount', '--bind', layout.dockerDir, join(layout.root, 'var/lib/docker')],
    ['hostname', hostname],
  ]
  await runOk('nsenter', ['-t', String(holderPid), '-m', '-n', '-u', '-i', '-C', '--', 'sh', '-ec', steps.map(shellCommand).join('\n')])
}

/**
 * The holder's mount namespace started as a copy of the root one, with the nsfs mounts that keep other
 * network namespaces alive (ip netns, other tools' hosts); a copy here would keep them alive after their
 * owners remove them.
 */
async function foreignNamespaceMounts(holderPid: number): Promise<Argv[]> {
  const mountInfo = await readFile(`/proc/${holderPid}/mountinfo`, 'utf8')
  return mountInfo.split('\n')
    .filter((line) => line.split(' - ')[1]?.startsWith('nsfs '))
    .map((line) => line.split(' ')[4] ?? '')
    .filter(Boolean)
    .sort((a, b) => b.length - a.length)
    .map((target) => ['umount', '-l', target.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8)))])
}

function overlay(layout: HostLayout): Argv[] {
  const {layers, root} = layout
  return [
    ['mkdir', '-p', layers],
    ['mount', '-t', 'tmpfs', '-o', `mode=0755,size=${UPPER_SIZE}`, `berth-testhost-${layout.index}`, layers],
    ['mkdir', join(layers, 'upper'), join(layers, 'work'), root],
    ['mount', '-t', 'overlay', '-o', `lowerdir=/,upperdir=${join(layers, 'upper')},workdir=${join(layers, 'work')}`, `berth-testhost-${layout.index}`, root],
  ]
}

/** The host sees each hierarchy mounted afresh from inside its cgroup namespace: its own cgroup is the root. */
function cgroupTrees(root: string, hierarchies: readonly Hierarchy[]): Argv[] {
  const base = '/sys/fs/cgroup'
  const steps: Argv[] = []
  if (hierarchies.some((hierarchy) => hierarchy.mountPoint.startsWith(`${base}/`))) {
    steps.push(['mount', '-t', 'tmpfs', '-o', 'mode=0755,nosuid,nodev,noexec', 'cgroup', join(root, base)])
  }
  for (const hierarchy of hierarchies) {
    const target = join(root, hierarchy.mountPoint)
    steps.push(['mkdir', '-p', target], ['mount', '-t', hierarchy.fsType, '-o', hierarchy.mountOptions, 'cgroup', target])
  }
  return steps
}

/** A minimal /dev; console is a null device so that nothing inside reaches the machine's real console. */
function devices(dev: string): Argv[] {
  const nodes: [name: string, mode: string, major: number, minor: number][] = [
    ['null', '666', 1, 3], ['zero', '666', 1, 5], ['full', '666', 1, 7], ['random', '666', 1, 8],
    ['urandom', '666', 1, 9], ['tty', '666', 5, 0], ['console', '600', 1, 3], ['net/tun', '666', 10, 200],
    ['fuse', '666', 10, 229],
  ]
  const links: [name: string, target: string][] = [
    ['fd', '/proc/self/fd'], ['stdin', '/proc/self/fd/0'], ['stdout', '/proc/self/fd/1'], ['stderr', '/proc/self/fd/2'],
    ['core', '/proc/kcore'], ['ptmx', 'pts/ptmx'],
  ]
  return [
    ['mount', '-t', 'tmpfs', '-o', 'mode=0755,nosuid,size=16m', 'dev', dev],
    ['mkdir', '-m', '0755', join(dev, 'net'), join(dev, 'pts'), join(dev, 'mqueue')],
    ['mkdir', '-m', '1777', join(dev, 'shm')],
    ...nodes.map(([name, mode, major, minor]): Argv => ['mknod', '-m', mode, join(dev, name), 'c', String(major), String(minor)]),
    ...links.map(([name, target]): Argv => ['ln', '-s', target, join(dev, name)]),
    ['mount', '-t', 'devpts', '-o', 'newinstance,ptmxmode=0666,mode=0620,gid=5,nosuid,noexec', 'devpts', join(dev, 'pts')],
    ['mount', '-t', 'tmpfs', '-o', 'mode=1777,nosuid,nodev', 'shm', join(dev, 'shm')],
    ['mount', '-t', 'mqueue', '-o', 'nosuid,nodev,noexec', 'mqueue', join(dev, 'mqueue')],
  ]
}
