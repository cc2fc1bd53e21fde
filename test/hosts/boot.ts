import type {ChildProcess} from 'node:child_process'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {spawnInCgroups} from './gate.js'
import {HOST_PATH, type HostLayout} from './layout.js'
import {childPids, identify, type ProcessIdentity} from './processes.js'
import {shellCommand} from './run.js'
import type {HostInit} from './types.js'

export interface BootPlan {
  init: HostInit
  /** sysv: start sshd from the boot script (systemd decides by its unit being wanted). */
  sshAtBoot: boolean
  /** sysv: start dockerd from the boot script. */
  startDocker: boolean
}

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

/** One boot of a host: the `unshare --pid` launcher, the host's PID 1 below it, and how the boot ended. */
export interface Boot {
  launcher: ChildProcess
  launcherIdentity: ProcessIdentity
  init: ProcessIdentity
  exit: Promise<Exit>
  /** How the boot ended, once it has. */
  ended?: Exit
}

/**
 * PID 1's first steps, in a fresh PID and mount namespace made from the holder's: a /proc for the new PID
 * namespace, and a /run and /tmp that start empty on every boot (a /run/systemd/system left on the machine's
 * disk would make `service` believe systemd runs); then the overlay becomes / and the old root goes. Then
 * systemd takes over, or the sysv-style boot starts its services and leaves tini as PID 1 to reap orphans.
 */
export function bootScript(layout: HostLayout, plan: BootPlan): string {
  const root = layout.root
  const env = ['env', '-i', `PATH=${HOST_PATH}`, 'LANG=C.UTF-8', 'HOME=/root']
  const lines = [
    'set -e',
    shellCommand(['mount', '-t', 'proc', '-o', 'nosuid,nodev,noexec', 'proc', join(root, 'proc')]),
    shellCommand(['mount', '-t', 'tmpfs', '-o', 'mode=0755,nosuid,nodev,size=256m', 'run', join(root, 'run')]),
    shellCommand(['mkdir', '-m', '1777', join(root, 'run/lock')]),
    shellCommand(['mkdir', '-m', '0755', join(root, 'run/sshd')]),
    shellCommand(['mount', '-t', 'tmpfs', '-o', 'mode=1777,nosuid,nodev', 'tmp', join(root, 'tmp')]),
    shellCommand(['cd', root]),
    // pivot_root with new and old root the same: the old root lands on top of the new one and is detached.
    'pivot_root . .',
    'umount -l .',
    'cd /',
  ]
  if (plan.init === 'systemd') {
    lines.push(shellCommand(['exec', 'env', '-i', 'container=berth-testhost', `PATH=${HOST_PATH}`, 'LANG=C.UTF-8', '/lib/systemd/systemd']))
  } else {
    if (plan.sshAtBoot) lines.push(shellCommand([...env, '/etc/init.d/ssh', 'start']))
    // Judge by the socket later: the init script also complains about cgroup hierarchies it may not mount.
    if (plan.startDocker) lines.push(`${shellCommand([...env, 'service', 'docker', 'start'])} >/var/log/berth-testhost-docker.log 2>&1 || true`)
    lines.push(shellCommand(['exec', ...env, 'tini', '--', 'sleep', 'infinity']))
  }
  return lines.join('\n')
}

/** Start a boot of the host in the holder's namespaces and the host's cgroups; resolves once PID 1 exists. */
export async function startBoot(layout: HostLayout, cgroups: readonly string[], holderPid: number, script: string, consoleFd: number): Promise<Boot> {
  const launcher = await spawnInCgroups(cgroups, [
    'nsenter', '-t', String(holderPid), '-m', '-u', '-i', '-n', '-C', '--',
    'unshare', '--pid', '--mount', '--fork', '--propagation', 'private', '--',
    'sh', '-c', script, `berth-testhost-${layout.index}-boot`,
  ], consoleFd)
  let ended: Exit | undefined
  const exit = new Promise<Exit>((resolve) => {
    launcher.once('exit', (code, signal) => {
      ended = {code, signal}
      resolve(ended)
    })
  })
  const launcherIdentity = await identify(launcher.pid!)
  for (let i = 0; i < 400 && !ended; i++) {
    const [pid] = await childPids(launcher.pid!)
    const init = pid === undefined ? undefined : await identify(pid)
    if (launcherIdentity && init) {
      const boot: Boot = {launcher, launcherIdentity, init, exit}
      void exit.then((status) => {
        boot.ended = status
      })
      return boot
    }
    await sleep(10)
  }
  launcher.kill('SIGKILL')
  throw new Error(ended ? `Host ${layout.index}: the boot ended at once.` : `Host ${layout.index}: PID 1 did not start.`)
}
