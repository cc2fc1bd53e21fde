import {existsSync} from 'node:fs'
import {createConnection, isIPv6} from 'node:net'
import {homedir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {checkHostAddress, type Driver, HostUnreachableError, type DriverSetup, type FlagValues, type MachineState, type OperationContext, readUserSshKey, type SshEndpoint, UsageError, type UserSshKey} from '../../src/driver-kit/index.js'

export interface GenericSettings {
  ipAddress: string
  sshUser: string
  sshKeyPath: string
  /** The key the user gave, once sshKeyPath is the machine's copy of it (Docker Machine's SSHKey). */
  sshKeyOrigin?: string
  sshPort: number
  enginePort: number
}

/**
 * Settings from create's flags (defaults applied) or from the state a machine stored; both use the same keys. A
 * relative key path is taken from keyBase: the working directory for a flag, the machine's directory for its state.
 */
export function genericSettings(values: FlagValues | Record<string, unknown>, env: NodeJS.ProcessEnv, keyBase: string, defaultEnginePort: number): GenericSettings {
  const pick = (flag: string, key: string): unknown => values[flag] ?? values[key]
  const ipAddress = pick('generic-ip-address', 'ipAddress')
  if (typeof ipAddress !== 'string' || ipAddress.trim() === '') {
    throw new UsageError('The generic driver needs the server\'s address.', {hint: 'Pass --generic-ip-address ADDRESS (or set GENERIC_IP_ADDRESS).'})
  }
  const sshUser = pick('generic-ssh-user', 'sshUser') ?? 'root'
  const sshPort = pick('generic-ssh-port', 'sshPort') ?? 22
  const enginePort = pick('generic-engine-port', 'enginePort') ?? defaultEnginePort
  for (const [flag, port] of [['--generic-ssh-port', sshPort], ['--generic-engine-port', enginePort]] as const) {
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`${flag} must be a port number from 1 to 65535.`)
  }
  if (typeof sshUser !== 'string' || !/^[a-z_][a-z0-9_.-]*$/i.test(sshUser)) throw new UsageError(`--generic-ssh-user ${JSON.stringify(sshUser)} is not a user name.`)
  const origin = values.sshKeyOrigin
  return {
    ipAddress: checkHostAddress('--generic-ip-address', ipAddress.trim()),
    sshUser,
    sshKeyPath: sshKeyPath(pick('generic-ssh-key', 'sshKeyPath'), env, keyBase),
    ...(typeof origin === 'string' ? {sshKeyOrigin: origin} : {}),
    sshPort: sshPort as number,
    enginePort: enginePort as number,
  }
}

function sshKeyPath(given: unknown, env: NodeJS.ProcessEnv, keyBase: string): string {
  if (typeof given === 'string' && given !== '') return resolve(keyBase, given)
  const home = env.HOME ?? homedir()
  const found = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((name) => join(home, '.ssh', name)).find((path) => existsSync(path))
  if (found === undefined) throw new UsageError('No SSH key for the generic driver.', {hint: 'Pass --generic-ssh-key PATH (no ~/.ssh/id_ed25519, id_ecdsa or id_rsa exists).'})
  return found
}

/** A server that exists already: create makes nothing, rm leaves it running, restart reboots it over SSH. */
export class GenericDriver implements Driver {
  /** The user's key as the pre-create check read it: what create copies. */
  private checkedKey: UserSshKey | undefined

  /**
   * keyFlag names where the key came from, for messages about it: the flag, or the default berth picked. The machine
   * keeps its copy of the key in its directory.
   */
  constructor(private settings: GenericSettings, private readonly setup: DriverSetup, private readonly keyFlag = '--generic-ssh-key') {}

  async preCreateCheck(): Promise<void> {
    this.checkedKey = await readUserSshKey(this.keyFlag, this.settings.sshKeyPath)
  }

  /** Nothing is made on the server: the machine gets its own 0600 copy of the user's key, and uses that from now on. */
  async create(): Promise<void> {
    const key = this.checkedKey ?? await readUserSshKey(this.keyFlag, this.settings.sshKeyPath)
    this.settings = {...this.settings, sshKeyPath: await this.setup.sshKey.keepUserKey(key), sshKeyOrigin: key.path}
  }

  // No start, stop or kill: the server's power is its owner's. Restart is a reboot over SSH.

  /** Reboot through SSH; the connection usually drops while the command runs, which is success here. */
  async restart(ctx: OperationContext): Promise<void> {
    const session = await ctx.connectSsh()
    try {
      await session.exec('(sleep 1; shutdown -r now 2>/dev/null || reboot) >/dev/null 2>&1 &', {sudo: true, signal: ctx.signal}).catch(() => undefined)
    } finally {
      await session.close()
    }
  }

  /** The server is not berth's: removing the machine leaves it running (see rm --clean-host for the engine config). */
  async remove(): Promise<void> {}

  /**
   * Running when the server's SSH port accepts connections, as Docker Machine's generic driver judged it. Unlike
   * Docker Machine, a port that refuses, has no route or does not answer is not "Stopped" (berth cannot start the
   * server, and may not know it is off): state() says why, as a HostUnreachableError.
   */
  async state(signal: AbortSignal): Promise<MachineState> {
    const {ipAddress, sshPort} = this.settings
    const failure = await connectFailure(ipAddress, sshPort, signal)
    if (failure === undefined) return 'Running'
    throw new HostUnreachableError(this.setup.machineName, ipAddress, sshPort, failure)
  }

  async address(): Promise<string> {
    return this.settings.ipAddress
  }

  async dockerUrl(): Promise<string> {
    const host = isIPv6(this.settings.ipAddress) ? `[${this.settings.ipAddress}]` : this.settings.ipAddress
    return `tcp://${host}:${this.settings.enginePort}`
  }

  async sshEndpoint(): Promise<SshEndpoint> {
    const {ipAddress, sshPort, sshUser, sshKeyPath, sshKeyOrigin} = this.settings
    return {host: ipAddress, port: sshPort, user: sshUser, keyPath: sshKeyPath, ...(sshKeyOrigin === undefined ? {} : {keyOrigin: sshKeyOrigin})}
  }

  /** The machine's own copy of the key is stored by its name in the machine's directory, so the store can move. */
  toState(): Record<string, unknown> {
    const {sshKeyPath} = this.settings
    return {...this.settings, sshKeyPath: dirname(sshKeyPath) === resolve(this.setup.machineDir) ? sshKeyPath.slice(dirname(sshKeyPath).length + 1) : sshKeyPath}
  }
}

/** How long a state probe waits for the SSH port at most, whatever the caller's signal allows (ls's default timeout). */
const PROBE_TIMEOUT_MS = 10_000

/** Why a TCP connection to host:port cannot be opened (the socket's error, or a sentence), or undefined when it can. */
function connectFailure(host: string, port: number, signal: AbortSignal): Promise<unknown> {
  return new Promise((resolvePromise) => {
    const socket = createConnection({host, port, timeout: PROBE_TIMEOUT_MS})
    const onAbort = (): void => finish('no answer before the wait ended')
    // The listener goes with the probe: a caller polling with one signal must not collect one per call.
    function finish(failure: unknown): void {
      signal.removeEventListener('abort', onAbort)
      socket.destroy()
      resolvePromise(failure)
    }
    socket.once('connect', () => finish(undefined))
    socket.once('error', (error) => finish(error))
    socket.once('timeout', () => finish(`no answer within ${PROBE_TIMEOUT_MS / 1000}s`))
    signal.addEventListener('abort', onAbort, {once: true})
  })
}
