import {randomBytes} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {BerthError, type Driver, type DriverSetup, type MachineState, type OperationContext, prose, readUserSshKey, type ResourceRecord, run, type SshEndpoint, type UserSshKey} from '../../src/driver-kit/index.js'
import {Ec2Api, type CredentialSource, type InstanceView, type Tag} from './client.js'
import {explainEc2Error, hasCode} from './errors.js'
import {INSTANCE, KEY_PAIR, MACHINE_TAG, addressOf, describeInstance, machineState, waitForAddress} from './instance.js'
import {preflight, type LaunchPlan} from './preflight.js'
import {ensureSecurityGroups} from './security-groups.js'
import type {Ec2Settings} from './settings.js'
import {removeRecorded} from './teardown.js'

/** The engine's TLS port, which the security group opens (berth's engines listen on it). */
/** How old a described instance may be for address(), sshEndpoint() and dockerUrl(), which the core calls in a row. */
const DESCRIBE_REUSE_MS = 3000

/** What a machine stores in config.json: its settings, what the pre-create check decided, and its instance. */
export interface Ec2State {
  settings: Ec2Settings
  plan?: LaunchPlan
  instanceId?: string
}

/** An EC2 instance as a berth machine. */
export class Ec2Driver implements Driver {
  private connection?: Ec2Api
  private latest?: {view: InstanceView; at: number}
  /** The user's key (--amazonec2-ssh-keypath) as the pre-create check read it: what create copies. */
  private userKey?: UserSshKey

  constructor(private readonly stored: Ec2State, private readonly setup: DriverSetup, private readonly credentials: () => CredentialSource) {}

  private get settings(): Ec2Settings {
    return this.stored.settings
  }

  async preCreateCheck(ctx: OperationContext): Promise<void> {
    if (this.settings.sshKeyPath !== undefined) this.userKey = await readUserSshKey('--amazonec2-ssh-keypath', this.settings.sshKeyPath)
    await this.explained(async () => {
      this.stored.plan = await preflight(this.api(), (region) => this.connect(region), this.settings, ctx.signal)
    })
  }

  async create(ctx: OperationContext): Promise<void> {
    // The machine logs in with its own 0600 copy of the user's key, which outlives the original being moved or deleted.
    if (this.userKey !== undefined) this.stored.settings = {...this.settings, sshKeyPath: await this.setup.sshKey.keepUserKey(this.userKey), sshKeyOrigin: this.userKey.path}
    await this.explained(async () => {
      const plan = this.stored.plan
      if (plan === undefined) throw new BerthError('The amazonec2 driver was asked to create a machine before its pre-create check.', {code: 'cloud-api'})
      const api = this.api()
      const name = this.setup.machineName
      const tags = this.tags()
      // Each step that makes something first checks for Ctrl-C; calls that make things are not cut short (see client.ts).
      ctx.signal.throwIfAborted()
      const keyName = this.settings.keypairName ?? await this.importKey(api, tags, ctx)
      const groupIds = await ensureSecurityGroups(api, this.settings, plan.vpcId, this.setup.enginePort, [{key: MACHINE_TAG, value: name}], ctx)
      const userData = this.settings.userdataPath === undefined ? undefined : (await readFile(this.settings.userdataPath)).toString('base64')
      ctx.signal.throwIfAborted()
      ctx.progress(`Launching a ${this.settings.instanceType} instance of ${plan.imageName || plan.imageId} in ${plan.zone}`)
      const instance = await api.runInstance({
        imageId: plan.imageId,
        instanceType: this.settings.instanceType,
        keyName,
        subnetId: plan.subnetId,
        groupIds,
        publicAddress: !this.settings.privateAddressOnly,
        rootDevice: {
          name: plan.rootDeviceName, size: this.settings.rootSize, type: this.settings.volumeType,
          ...(this.settings.volumeIops === undefined ? {} : {iops: this.settings.volumeIops}),
          ...(this.settings.volumeThroughput === undefined ? {} : {throughput: this.settings.volumeThroughput}),
        },
        tags,
        // The same token on a retried call returns the instance the first call made, never a second one.
        clientToken: `berth-${name}-${randomBytes(8).toString('hex')}`.slice(-64),
        monitoring: this.settings.monitoring,
        ebsOptimized: this.settings.ebsOptimized,
        ...(this.settings.iamInstanceProfile === undefined ? {} : {iamInstanceProfile: this.settings.iamInstanceProfile}),
        ...(userData === undefined ? {} : {userData}),
        ...(this.settings.spot ? {spot: this.settings.spotPrice === undefined ? {} : {maxPrice: this.settings.spotPrice}} : {}),
      })
      this.stored.instanceId = instance.id
      await ctx.record({kind: INSTANCE, id: instance.id, launchedAt: new Date().toISOString()})
      ctx.signal.throwIfAborted()
      ctx.progress(`Waiting for the instance ${instance.id} to run`)
      this.remember(await waitForAddress(api, instance.id, this.usePrivateAddress(), ctx.signal))
    })
  }

  async start(): Promise<void> {
    await this.explained(() => this.api().startInstance(this.instanceId()))
  }

  async stop(): Promise<void> {
    await this.explained(() => this.stopInstance(false))
  }

  async kill(): Promise<void> {
    await this.explained(() => this.stopInstance(true))
  }

  async restart(): Promise<void> {
    await this.explained(() => this.api().rebootInstance(this.instanceId()))
  }

  async remove(ctx: OperationContext, resources: readonly ResourceRecord[]): Promise<void> {
    if (resources.length === 0) return
    await this.explained(() => removeRecorded(this.api(), resources, ctx))
  }

