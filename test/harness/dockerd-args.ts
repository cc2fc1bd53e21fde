import {basename, join} from 'node:path'

export interface DockerdLayout {
  dir: string
  port: number
  storageDriver?: string | undefined
}

export const dockerdPaths = (dir: string) => ({
  socket: join(dir, 'docker.sock'),
  log: join(dir, 'dockerd.log'),
  pidfile: join(dir, 'dockerd.pid'),
  config: join(dir, 'daemon.json'),
  ca: join(dir, 'tls', 'ca.pem'),
  cert: join(dir, 'tls', 'server.pem'),
  key: join(dir, 'tls', 'server-key.pem'),
})

/**
 * dockerd's flags for a throwaway daemon that shares nothing with the machine's own Docker: every path inside
 * dir, no network changes, and cgroups under a parent named after dir so that teardown finds them.
 */
export function dockerdArgs(layout: DockerdLayout): string[] {
  const {dir, port} = layout
  const paths = dockerdPaths(dir)
  return [
    // Never read the machine's /etc/docker/daemon.json.
    `--config-file=${paths.config}`,
    `--data-root=${join(dir, 'data')}`,
    `--exec-root=${join(dir, 'exec')}`,
    `--pidfile=${paths.pidfile}`,
    `--host=unix://${paths.socket}`,
    `--host=tcp://127.0.0.1:${port}`,
    '--tlsverify',
    `--tlscacert=${paths.ca}`,
    `--tlscert=${paths.cert}`,
    `--tlskey=${paths.key}`,
    // No docker0 bridge, no iptables/ip6tables rules, no NAT: the machine's network stays as it was.
    '--bridge=none',
    '--iptables=false',
    '--ip6tables=false',
    '--ip-masq=false',
    // Lowering our own OOM score needs CAP_SYS_RESOURCE, which this sandbox lacks; 0 means "leave it".
    '--oom-score-adjust=0',
    // Container cgroups go under /NAME instead of the shared /docker, so teardown removes exactly ours.
    '--exec-opt=native.cgroupdriver=cgroupfs',
    `--cgroup-parent=/${basename(dir)}`,
    ...(layout.storageDriver === undefined ? [] : [`--storage-driver=${layout.storageDriver}`]),
  ]
}

/**
 * Run dockerd in a private mount namespace: the mounts it makes (overlay2, container root filesystems) are
 * invisible to the machine and vanish with its processes, and tmpfs over /run and /etc/docker keeps it
 * from writing /etc/docker/key.json and /run/docker/plugins on the machine, and from finding (and using)
 * the machine's containerd at /run/containerd/containerd.sock, so it always starts its own under exec-root.
 * `mount -n` keeps util-linux from creating /run/mount/utab before the tmpfs covers /run.
 */
export function namespacedCommand(dockerdPath: string, args: readonly string[]): {command: string; args: string[]} {
  const script = 'mount -n -t tmpfs -o mode=0755 berth-test-run /run && mount -n -t tmpfs -o mode=0700 berth-test-etc /etc/docker && exec "$@"'
  return {
    command: 'unshare',
    args: ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script, 'berth-test-dockerd', dockerdPath, ...args],
  }
}
