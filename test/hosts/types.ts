/** How the host's PID 1 runs its services. */
export type HostInit = 'systemd' | 'sysv'

export interface HostOptions {
  /** systemd: real systemd as PID 1 (systemctl, drop-ins, `reboot` inside). sysv: tini as PID 1, services via /etc/init.d. */
  init: HostInit
  /** Also create this NOPASSWD-sudo user, authorised with the same keys as root. */
  user?: string
  /** An extra public key (authorized_keys line) for root and the user, besides the host's own generated key. */
  authorizedKey?: string
  /** dockerd is already running when up() returns, as right after a distro install. */
  startDocker?: boolean
  /** Hide the engine (dockerd, docker, containerd, runc, their units and init scripts), as on a fresh server. */
  withoutDocker?: boolean
  /** sshd starts this long after each boot; up() returns before that. */
  delaySshMs?: number
}

export interface ExecResult {
  code: number
  stdout: string
  stderr: string
}

export interface ExecOptions {
  input?: string
  timeoutMs?: number
}

export interface TestHost {
  readonly name: string
  /** The host's address on its own /30; reachable from the root namespace and from other hosts. */
  readonly ip: string
  /** The root namespace's end of the host's link: a server listening here is reachable from inside the host. */
  readonly gateway: string
  readonly sshPort: 22
  /** The user to log in as: `options.user`, or root. */
  readonly user: string
  readonly init: HostInit
  /** The host's own generated key (OpenSSH private key text), authorised for root and the user. */
  readonly privateKey: string
  readonly privateKeyPath: string
  /** How many times the host has booted: 1 after up(), one more per reboot. */
  readonly boots: number
  /** Run a shell command inside the host as root, from outside (no SSH). */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>
  /** Restart the host (systemd: a clean `systemctl reboot`) with the same disk state; resolves when it is ready again. */
  reboot(): Promise<void>
  stopSsh(): Promise<void>
  /** Start sshd and wait until it answers. */
  startSsh(): Promise<void>
  /** Remove the host and everything it left on the machine. */
  down(): Promise<void>
}
