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
  /** Whether the host is up: booted, not powered off, not halted. */
  readonly running: boolean
  /**
   * Shut the host down and keep its disk, as a cloud VM that is stopped: clean (systemd stops its units first)
   * or hard (a pulled plug). Its address stays but nothing answers there. Resolves when its PID 1 has gone.
   */
  powerOff(options?: {hard?: boolean}): Promise<void>
  /** Boot a powered-off host again; resolves when it is ready (sshd answering, unless delaySshMs). */
  powerOn(): Promise<void>
  /**
   * Give the running host the address 10.232.N.<last> (4-254, outside its /30) instead of its current one, as a
   * cloud VM may get a new public IP after a stop and start; `ip` then names the new address. Returns it.
   */
  moveAddress(last: number): Promise<string>
  /**
   * Answer on one more IPv4 address besides `ip`, as a VM on a host-only network answers on its static address
   * there; reachable from this machine (the root namespace routes it to the host) until the host is removed.
   */
  addAddress(address: string): Promise<void>
  stopSsh(): Promise<void>
  /** Start sshd and wait until it answers. */
  startSsh(): Promise<void>
  /** Remove the host and everything it left on the machine. */
  down(): Promise<void>
}
