import {readlink} from 'node:fs/promises'
import {spawnInCgroups} from './gate.js'
import type {HostLayout} from './layout.js'
import {commandName, identify, type ProcessIdentity} from './processes.js'
import {waitUntil} from './readiness.js'

/**
 * Start the process that holds the host's network, mount, UTS, IPC and cgroup namespaces for its whole life,
 * across reboots: the host's disk state (an overlay on a tmpfs) lives in its mount namespace. The network
 * namespace is unnamed, so it disappears with the host's last process and leaves nothing in /run/netns.
 */
export async function startHolder(layout: HostLayout, cgroups: readonly string[]): Promise<ProcessIdentity> {
  const child = await spawnInCgroups(cgroups, [
    'unshare', '--net', '--mount', '--uts', '--ipc', '--cgroup', '--propagation', 'private', '--',
    // Named in ps after its host; it only sleeps.
    'bash', '-c', 'exec -a "$0" sleep infinity', `berth-testhost-${layout.index}-holder`,
  ], 'ignore')
  const pid = child.pid!
  const ownMountNamespace = await readlink('/proc/self/ns/mnt')
  await waitUntil(`Host ${layout.index}: namespace holder`, async () => {
    try {
      return (await commandName(pid)) === 'sleep' && (await readlink(`/proc/${pid}/ns/mnt`)) !== ownMountNamespace
    } catch {
      return false
    }
  }, {timeoutMs: 10_000, abandon: () => (child.exitCode ?? child.signalCode) === null ? undefined : 'it exited'})
  const identity = await identify(pid)
  if (!identity) throw new Error(`Host ${layout.index}: the namespace holder exited.`)
  return identity
}
