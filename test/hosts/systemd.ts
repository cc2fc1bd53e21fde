import {mkdir, readdir, symlink} from 'node:fs/promises'
import {join} from 'node:path'
import {removeHostPaths} from './files.js'

/**
 * Units that must not run in a namespace host: udev would replay the machine's real devices, the network
 * managers would reconfigure eth0 (set up from outside), gettys and kernel mounts have nothing to work on.
 */
const MASKED_UNITS = [
  'console-getty.service', 'container-getty@.service', 'getty@tty1.service', 'serial-getty@.service',
  'systemd-remount-fs.service', 'systemd-modules-load.service', 'sys-kernel-config.mount', 'sys-kernel-debug.mount',
  'sys-kernel-tracing.mount', 'sys-fs-fuse-connections.mount', 'systemd-networkd.service', 'systemd-networkd.socket',
  'systemd-networkd-wait-online.service', 'networking.service', 'NetworkManager.service', 'systemd-resolved.service',
  'systemd-udevd.service', 'systemd-udevd-control.socket', 'systemd-udevd-kernel.socket', 'systemd-udev-trigger.service',
  'systemd-udev-settle.service',
]

/** Services the machine enables that a fresh server would not run. */
const UNWANTED = ['multi-user.target.wants/postgresql.service', 'multi-user.target.wants/e2scrub_reap.service']
const ENGINE_WANTS = ['multi-user.target.wants/docker.service', 'multi-user.target.wants/containerd.service', 'sockets.target.wants/docker.socket']

export interface SystemdSetup {
  /** dockerd starts at boot (docker.service and docker.socket enabled). */
  startDocker: boolean
  /** sshd starts at boot; when false, the pool starts it later. */
  sshAtBoot: boolean
}

/** Adjust the host's /etc/systemd/system so that systemd boots cleanly as the host's PID 1. */
export async function prepareSystemd(root: string, setup: SystemdSetup): Promise<void> {
  const units = join(root, '/etc/systemd/system')
  const timers = await entries(join(units, 'timers.target.wants'))
  await removeHostPaths(root, [
    ...UNWANTED, ...ENGINE_WANTS, ...timers.map((timer) => `timers.target.wants/${timer}`),
    ...(setup.sshAtBoot ? [] : ['multi-user.target.wants/ssh.service']),
  ].map((path) => `/etc/systemd/system/${path}`))
  for (const unit of MASKED_UNITS) {
    await removeHostPaths(root, [`/etc/systemd/system/${unit}`])
    await symlink('/dev/null', join(units, unit))
  }
  if (setup.startDocker) {
    for (const wants of ['multi-user.target.wants', 'sockets.target.wants']) await mkdir(join(units, wants), {recursive: true})
    await symlink('/lib/systemd/system/docker.service', join(units, 'multi-user.target.wants/docker.service'))
    await symlink('/lib/systemd/system/docker.socket', join(units, 'sockets.target.wants/docker.socket'))
  }
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir)
  } catch {
    return []
  }
}
