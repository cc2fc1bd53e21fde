import {readFile} from 'node:fs/promises'
import {BerthError, type Driver, type DriverSetup, type MachineState, type OperationContext, pollUntil, readUserSshKey, type ResourceRecord, run, type SshEndpoint, type UserSshKey} from '../../src/driver-kit/index.js'
import {requireAction, runAction, type ActionTiming} from './actions.js'
import {DigitalOceanApiError} from './api-error.js'
import type {DigitalOceanApi} from './api.js'
import type {Droplet, DropletRequest, SshKey} from './api-types.js'
import {machineState, publicIpv4} from './droplet-state.js'
import {explainApiError} from './errors.js'
import {publicKeyFingerprint} from './fingerprint.js'
import {TOKEN_ENV} from './flags.js'
import {checkAccount, checkLocalFiles} from './preflight.js'
import {BERTH_TAG, type DigitalOceanSettings, type DigitalOceanState} from './settings.js'

export interface DriverTiming extends ActionTiming {
  /** From the droplet's creation until it is active with a public address (Docker Machine waited forever). */
  activeTimeoutMs: number
  /** How long a clean shutdown may take before the droplet is powered off. */
  shutdownTimeoutMs: number
  /** From the delete until the API no longer knows the droplet. */
  goneTimeoutMs: number
}

export const DEFAULT_TIMING: DriverTiming = {
  activeTimeoutMs: 300_000,
  shutdownTimeoutMs: 60_000,
  goneTimeoutMs: 300_000,
  actionTimeoutMs: 300_000,
  pollIntervalMs: 1000,
}

/** The engine port berth provisions, as Docker Machine's driver reported it. */
/** Reads of the droplet this close together share one request (address, URL and SSH endpoint are asked at once). */
const REUSE_MS = 2000
/** How far DigitalOcean's clock may be behind this one when berth looks for a droplet it may have made. */
const CLOCK_SKEW_MS = 60_000
/** For looking up what an uninterruptible request made, even after Ctrl-C. */
const RECOVER_TIMEOUT_MS = 60_000

/** A machine on a DigitalOcean droplet: an imported (or the user's) SSH key, a tagged droplet, power through droplet actions. */
export class DigitalOceanDriver implements Driver {
  private dropletId: number | undefined
  private accountUuid: string | undefined
  private connection: Promise<DigitalOceanApi> | undefined
  private recent: {at: number; droplet: Promise<Droplet | undefined>} | undefined
  /** The user's key (--digitalocean-ssh-key-path) as the pre-create check read it: what create copies. */
  private userKey: UserSshKey | undefined

  constructor(
    private settings: DigitalOceanSettings,
    private readonly setup: DriverSetup,
    private readonly token: string | undefined,
    state: Pick<DigitalOceanState, 'dropletId' | 'accountUuid'> = {},
    private readonly timing: DriverTiming = DEFAULT_TIMING,
  ) {
    this.dropletId = state.dropletId
    this.accountUuid = state.accountUuid
  }

  async preCreateCheck(ctx: OperationContext): Promise<void> {
    if (this.settings.sshKeyPath !== undefined) this.userKey = await readUserSshKey('--digitalocean-ssh-key-path', this.settings.sshKeyPath)
    await checkLocalFiles(this.settings)
    this.accountUuid = (await this.explained(async () => checkAccount(await this.api(), this.settings, ctx.signal))).uuid
  }

