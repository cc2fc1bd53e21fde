import {createHost} from './create.js'
import type {NamespaceHost} from './host.js'
import {identify} from './processes.js'
import {sweepLeftovers} from './registry.js'
import type {HostOptions, TestHost} from './types.js'

const HOST_NAME = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/
const USER_NAME = /^[a-z_][a-z0-9_-]{0,30}$/

/**
 * The test hosts of one test file: create it in beforeAll, dispose() it in afterAll. Each host is a set of
 * Linux namespaces on this machine with its own address, sshd, init system and disk state (see README.md).
 * Host names need only be unique within the pool; the machine-wide names are allocated under a lock.
 */
export class TestHostPool {
  private readonly hosts = new Map<string, NamespaceHost>()
  private readonly starting = new Map<string, Promise<unknown>>()
  private sweep?: Promise<unknown>
  private disposed = false

  async up(name: string, options: HostOptions): Promise<TestHost> {
    if (this.disposed) throw new Error('This TestHostPool has been disposed.')
    validate(name, options)
    if (this.hosts.has(name) || this.starting.has(name)) throw new Error(`Test host ${name} already exists in this pool.`)
    const creation = this.create(name, options)
    this.starting.set(name, creation)
    try {
      return await creation
    } finally {
      this.starting.delete(name)
    }
  }

  /** Remove every host of the pool, also after failed tests and failed ups; reports all failures together. */
  async dispose(): Promise<void> {
    this.disposed = true
    await Promise.allSettled(this.starting.values())
    const results = await Promise.allSettled([...this.hosts.values()].map((host) => host.down()))
    const errors = results.filter((result) => result.status === 'rejected').map((result) => result.reason as unknown)
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} test host(s) could not be removed.`)
  }

  private async create(name: string, options: HostOptions): Promise<NamespaceHost> {
    // Once per pool: hosts left by a run that crashed must not hold slots, addresses or memory.
    this.sweep ??= sweepLeftovers()
    await this.sweep
    const owner = await identify(process.pid)
    if (!owner) throw new Error('Cannot read this process in /proc.')
    const host = await createHost(name, options, owner, () => this.hosts.delete(name))
    this.hosts.set(name, host)
    return host
  }
}

function validate(name: string, options: HostOptions): void {
  if (!HOST_NAME.test(name)) throw new Error(`Invalid test host name ${JSON.stringify(name)}: use a hostname of up to 32 characters [a-z0-9-].`)
  if (options.init !== 'systemd' && options.init !== 'sysv') throw new Error(`Unknown init ${JSON.stringify(options.init)}.`)
  if (options.user !== undefined && (!USER_NAME.test(options.user) || options.user === 'root')) throw new Error(`Invalid user name ${JSON.stringify(options.user)}.`)
  if (options.startDocker && options.withoutDocker) throw new Error('startDocker and withoutDocker exclude each other.')
  if (options.delaySshMs !== undefined && !(options.delaySshMs >= 0)) throw new Error('delaySshMs must be a number of milliseconds.')
}
