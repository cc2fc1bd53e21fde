import type {TestHost, TestHostPool} from '../../hosts/index.js'

/** What runs an instance: a real test host, or nothing but the simulator's books (for listing many instances cheaply). */
export interface Backing {
  /** First boot; resolves with the address the instance answers at. */
  launch(instanceId: string, authorizedKey: string | undefined): Promise<string>
  stop(instanceId: string, hard: boolean): Promise<void>
  /** Boot again; the instance may come back at another address, as an EC2 instance gets a new public IP. */
  start(instanceId: string): Promise<string>
  reboot(instanceId: string): Promise<void>
  terminate(instanceId: string): Promise<void>
}

/** The user Canonical's Ubuntu images log in as. */
export const UBUNTU_USER = 'ubuntu'

/**
 * Each instance is a test host named after it: systemd, the image's user with the imported key authorised, and no
 * engine (berth installs it). Stop and start power the host off and on, and a start moves it to a new address.
 */
export class TestHostBacking implements Backing {
  private readonly hosts = new Map<string, TestHost>()
  /** Addresses a started host moves to: the last octet, counted per host outside its /30. */
  private readonly nextOctet = new Map<string, number>()

  constructor(private readonly pool: TestHostPool) {}

  async launch(instanceId: string, authorizedKey: string | undefined): Promise<string> {
    const host = await this.pool.up(instanceId, {init: 'systemd', user: UBUNTU_USER, withoutDocker: true, ...(authorizedKey === undefined ? {} : {authorizedKey})})
    this.hosts.set(instanceId, host)
    return host.ip
  }

  async stop(instanceId: string, hard: boolean): Promise<void> {
    await this.host(instanceId).powerOff({hard})
  }

  async start(instanceId: string): Promise<string> {
    const host = this.host(instanceId)
    await host.powerOn()
    const octet = this.nextOctet.get(instanceId) ?? 10
    this.nextOctet.set(instanceId, octet + 1)
    await host.moveAddress(octet)
    return host.ip
  }

  async reboot(instanceId: string): Promise<void> {
    await this.host(instanceId).reboot()
  }

  async terminate(instanceId: string): Promise<void> {
    const host = this.hosts.get(instanceId)
    this.hosts.delete(instanceId)
    await host?.down()
  }

  private host(instanceId: string): TestHost {
    const host = this.hosts.get(instanceId)
    if (host === undefined) throw new Error(`No test host runs ${instanceId}.`)
    return host
  }
}

/** Instances without hosts: addresses from 198.18.0.0/15, the range set aside for benchmarks, sealed while the simulator runs. */
export class BookkeepingBacking implements Backing {
  private count = 0

  async launch(): Promise<string> {
    return this.nextAddress()
  }

  async stop(): Promise<void> {}

  async start(): Promise<string> {
    return this.nextAddress()
  }

  async reboot(): Promise<void> {}

  async terminate(): Promise<void> {}

  nextAddress(): string {
    const n = ++this.count
    return `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`
  }
}