  async create(ctx: OperationContext): Promise<void> {
    // The machine logs in with its own 0600 copy of the user's key, which outlives the original being moved or deleted.
    if (this.userKey !== undefined) this.settings = {...this.settings, sshKeyPath: await this.setup.sshKey.keepUserKey(this.userKey), sshKeyOrigin: this.userKey.path}
    await this.explained(async () => {
      const api = await this.api()
      const sshKey = await this.sshKeyForDroplet(api, ctx)
      const name = this.setup.machineName
      const request: DropletRequest = {
        name,
        region: this.settings.region,
        size: this.settings.size,
        image: /^\d+$/.test(this.settings.image) ? Number(this.settings.image) : this.settings.image,
        ssh_keys: [sshKey],
        backups: this.settings.backups,
        ipv6: this.settings.ipv6,
        private_networking: this.settings.privateNetworking,
        monitoring: this.settings.monitoring,
        ...(this.settings.userdataPath === undefined ? {} : {user_data: await readFile(this.settings.userdataPath, 'utf8')}),
        tags: [BERTH_TAG, ...this.settings.tags.filter((tag) => tag !== BERTH_TAG)],
      }
      ctx.progress(`Creating droplet "${name}" (${this.settings.size}, ${this.settings.image}) in ${this.settings.region}`)
      const since = Date.now()
      const droplet = await api.createDroplet(request, {signal: ctx.signal, recover: async () => {
        const made = await this.dropletMadeSince(api, since)
        if (made !== undefined) ctx.progress(`The answer to the create request was lost; droplet ${made.id} is the one it made`)
        return made
      }})
      this.dropletId = droplet.id
      await ctx.record({kind: 'droplet', id: String(droplet.id), name: droplet.name})
      ctx.signal.throwIfAborted()
      ctx.progress(`Waiting for droplet ${droplet.id} to be active`)
      const active = await pollUntil(() => this.readDroplet(api, droplet.id, ctx.signal), (current) => current === undefined || (current.status === 'active' && publicIpv4(current) !== undefined), {
        signal: ctx.signal,
        timeoutMs: this.timing.activeTimeoutMs,
        intervalMs: this.timing.pollIntervalMs,
        describe: (last) => `Droplet ${droplet.id} was still ${last?.status ?? 'missing'}${last?.status === 'active' ? ' without a public IPv4 address' : ''}`,
      })
      if (active === undefined) throw new BerthError(`Droplet ${droplet.id} disappeared while berth waited for it to be active.`, {code: 'cloud-api', hint: 'See the account\'s droplets in the DigitalOcean control panel.'})
      this.recent = {at: Date.now(), droplet: Promise.resolve(active)}
    })
  }

  /** The user's key by fingerprint, or a new key for this machine, imported and recorded (so rm removes it). */
  private async sshKeyForDroplet(api: DigitalOceanApi, ctx: OperationContext): Promise<string | number> {
    if (this.settings.sshKeyFingerprint !== undefined) return this.settings.sshKeyFingerprint
    const pair = await this.setup.sshKey.create()
    const fingerprint = publicKeyFingerprint(pair.publicKey)
    const name = `berth-${this.setup.machineName}`
    // The key is new, so a key of the account with its fingerprint can only be the one this request made.
    const findIt = (): Promise<SshKey | undefined> => api.sshKey(fingerprint, AbortSignal.timeout(RECOVER_TIMEOUT_MS)).catch((error: unknown) => {
      if (error instanceof DigitalOceanApiError && error.status === 404) return undefined
      throw error
    })
    ctx.progress(`Importing the SSH key ${name} (${fingerprint})`)
    const key = await api.createSshKey(name, pair.publicKey, {signal: ctx.signal, recover: findIt}).catch(async (error: unknown) => {
      const inUse = error instanceof DigitalOceanApiError && error.status === 422 && /already in use/i.test(error.apiMessage ?? '')
      const found = inUse ? await findIt() : undefined
      if (found === undefined) throw error
      return found
    })
    await ctx.record({kind: 'ssh-key', id: String(key.id), fingerprint: key.fingerprint, name: key.name})
    ctx.signal.throwIfAborted()
    return key.id
  }

  /** After a create request whose outcome is unknown: the droplet it made, if any (named after the machine, tagged, new). */
  private async dropletMadeSince(api: DigitalOceanApi, since: number): Promise<Droplet | undefined> {
    const droplets = await api.dropletsByTag(BERTH_TAG, AbortSignal.timeout(RECOVER_TIMEOUT_MS))
    return droplets.find((droplet) => droplet.name === this.setup.machineName && Date.parse(droplet.created_at) >= since - CLOCK_SKEW_MS)
  }

  async start(ctx: OperationContext): Promise<void> {
    await this.power(ctx, 'active', async (api, id) => requireAction(api, id, 'power_on', this.timing, ctx.signal))
  }