  async state(signal: AbortSignal): Promise<MachineState> {
    if (this.stored.instanceId === undefined) return 'NotFound'
    return this.explained(async () => machineState(await this.describe(signal, 0)))
  }

  async address(signal: AbortSignal): Promise<string> {
    return this.explained(async () => {
      const view = await this.describe(signal, DESCRIBE_REUSE_MS)
      const address = view === undefined ? undefined : addressOf(view, this.usePrivateAddress())
      if (address === undefined) {
        const which = this.usePrivateAddress() ? 'private' : 'public'
        const state = view?.state ?? 'gone'
        throw new BerthError(`Instance ${this.stored.instanceId} of machine "${this.setup.machineName}" has no ${which} address (it is ${state}).`, {code: 'host-address-missing', data: {machine: this.setup.machineName, host: `Instance ${this.stored.instanceId}`, address: which, state}, fixes: [run('start', this.setup.machineName)]})
      }
      return address
    })
  }

  async dockerUrl(signal: AbortSignal): Promise<string> {
    return `tcp://${await this.address(signal)}:${this.setup.enginePort}`
  }

  async sshEndpoint(signal: AbortSignal): Promise<SshEndpoint> {
    const {sshKeyPath, sshKeyOrigin, sshPort, sshUser} = this.settings
    const keyPath = sshKeyPath ?? this.setup.sshKey.path
    return {host: await this.address(signal), port: sshPort, user: sshUser, keyPath, ...(sshKeyOrigin === undefined ? {} : {keyOrigin: sshKeyOrigin})}
  }

  toState(): Record<string, unknown> {
    return {...this.stored}
  }

  /** The EC2 client of the machine's region, made on first use (loading the SDK then, not when the driver is loaded). */
  private api(): Ec2Api {
    this.connection ??= this.connect(this.settings.region)
    return this.connection
  }

  private connect(region: string): Ec2Api {
    return new Ec2Api({
      region,
      ...(this.settings.endpoint === undefined ? {} : {endpoint: this.settings.endpoint}),
      credentials: this.credentials(),
      maxAttempts: this.settings.retries,
    })
  }

  private instanceId(): string {
    if (this.stored.instanceId === undefined) {
      throw new BerthError(`Machine "${this.setup.machineName}" has no instance (its creation did not finish).`, {code: 'creation-unfinished', data: {machine: this.setup.machineName, missing: 'instance'}, fixes: [run('rm', this.setup.machineName)]})
    }
    return this.stored.instanceId
  }

  private async importKey(api: Ec2Api, tags: Tag[], ctx: OperationContext): Promise<string> {
    const pair = await this.setup.sshKey.create()
    // A random suffix: a key pair of the same name left by an earlier machine of that name cannot get in the way.
    const keyName = `berth-${this.setup.machineName}-${randomBytes(4).toString('hex')}`
    ctx.progress(`Importing the machine's SSH key as the key pair ${keyName}`)
    try {
      await api.importKeyPair(keyName, pair.publicKey, tags.filter((tag) => tag.key === MACHINE_TAG))
    } catch (error) {
      // A retry whose first attempt was carried out but its answer lost: the key pair of this new name is ours.
      if (!(hasCode(error, 'InvalidKeyPair.Duplicate') && error.attempts > 1)) throw error
    }
    await ctx.record({kind: KEY_PAIR, id: keyName})
    ctx.signal.throwIfAborted()
    return keyName
  }

  private async stopInstance(force: boolean): Promise<void> {
    try {
      await this.api().stopInstance(this.instanceId(), force)
    } catch (error) {
      if (hasCode(error, 'UnsupportedOperation') && this.settings.spot) {
        throw new BerthError(`Machine "${this.setup.machineName}" runs on a one-time Spot instance, which EC2 cannot stop.`, {code: 'cloud-api', data: {service: 'ec2', code: 'UnsupportedOperation'}, hint: prose`Restart it with ${run('restart')}, or remove it with ${run('rm', this.setup.machineName)}.`, cause: error})
      }
      throw error
    }
  }

  /** The instance, asked again unless the last answer is younger than maxAgeMs. */
  private async describe(signal: AbortSignal, maxAgeMs: number): Promise<InstanceView | undefined> {
    if (this.latest !== undefined && Date.now() - this.latest.at <= maxAgeMs) return this.latest.view
    const view = await describeInstance(this.api(), this.instanceId(), signal)
    if (view !== undefined) this.remember(view)
    return view
  }

  private remember(view: InstanceView): void {
    this.latest = {view, at: Date.now()}
  }

  private usePrivateAddress(): boolean {
    return this.settings.usePrivateAddress || this.settings.privateAddressOnly
  }

  /** Name and berth's machine tag, then the user's tags (which may rename the instance, not retag it). */
  private tags(): Tag[] {
    const tags = new Map<string, string>([['Name', this.setup.machineName]])
    for (const tag of this.settings.tags) tags.set(tag.key, tag.value)
    tags.set(MACHINE_TAG, this.setup.machineName)
    return [...tags].map(([key, value]) => ({key, value}))
  }

  private async explained<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (error) {
      throw explainEc2Error(error, {
        region: this.settings.region,
        ...(this.settings.endpoint === undefined ? {} : {endpoint: this.settings.endpoint}),
        ...(this.settings.profile === undefined ? {} : {profile: this.settings.profile}),
        instanceType: this.settings.instanceType,
        ...(this.stored.plan === undefined ? {} : {zone: this.stored.plan.zone, ami: this.stored.plan.imageId}),
        ...(this.settings.ami === undefined ? {} : {ami: this.settings.ami}),
      })
    }
  }
}
