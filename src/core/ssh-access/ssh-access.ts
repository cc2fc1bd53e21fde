import {stat} from 'node:fs/promises'
import {lifecycleOf, type SshEndpoint} from '../../driver-kit/contract.js'
import {BerthError, errorMessage} from '../errors.js'
import {run} from '../fix.js'
import {openMachineSsh} from '../machine/machine-ssh.js'
import type {OpenMachine} from '../machine/open-machine.js'
import {hostId, KnownHosts} from '../ssh/known-hosts.js'
import {shellJoin} from '../ssh/shell-quote.js'
import type {StoreLayout} from '../store/layout.js'
import type {MachineConfig} from '../store/schema.js'

/** Everything an SSH client needs to reach one machine the way berth does: its key, and its pinned host key. */
export interface SshAccess {
  machine: string
  host: string
  port: number
  user: string
  /** Absolute path of the private key. */
  keyPath: string
  /** The machine's known_hosts, which holds the host key for host:port. */
  knownHostsPath: string
}

interface SshAccessOptions {
  signal: AbortSignal
  /** How long pinning a host key that is not pinned yet may wait for SSH. */
  pinTimeoutMs?: number
  /** For --debug. */
  log?: (line: string) => void
}

const PIN_TIMEOUT_MS = 20_000

/** Docker Machine's refusal ("Host is not running"), naming the state berth saw. */
class MachineNotRunningError extends BerthError {
  override readonly name = 'MachineNotRunningError'

  constructor(readonly machine: string, readonly state: string, driver: string, startable: boolean) {
    super(`Machine "${machine}" is not running (state: ${state}).`, {code: 'machine-not-running', data: {machine, state, driver, startable}, fixes: startable ? [run('start', machine), run('status', machine)] : []})
  }
}

/**
 * How to reach a running machine over SSH. The host key is pinned before anything else connects: a machine whose
 * known_hosts has no key for its address yet (a driver that never provisioned, a cleared file) gets it through
 * berth's own ssh2 connection, trust on first use, so the system ssh, scp or sshfs never meets an unknown key.
 */
export async function machineSshAccess(layout: StoreLayout, {config, driver, definition}: OpenMachine, options: SshAccessOptions): Promise<SshAccess> {
  const [state, live] = await Promise.all([driver.state(options.signal), driver.sshEndpoint(options.signal)])
  if (state !== 'Running') throw new MachineNotRunningError(config.name, state, definition.name, lifecycleOf(driver).start)
  const endpoint = live ?? storedEndpoint(layout, config)
  if (endpoint === undefined) {
    throw new BerthError(`Machine "${config.name}" cannot be reached over SSH: the ${definition.name} driver gives no SSH access.`, {code: 'ssh-failed'})
  }
  const machine = layout.machine(config.name)
  const knownHosts = new KnownHosts(machine.knownHosts)
  if ((await knownHosts.pinned(endpoint.host, endpoint.port)).length === 0) {
    options.log?.(`no host key pinned for ${hostId(endpoint.host, endpoint.port)} yet: pinning it over berth's own connection`)
    const session = await openMachineSsh(machine, endpoint, {timeoutMs: options.pinTimeoutMs ?? PIN_TIMEOUT_MS, signal: options.signal, mayBeBooting: false, settingFlags: definition.sshSettingFlags, ...(options.log ? {log: options.log} : {})})
    await session.close()
  }
  return {machine: config.name, host: endpoint.host, port: endpoint.port, user: endpoint.user, keyPath: endpoint.keyPath, knownHostsPath: machine.knownHosts}
}

/** What the last provisioning recorded, for drivers that cannot tell at the moment. */
function storedEndpoint(layout: StoreLayout, config: MachineConfig): SshEndpoint | undefined {
  if (config.ssh === undefined) return undefined
  return {...config.ssh, keyPath: layout.fromStored(config.ssh.keyPath)}
}

/**
 * OpenSSH ignores a private key that others may read ("UNPROTECTED PRIVATE KEY FILE") and then fails with a
 * vague "Permission denied": say what is wrong before running it.
 */
