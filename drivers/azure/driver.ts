import {abortReason, BerthError, type Driver, type DriverSetup, type MachineState, type OperationContext, type ResourceRecord, run, type SshEndpoint} from '../../src/driver-kit/index.js'
import {createResources} from './create-plan.js'
import {explain} from './errors.js'
import {machineState} from './power-state.js'
import {checkBeforeCreate} from './pre-create.js'
import {removeResources} from './remove-plan.js'
import type {AzureArm, Notify} from './sdk.js'
import type {AzureSettings} from './settings.js'

/** Connect to the machine's subscription; the SDK module is imported here, on first use. */
export async function connectArm(settings: AzureSettings, clientSecret: string | undefined, notify?: Notify): Promise<AzureArm> {
  const {AzureArm: Arm} = await import('./sdk.js')
  return Arm.connect({
    resourceManagerEndpoint: settings.resourceManagerEndpoint,
    authorityHost: settings.authorityHost,
    subscriptionId: settings.subscriptionId,
    ...(settings.tenantId === undefined ? {} : {tenantId: settings.tenantId}),
    ...(settings.clientId === undefined ? {} : {clientId: settings.clientId}),
    ...(clientSecret === undefined ? {} : {clientSecret}),
  }, notify)
}

/**
 * A machine on an Azure VM: its resource group, network, public IP, NIC, VM and OS disk. stop deallocates (no
 * compute billing), kill powers off at once and deallocates, rm deletes what berth made.
 */
export class AzureDriver implements Driver {
  private arm?: Promise<AzureArm>

  constructor(private readonly settings: AzureSettings, private readonly setup: DriverSetup, private readonly clientSecret: string | undefined) {}

  async preCreateCheck(ctx: OperationContext): Promise<void> {
    await interruptible(ctx, async () => checkBeforeCreate(await this.connect(ctx), this.settings, ctx.signal))
  }

  async create(ctx: OperationContext): Promise<void> {
    await interruptible(ctx, async () => {
      const {publicKey} = await this.setup.sshKey.create()
      await createResources(await this.connect(ctx), this.settings, publicKey, ctx)
    })
  }

  async start(ctx: OperationContext): Promise<void> {
    await this.vmCall(ctx, 'start', (arm, group, name) => arm.startVm(group, name, ctx.signal))
  }

  /** A clean shutdown, then deallocation: a powered-off VM that stays allocated is still billed. */
  async stop(ctx: OperationContext): Promise<void> {
    await this.vmCall(ctx, 'stop', async (arm, group, name) => {
      await arm.powerOffVm(group, name, false, ctx.signal)
      await arm.deallocateVm(group, name, ctx.signal)
    })
  }

  async kill(ctx: OperationContext): Promise<void> {
    await this.vmCall(ctx, 'kill', async (arm, group, name) => {
      await arm.powerOffVm(group, name, true, ctx.signal)
      await arm.deallocateVm(group, name, ctx.signal)
    })
  }

  async restart(ctx: OperationContext): Promise<void> {
    await this.vmCall(ctx, 'restart', (arm, group, name) => arm.restartVm(group, name, ctx.signal))
  }

  async remove(ctx: OperationContext, resources: readonly ResourceRecord[]): Promise<void> {
    if (resources.length === 0) return
    await interruptible(ctx, async () => removeResources(await this.connect(ctx), this.settings, resources, ctx))
  }

  async state(signal: AbortSignal): Promise<MachineState> {
    const arm = await this.connect()
    try {
      return machineState(await arm.vmStatuses(this.settings.resourceGroup, this.settings.names.vm, signal))
    } catch (error) {
      throw explain(error, `get the state of VM ${this.settings.names.vm}`)
    }
  }

  /** The public IP's address, or the NIC's private one with --azure-use-private-ip (or without a public IP). */
  async address(signal: AbortSignal): Promise<string> {
    const arm = await this.connect()
    const {resourceGroup: group, names} = this.settings
    let address: string | undefined
    try {
      address = this.settings.usePrivateIp ? await arm.nicPrivateAddress(group, names.nic, signal) : await arm.publicIpAddress(group, names.publicIp, signal)
    } catch (error) {
      throw explain(error, `get the address of machine ${this.setup.machineName}`)
    }
    if (address === undefined || address === '') {
      throw new BerthError(`Machine "${this.setup.machineName}" has no ${this.settings.usePrivateIp ? 'private' : 'public'} IP address yet.`, {code: 'host-address-missing', data: {machine: this.setup.machineName, address: `${this.settings.usePrivateIp ? 'private' : 'public'} IP`}, fixes: [run('start', this.setup.machineName)]})
    }
    return address
  }

  async dockerUrl(signal: AbortSignal): Promise<string> {
    return `tcp://${await this.address(signal)}:${this.settings.dockerPort}`
  }

  async sshEndpoint(signal: AbortSignal): Promise<SshEndpoint> {
    return {host: await this.address(signal), port: 22, user: this.settings.sshUser, keyPath: this.settings.sshKeyPath ?? this.setup.sshKey.path}
  }

  toState(): Record<string, unknown> {
    return {...this.settings}
  }

  private connect(ctx?: OperationContext): Promise<AzureArm> {
    this.arm ??= connectArm(this.settings, this.clientSecret, ctx === undefined ? undefined : (message) => ctx.progress(message))
    return this.arm
  }

  private async vmCall(ctx: OperationContext, action: string, work: (arm: AzureArm, group: string, name: string) => Promise<void>): Promise<void> {
    await interruptible(ctx, async () => {
      const arm = await this.connect(ctx)
      try {
        await work(arm, this.settings.resourceGroup, this.settings.names.vm)
      } catch (error) {
        throw explain(error, `${action} VM ${this.settings.names.vm}`)
      }
    })
  }
}

/** When the operation was interrupted, the caller's reason (Ctrl-C) rather than the SDK's own AbortError. */
async function interruptible(ctx: OperationContext, work: () => Promise<void>): Promise<void> {
  try {
    await work()
  } catch (error) {
    throw ctx.signal.aborted ? abortReason(ctx.signal) : error
  }
}
