import {BerthError, type Driver, type DriverSetup, type EngineManagedElsewhere, type MachineState, type OperationContext, prose, type ResourceRecord, run, type SshEndpoint, UsageError} from '../../src/driver-kit/index.js'
import {type VBoxManage, isNotFound} from './vboxmanage.js'
import {SSH_RULE, deleteVm, forwardSshPort, powerOffVm, sshPortOf, stopVm, vboxFor, vmInfo, vmState} from './vm-control.js'

/** What a boot2docker VM taken over from Docker Machine stores in config.json: the VM is known by its name. */
export interface Boot2DockerState {
  boot2docker: {
    /** The VM's name in VirtualBox: Docker Machine's MachineName. */
    vmName: string
    sshUser: string
    /** berth's copy of the key Docker Machine made for the VM. */
    sshKeyPath: string
    uiType: string
  }
}

/** The state of a boot2docker VM, when `state` is one (it has a "boot2docker" object), checked for shape. */
export function boot2DockerState(state: Record<string, unknown>): Boot2DockerState | undefined {
  const stored = state.boot2docker
  if (stored === undefined) return undefined
  const fields = typeof stored === 'object' && stored !== null ? stored as Record<string, unknown> : {}
  if (!['vmName', 'sshUser', 'sshKeyPath', 'uiType'].every((key) => typeof fields[key] === 'string')) throw new UsageError('The stored state of this boot2docker VM is incomplete.')
  return {boot2docker: fields as unknown as Boot2DockerState['boot2docker']}
}

/** Docker Machine waited for the guest's shutdown without a limit; berth powers off after this long, as for its own VMs. */
const STOP_TIMEOUT_SECONDS = 60

/**
 * A boot2docker VM Docker Machine's virtualbox driver made, reached as Docker Machine reached it: SSH through the NAT
 * rule "ssh" on 127.0.0.1, the engine on the address the host-only NIC's DHCP lease gave, read from the guest. berth
 * powers it, and removes it as Docker Machine did, but leaves its engine alone: boot2docker runs from a live ISO.
 */
export class Boot2DockerDriver implements Driver {
  private runner?: VBoxManage
  /** The address found during this command: every call of one command sees the same. */
  private found?: Promise<string>

  readonly engineManagedElsewhere: EngineManagedElsewhere

  constructor(private readonly stored: Boot2DockerState, private readonly setup: DriverSetup) {
    const name = setup.machineName
    this.engineManagedElsewhere = {
      reason: 'it is a boot2docker VM that Docker Machine made: boot2docker runs from a read-only live ISO, and its engine\'s settings live in /var/lib/boot2docker/profile, which berth does not manage',
      instead: prose`Its engine keeps the settings and certificates Docker Machine gave it: to change them, edit that file over ${run('ssh', name)} and run ${run('restart', name)}; for a machine whose engine berth manages, create one with ${run('create', undefined, ['-d', 'virtualbox', 'NAME'])} and move your images and volumes to it.`,
    }
  }

  private get vm(): string {
    return this.stored.boot2docker.vmName
  }

  async preCreateCheck(): Promise<void> {
    throw this.notCreatable()
  }

  async create(): Promise<void> {
    throw this.notCreatable()
  }

  /** As Docker Machine's start: the SSH forward on a free port, then startvm (or resume a paused VM). */
  async start(ctx: OperationContext): Promise<void> {
    const vbox = this.vbox()
    const info = await this.info(ctx.signal)
    if (info.VMState === 'running') return
    if (info.VMState === 'paused') {
      await vbox.mutate(['controlvm', this.vm, 'resume'], ctx.signal)
      return
    }
    await forwardSshPort(vbox, this.setup, this.vm, info, ctx)
    await vbox.mutate(['startvm', this.vm, '--type', this.stored.boot2docker.uiType], ctx.signal)
  }

  async stop(ctx: OperationContext): Promise<void> {
    await stopVm(this.vbox(), this.vm, STOP_TIMEOUT_SECONDS, ctx)
  }

  async kill(ctx: OperationContext): Promise<void> {
    await powerOffVm(this.vbox(), this.vm, ctx.signal)
  }

  async restart(ctx: OperationContext): Promise<void> {
    await this.stop(ctx)
    await this.start(ctx)
  }

  /** As Docker Machine's rm: power off, then unregistervm --delete (its disk goes with it; the ISO stays, as it did). */
  async remove(ctx: OperationContext, resources: readonly ResourceRecord[]): Promise<void> {
    if (resources.length === 0) return
    ctx.progress(`Removing the VirtualBox VM ${this.vm}`)
    await deleteVm(this.vbox(), this.vm, ctx.signal)
    for (const resource of resources) ctx.removed(resource)
  }

  state(signal: AbortSignal): Promise<MachineState> {
    return vmState(this.vbox(), this.vm, signal)
  }

