import {createConnection, isIPv6} from 'node:net'
import {basename, join} from 'node:path'
import {
  checkHostAddress, readUserSshKey, UsageError,
  type Driver, type DriverDefinition, type DriverSetup, type FlagValues, type MachineState, type SshEndpoint, type UserSshKey,
} from 'berth/driver'

/** What a machine of this driver keeps in berth's config.json: no secret, and the key by its name in the machine's directory. */
interface ExampleState {
  address: string
  sshUser: string
  sshPort: number
  /** The user's key as given at create time, for messages. */
  sshKeyOrigin: string
  /** The machine's own copy of that key, once create has made it. */
  sshKeyCopy?: string
}

/**
 * A Linux server that already runs and that the user reaches over SSH with a key. berth provisions its engine; the
 * server's power is its owner's, so the driver has no start, stop, restart or kill (berth refuses them).
 */
class ExampleDriver implements Driver {
  private checkedKey: UserSshKey | undefined

  constructor(private settings: ExampleState, private readonly setup: DriverSetup) {}

  /** Reads the key once, so a key that cannot be used fails before berth writes anything. */
  async preCreateCheck(): Promise<void> {
    this.checkedKey = await readUserSshKey('--example-ssh-key', this.settings.sshKeyOrigin)
  }

  /** Nothing is made on the server; the machine gets its own 0600 copy of the key. */
  async create(): Promise<void> {
    const key = this.checkedKey ?? await readUserSshKey('--example-ssh-key', this.settings.sshKeyOrigin)
    this.settings = {...this.settings, sshKeyCopy: basename(await this.setup.sshKey.keepUserKey(key))}
  }

  /** The server is not berth's: removing the machine leaves it as it is. Nothing was recorded, so nothing is left. */
  async remove(): Promise<void> {}

  /** Whether the SSH port answers; a server that is gone is Stopped here, not NotFound: the driver cannot tell. */
  async state(signal: AbortSignal): Promise<MachineState> {
    return (await portOpen(this.settings.address, this.settings.sshPort, signal)) ? 'Running' : 'Stopped'
  }

  async address(): Promise<string> {
    return this.settings.address
  }

  /** The engine listens where berth puts it: the port berth passes in. */
  async dockerUrl(): Promise<string> {
    const host = isIPv6(this.settings.address) ? `[${this.settings.address}]` : this.settings.address
    return `tcp://${host}:${this.setup.enginePort}`
  }

  async sshEndpoint(): Promise<SshEndpoint> {
    const {address, sshPort, sshUser, sshKeyCopy, sshKeyOrigin} = this.settings
    const keyPath = sshKeyCopy === undefined ? sshKeyOrigin : join(this.setup.machineDir, sshKeyCopy)
    return {host: address, port: sshPort, user: sshUser, keyPath, keyOrigin: sshKeyOrigin}
  }

  toState(): Record<string, unknown> {
    return {...this.settings}
  }
}

function portOpen(host: string, port: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({host, port, timeout: 3000})
    const finish = (open: boolean): void => {
      signal.removeEventListener('abort', onAbort)
      socket.destroy()
      resolve(open)
    }
    const onAbort = (): void => finish(false)
    signal.addEventListener('abort', onAbort, {once: true})
    socket.once('connect', () => finish(true))
    socket.once('timeout', () => finish(false))
    socket.once('error', () => finish(false))
  })
}

function port(flag: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) throw new UsageError(`--${flag} must be a port number from 1 to 65535.`)
  return value
}

function fromFlags(values: FlagValues): ExampleState {
  const address = values['example-address']
  if (typeof address !== 'string' || address.trim() === '') throw new UsageError('The example driver needs the server\'s address.', {hint: 'Pass --example-address ADDRESS.'})
  const key = values['example-ssh-key']
  if (typeof key !== 'string' || key === '') throw new UsageError('The example driver needs the SSH key that opens the server.', {hint: 'Pass --example-ssh-key PATH (the private key).'})
  const user = values['example-ssh-user']
  if (typeof user !== 'string' || !/^[a-z_][a-z0-9_.-]*$/i.test(user)) throw new UsageError(`--example-ssh-user ${JSON.stringify(user)} is not a user name.`)
  return {address: checkHostAddress('--example-address', address.trim()), sshUser: user, sshPort: port('example-ssh-port', values['example-ssh-port']), sshKeyOrigin: key}
}

function fromState(state: Record<string, unknown>): ExampleState {
  const {address, sshUser, sshPort, sshKeyOrigin, sshKeyCopy} = state
  if (typeof address !== 'string' || typeof sshUser !== 'string' || typeof sshPort !== 'number' || typeof sshKeyOrigin !== 'string') {
    throw new UsageError('The example driver\'s stored state is damaged.', {hint: 'Remove the machine with "berth rm -f NAME" and create it again.'})
  }
  return {address, sshUser, sshPort, sshKeyOrigin, ...(typeof sshKeyCopy === 'string' ? {sshKeyCopy} : {})}
}

const example: DriverDefinition = {
  name: 'example',
  description: 'An existing Linux server reached over SSH (an example plugin).',
  example: {args: ['--example-address', '203.0.113.10', '--example-ssh-key', '~/.ssh/id_ed25519'], machine: 'web1'},
  flags: [
    {name: 'example-address', type: 'string', env: 'EXAMPLE_ADDRESS', description: 'IP address or DNS name of the server.'},
    {name: 'example-ssh-key', type: 'string', env: 'EXAMPLE_SSH_KEY', description: 'Private key that opens the server over SSH.'},
    {name: 'example-ssh-user', type: 'string', default: 'root', description: 'SSH user (root, or a user with passwordless sudo).'},
    {name: 'example-ssh-port', type: 'integer', default: 22, description: 'SSH port.'},
  ],
  sshSettingFlags: {address: '--example-address', port: '--example-ssh-port'},
  capabilities: {stableAddress: true, serialOperations: false, provisions: true, existingHost: true},
  async probe() {
    return {installed: true, healthy: true}
  },
  // berth has applied the flags' defaults: values hold every flag that has one.
  fromFlags(values, setup) {
    return new ExampleDriver(fromFlags(values), setup)
  },
  load(state, setup) {
    return new ExampleDriver(fromState(state), setup)
  },
}

export default example
