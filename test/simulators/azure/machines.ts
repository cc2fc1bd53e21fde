import type {TestHost, TestHostPool} from '../../hosts/index.js'

/** A VM's power as Azure's instance view names it (PowerState/<state>). */
export type PowerState = 'starting' | 'running' | 'stopping' | 'stopped' | 'deallocating' | 'deallocated'

interface Machine {
  hostName: string
  booting: Promise<TestHost>
  host?: TestHost
  power: PowerState
  /** Set by changeAddressOnNextStart: the next start gives the host a new address. */
  moveOnStart: boolean
  nextLast: number
}

export interface MachineSpec {
  user: string
  authorizedKey: string
}

/**
 * The real computers behind the simulated VMs: one test host per VM (systemd, the VM's admin user with its SSH
 * key, no engine: berth installs it). Power actions map to the host's: stop = power off, deallocate = power off
 * (the disk stays), start = power on, restart = reboot, delete = down.
 */
export class Machines {
  private readonly machines = new Map<string, Machine>()
  private sequence = 0

  constructor(private readonly pool: TestHostPool) {}

  /** Boot a host for the VM `key`; resolves with it when it is ready for SSH. */
  create(key: string, computerName: string, spec: MachineSpec): Promise<TestHost> {
    const hostName = `az${++this.sequence}-${computerName.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 32).replace(/-+$/, '')
    const machine: Machine = {
      hostName,
      power: 'starting',
      moveOnStart: false,
      nextLast: 10,
      booting: this.pool.up(hostName, {init: 'systemd', user: spec.user, authorizedKey: spec.authorizedKey, withoutDocker: true}),
    }
    this.machines.set(key, machine)
    return machine.booting.then((host) => {
      machine.host = host
      machine.power = 'running'
      return host
    })
  }

  power(key: string): PowerState | undefined {
    return this.machines.get(key)?.power
  }

  host(key: string): TestHost | undefined {
    return this.machines.get(key)?.host
  }

  /** Every host that is still up (tests check that a removed machine left none). */
  get liveHosts(): string[] {
    return [...this.machines.values()].filter((machine) => machine.host !== undefined).map((machine) => machine.hostName)
  }

  async start(key: string): Promise<TestHost> {
    const machine = this.require(key)
    const host = await machine.booting
    if (machine.power === 'running') return host
    machine.power = 'starting'
    await host.powerOn()
    if (machine.moveOnStart) {
      machine.moveOnStart = false
      await host.moveAddress(machine.nextLast++)
    }
    machine.power = 'running'
    return host
  }

  async powerOff(key: string, hard: boolean): Promise<void> {
    await this.shutDown(key, 'stopping', 'stopped', hard)
  }

  async deallocate(key: string): Promise<void> {
    await this.shutDown(key, 'deallocating', 'deallocated', false)
  }

  async restart(key: string): Promise<void> {
    const machine = this.require(key)
    await (await machine.booting).reboot()
  }

  /** Take the VM's host down; a VM whose host is still booting is waited for first. */
  async remove(key: string): Promise<void> {
    const machine = this.machines.get(key)
    if (machine === undefined) return
    this.machines.delete(key)
    const host = await machine.booting.catch(() => undefined)
    machine.host = undefined
    await host?.down()
  }

  /** The next start of this (stopped) VM puts its host at a new address, as a changed public IP would. */
  changeAddressOnNextStart(key: string): void {
    this.require(key).moveOnStart = true
  }

  private async shutDown(key: string, during: PowerState, after: PowerState, hard: boolean): Promise<void> {
    const machine = this.require(key)
    const host = await machine.booting
    if (machine.power === 'deallocated' || (machine.power === 'stopped' && after === 'stopped')) return
    machine.power = during
    await host.powerOff({hard})
    machine.power = after
  }

  private require(key: string): Machine {
    const machine = this.machines.get(key)
    if (machine === undefined) throw new Error(`No machine backs ${key}.`)
    return machine
  }
}