  /**
   * The IPv4 address of the guest's interface whose MAC is the host-only NIC's, from `ip addr show` over SSH: the
   * address VirtualBox's DHCP server leased, as Docker Machine read it. Known only while the VM runs.
   */
  address(signal: AbortSignal): Promise<string> {
    this.found ??= this.readAddress(signal)
    return this.found
  }

  async dockerUrl(signal: AbortSignal): Promise<string> {
    return `tcp://${await this.address(signal)}:${this.setup.enginePort}`
  }

  async sshEndpoint(signal: AbortSignal): Promise<SshEndpoint> {
    return this.endpointFrom(await this.info(signal))
  }

  toState(): Record<string, unknown> {
    return {...this.stored}
  }

  private async readAddress(signal: AbortSignal): Promise<string> {
    const info = await this.info(signal)
    if (info.VMState !== 'running') {
      const state = info.VMState ?? 'unknown'
      throw new BerthError(`The VirtualBox VM ${this.vm} of machine "${this.setup.machineName}" has no host-only address (it is ${state}).`, {code: 'host-address-missing', data: {machine: this.setup.machineName, host: `The VirtualBox VM ${this.vm}`, address: 'host-only', state}, fixes: [run('start', this.setup.machineName)]})
    }
    const mac = hostOnlyMac(info)
    if (mac === undefined) throw new BerthError(`The VM "${this.vm}" has no host-only network adapter, so its engine has no address to be reached at.`, {code: 'hypervisor'})
    const shown = await this.setup.runOnHost(this.endpointFrom(info), 'ip addr show', signal)
    if (shown.code !== 0) throw new BerthError(`"ip addr show" failed on the VM "${this.vm}": ${shown.stderr.trim() || `exit code ${shown.code}`}`, {code: 'hypervisor'})
    const address = addressOfMac(shown.stdout, mac)
    if (address === undefined) throw new BerthError(`The VM "${this.vm}" has no IPv4 address on its host-only adapter (MAC ${mac}) yet.`, {code: 'hypervisor', hint: 'Its DHCP client may still be waiting for a lease: try again in a moment.'})
    return address
  }

  private endpointFrom(info: Record<string, string>): SshEndpoint {
    const port = sshPortOf(info)
    if (port === undefined) throw new BerthError(`The VM "${this.vm}" has no SSH port forward (NAT rule "${SSH_RULE}").`, {code: 'ssh-port-missing', data: {machine: this.setup.machineName, rule: SSH_RULE}, fixes: [run('restart', this.setup.machineName)]})
    return {host: '127.0.0.1', port, user: this.stored.boot2docker.sshUser, keyPath: this.stored.boot2docker.sshKeyPath}
  }

  /** The VM's settings; a VM VirtualBox does not have is a host that is gone. */
  private async info(signal: AbortSignal): Promise<Record<string, string>> {
    try {
      return await vmInfo(this.vbox(), this.vm, signal)
    } catch (error) {
      if (!isNotFound(error)) throw error
      const machine = this.setup.machineName
      throw new BerthError(`No VirtualBox VM is named "${this.vm}".`, {code: 'host-gone', data: {machine, driver: 'virtualbox', host: `The VirtualBox VM "${this.vm}"`}, fixes: [run('rm', machine)], cause: error})
    }
  }

  private vbox(): VBoxManage {
    this.runner ??= vboxFor(this.setup)
    return this.runner
  }

  private notCreatable(): BerthError {
    return new BerthError(`A boot2docker VM is only taken over from Docker Machine; berth does not create one.`, {code: 'driver-broken'})
  }
}

/** The MAC of the VM's first host-only adapter, lower-case without separators, from showvminfo's hostonlyadapterN and macaddressN. */
export function hostOnlyMac(info: Record<string, string>): string | undefined {
  const slot = Object.keys(info).map((key) => /^hostonlyadapter(\d+)$/.exec(key)?.[1]).find((found) => found !== undefined)
  const mac = slot === undefined ? undefined : info[`macaddress${slot}`]
  return mac === undefined || mac === '' ? undefined : mac.replace(/[:-]/g, '').toLowerCase()
}

/** In `ip addr show` output, the first IPv4 address of the interface whose link/ether is `mac` (lower-case, no separators). */
export function addressOfMac(output: string, mac: string): string | undefined {
  let inBlock = false
  for (const raw of output.split('\n')) {
    const line = raw.trim()
    if (/^\d+: /.test(raw)) inBlock = false
    const link = /^link\/\S+ ([0-9a-f:]+)/i.exec(line)
    if (link !== null) inBlock = link[1]!.replace(/:/g, '').toLowerCase() === mac
    const inet = /^inet (\d{1,3}(?:\.\d{1,3}){3})\//.exec(line)
    if (inBlock && inet !== null) return inet[1]
  }
  return undefined
}