export async function checkKeyForOpenSsh(access: SshAccess): Promise<void> {
  let mode: number
  let uid: number
  try {
    ({mode, uid} = await stat(access.keyPath))
  } catch (error) {
    throw new BerthError(`The SSH key of machine "${access.machine}" cannot be read: ${errorMessage(error)}`, {code: 'ssh-failed', hint: 'Check the key path and its permissions.'})
  }
  // OpenSSH checks only keys owned by the user running it; so do we.
  if (uid === process.getuid?.() && (mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0')
    throw new BerthError(`Permissions ${octal} for the SSH key ${access.keyPath} are too open: ssh refuses a private key that others can read.`, {code: 'ssh-failed', hint: `Run: chmod 600 ${access.keyPath}`})
  }
}

/**
 * The command line the remote shell runs: one word is a command line as typed (pipes, globs and variables work,
 * as with ssh); several words are one command's arguments, each reaching it unchanged (`-- sh -c 'exit 7'`).
 * undefined (no words) means a login shell.
 */
export function remoteCommand(words: readonly string[]): string | undefined {
  if (words.length === 0) return undefined
  if (words.length === 1) return words[0]!
  return shellJoin(words)
}

interface OpenSshMode {
  /** Never prompt (passwords, passphrases): for commands, copies and mounts, where nobody may be there to answer. */
  batch: boolean
}

/**
 * OpenSSH options for one machine: its key only, its own known_hosts only, with strict checking — never Docker
 * Machine's StrictHostKeyChecking=no with /dev/null. The file is only read: OpenSSH never adds keys to it.
 */
export function openSshOptions(access: SshAccess, mode: OpenSshMode): Array<[string, string]> {
  return [
    ['Port', String(access.port)],
    ['User', access.user],
    ['IdentityFile', access.keyPath],
    ['IdentitiesOnly', 'yes'],
    ['UserKnownHostsFile', access.knownHostsPath],
    ['GlobalKnownHostsFile', '/dev/null'],
    ['StrictHostKeyChecking', 'yes'],
    ['UpdateHostKeys', 'no'],
    ['CheckHostIP', 'no'],
    ['PreferredAuthentications', 'publickey'],
    ['PasswordAuthentication', 'no'],
    ['KbdInteractiveAuthentication', 'no'],
    ['ControlMaster', 'no'],
    ['ControlPath', 'none'],
    ['ConnectTimeout', '10'],
    ['ServerAliveInterval', '60'],
    // ERROR keeps the host-key refusal and connection errors, and drops the informational chatter.
    ['LogLevel', 'ERROR'],
    ['BatchMode', mode.batch ? 'yes' : 'no'],
  ]
}

/**
 * A value as OpenSSH's option parser reads it back: '%' and '~' would be expanded in file options, and
 * whitespace would split a list of files, so such values are escaped and quoted. A double quote or a backslash
 * cannot be passed reliably, so berth refuses rather than have ssh read another path.
 */
export function openSshValue(value: string): string {
  if (/["\\\n\r]/.test(value)) throw new BerthError(`Cannot pass ${JSON.stringify(value)} to ssh: it contains a double quote, a backslash or a line break.`, {code: 'ssh-failed'})
  const escaped = value.replaceAll('%', '%%')
  return /[\s#']/.test(escaped) ? `"${escaped}"` : escaped
}

interface SshCommandOptions extends OpenSshMode {
  /** The remote command line; a login shell when undefined. */
  command?: string
  /** 'auto': a terminal when stdin is one (ssh -t); 'force': always (ssh -tt), for full-screen programs; 'none'. */
  tty: 'auto' | 'force' | 'none'
  /** The user's own ssh options (openSshClientWords), before berth's settings so that theirs win. */
  clientWords?: readonly string[]
}

/** Arguments for the system ssh client. "--" keeps a remote command that starts with "-" from being read as an option. */
export function sshArgs(access: SshAccess, options: SshCommandOptions): string[] {
  const tty = {auto: ['-t'], force: ['-tt'], none: []}[options.tty]
  return [
    '-F', '/dev/null',
    ...tty,
    ...(options.clientWords ?? []),
    ...openSshOptions(access, options).flatMap(([key, value]) => ['-o', `${key}=${openSshValue(value)}`]),
    '--', access.host,
    ...(options.command === undefined ? [] : [options.command]),
  ]
}

/**
 * An ssh_config file with one Host block per machine, named after the machine, for tools that talk to several
 * hosts through one ssh command line (scp -3 between two machines, rsync -e).
 */
export function sshConfigFile(machines: readonly SshAccess[], mode: OpenSshMode): string {
  const blocks = machines.map((access) => [
    `Host ${access.machine}`,
    `  HostName ${openSshValue(access.host)}`,
    ...openSshOptions(access, mode).map(([key, value]) => `  ${key} ${openSshValue(value)}`),
  ].join('\n'))
  return `# Written by berth for one command; removed when it ends.\n${blocks.join('\n\n')}\n`
}