  /** A clean shutdown; a droplet that does not go down in time (or whose shutdown fails) is powered off. */
  async stop(ctx: OperationContext): Promise<void> {
    await this.power(ctx, 'off', async (api, id) => {
      const outcome = await runAction(api, id, 'shutdown', {...this.timing, timeoutMs: this.timing.shutdownTimeoutMs}, ctx.signal)
      if (outcome === 'completed') return
      ctx.progress(`Droplet ${id} did not shut down ${outcome === 'errored' ? '(the shutdown action failed)' : `within ${Math.round(this.timing.shutdownTimeoutMs / 1000)}s`}; powering it off`)
      await requireAction(api, id, 'power_off', this.timing, ctx.signal)
    })
  }

  async kill(ctx: OperationContext): Promise<void> {
    await this.power(ctx, 'off', async (api, id) => requireAction(api, id, 'power_off', this.timing, ctx.signal))
  }

  async restart(ctx: OperationContext): Promise<void> {
    await this.power(ctx, undefined, async (api, id) => requireAction(api, id, 'reboot', this.timing, ctx.signal))
  }

  /** Run a power action unless the droplet already has the status it brings. */
  private async power(ctx: OperationContext, brings: 'active' | 'off' | undefined, act: (api: DigitalOceanApi, id: number) => Promise<void>): Promise<void> {
    await this.explained(async () => {
      const api = await this.api()
      const id = this.requireDropletId()
      const droplet = await this.readDroplet(api, id, ctx.signal) ?? await this.gone(api, id, ctx.signal)
      if (brings !== undefined && droplet.status === brings) return
      try {
        await act(api, id)
      } finally {
        this.recent = undefined
      }
    })
  }

  async remove(ctx: OperationContext, resources: readonly ResourceRecord[]): Promise<void> {
    const droplets = resources.filter((resource) => resource.kind === 'droplet')
    const keys = resources.filter((resource) => resource.kind === 'ssh-key')
    if (droplets.length === 0 && keys.length === 0) return
    await this.explained(async () => {
      const api = await this.api()
      // Another account's token would find nothing and delete nothing, and the machine would be forgotten.
      await this.requireSameAccount(api, ctx.signal)
      const failures: unknown[] = []
      // The droplet first: a key of a droplet being made must outlive the request that names it.
      for (const droplet of droplets) await this.deleteDroplet(api, Number(droplet.id), ctx).then(() => ctx.removed(droplet), (error: unknown) => failures.push(error))
      for (const key of keys) {
        ctx.progress(`Deleting the SSH key ${typeof key.name === 'string' ? key.name : key.id}`)
        await api.deleteSshKey(key.id, ctx.signal).then(() => ctx.removed(key), (error: unknown) => failures.push(error))
      }
      if (failures.length > 0) throw failures[0]
    })
  }

  private async deleteDroplet(api: DigitalOceanApi, id: number, ctx: OperationContext): Promise<void> {
    ctx.progress(`Deleting droplet ${id}`)
    await api.deleteDroplet(id, ctx.signal)
    await pollUntil(() => this.readDroplet(api, id, ctx.signal), (droplet) => droplet === undefined, {
      signal: ctx.signal,
      timeoutMs: this.timing.goneTimeoutMs,
      intervalMs: this.timing.pollIntervalMs,
      describe: (droplet) => `Droplet ${id} was still there (${droplet?.status})`,
    })
  }

  async state(signal: AbortSignal): Promise<MachineState> {
    const id = this.dropletId
    if (id === undefined) return 'NotFound'
    return this.explained(async () => {
      const api = await this.api()
      const droplet = await this.readDroplet(api, id, signal)
      if (droplet === undefined) await this.requireSameAccount(api, signal)
      return machineState(droplet)
    })
  }

  async address(signal: AbortSignal): Promise<string> {
    const droplet = await this.currentDroplet(signal)
    const address = publicIpv4(droplet)
    if (address === undefined) throw new BerthError(`Droplet ${droplet.id} of machine "${this.setup.machineName}" has no public IPv4 address (it is ${droplet.status}).`, {code: 'host-address-missing', data: {machine: this.setup.machineName, host: `Droplet ${droplet.id}`, address: 'public IPv4', state: droplet.status}, fixes: [run('start', this.setup.machineName)]})
    return address
  }

  async dockerUrl(signal: AbortSignal): Promise<string> {
    return `tcp://${await this.address(signal)}:${this.setup.enginePort}`
  }

  async sshEndpoint(signal: AbortSignal): Promise<SshEndpoint> {
    return {
      host: await this.address(signal),
      port: this.settings.sshPort,
      user: this.settings.sshUser,
      keyPath: this.settings.sshKeyPath ?? this.setup.sshKey.path,
      ...(this.settings.sshKeyOrigin === undefined ? {} : {keyOrigin: this.settings.sshKeyOrigin}),
    }
  }

  toState(): Record<string, unknown> {
    const state: DigitalOceanState = {
      ...this.settings,
      ...(this.dropletId === undefined ? {} : {dropletId: this.dropletId}),
      ...(this.accountUuid === undefined ? {} : {accountUuid: this.accountUuid}),
    }
    return {...state}
  }

  private api(): Promise<DigitalOceanApi> {
    const token = this.token
    if (token === undefined || token === '') {
      return Promise.reject(new BerthError('No DigitalOcean access token.', {code: 'cloud-api', hint: `Set ${TOKEN_ENV} (or pass --digitalocean-access-token) to a personal access token with read and write scopes.`}))
    }
    this.connection ??= import('./api.js').then(({connectDigitalOcean}) => connectDigitalOcean({baseUrl: this.settings.apiUrl, token}))
    return this.connection
  }

  private requireDropletId(): number {
    if (this.dropletId === undefined) throw new BerthError(`Machine "${this.setup.machineName}" has no droplet (its creation did not finish).`, {code: 'creation-unfinished', data: {machine: this.setup.machineName, missing: 'droplet'}, fixes: [run('rm', this.setup.machineName)]})
    return this.dropletId
  }

  /** The droplet, or undefined once the API no longer knows it. */
  private readDroplet(api: DigitalOceanApi, id: number, signal: AbortSignal): Promise<Droplet | undefined> {
    const read = api.droplet(id, signal).catch((error: unknown) => {
      if (error instanceof DigitalOceanApiError && error.status === 404) return undefined
      throw error
    })
    if (id === this.dropletId) this.recent = {at: Date.now(), droplet: read}
    return read
  }

  /** The machine's droplet as lately read (or read now); an error when it is gone. */
  private async currentDroplet(signal: AbortSignal): Promise<Droplet> {
    return this.explained(async () => {
      const id = this.requireDropletId()
      const reusable = this.recent !== undefined && Date.now() - this.recent.at < REUSE_MS ? this.recent.droplet : undefined
      const api = await this.api()
      const droplet = await (reusable ?? this.readDroplet(api, id, signal))
      return droplet ?? this.gone(api, id, signal)
    })
  }

  /** A droplet the API does not know: gone, unless the token is another account's. */
  private async gone(api: DigitalOceanApi, id: number, signal: AbortSignal): Promise<never> {
    await this.requireSameAccount(api, signal)
    throw new BerthError(`Droplet ${id} of machine "${this.setup.machineName}" no longer exists.`, {code: 'host-gone', data: {machine: this.setup.machineName, driver: 'digitalocean', host: `Droplet ${id}`}, fixes: [run('rm', this.setup.machineName)]})
  }

  private async requireSameAccount(api: DigitalOceanApi, signal: AbortSignal): Promise<void> {
    if (this.accountUuid === undefined) return
    const account = await api.account(signal)
    if (account.uuid !== this.accountUuid) throw wrongAccount(this.setup.machineName, account.email)
  }

  private async explained<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (error) {
      throw explainApiError(error, this.settings)
    }
  }
}

export function wrongAccount(machine: string, email: string): BerthError {
  return new BerthError(`Machine "${machine}" is in another DigitalOcean account than the one of the token berth was given (${email}).`, {
    code: 'cloud-api',
    hint: `Set ${TOKEN_ENV} to a token of the machine's account, or unset it if that token was typed at create.`,
  })
}
