import {createHash, randomInt, randomUUID} from 'node:crypto'
import type {HostInit} from '../../hosts/index.js'
import {findImage, REGIONS, SIZES, type ImageRecord} from './catalog.js'
import {notFound, timestamp, unprocessable, type Account, type ActionRecord, type DropletRecord, type HostSource, type SshKeyRecord} from './model.js'

const HOSTNAME = /^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/
const TAG = /^[A-Za-z0-9_:-]{1,255}$/
const KEY_TYPES = ['ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521']
const MAX_USER_DATA = 64 * 1024

export interface CreateDropletInput {
  name?: unknown
  region?: unknown
  size?: unknown
  image?: unknown
  ssh_keys?: unknown
  backups?: unknown
  ipv6?: unknown
  private_networking?: unknown
  monitoring?: unknown
  user_data?: unknown
  tags?: unknown
}

export interface CloudOptions {
  hosts: HostSource
  init: HostInit
}

/**
 * The state of the simulated DigitalOcean: accounts (one per token), SSH keys, droplets and their actions. Every
 * droplet that is active or off is a test host; power actions act on it and complete when it has.
 */
export class Cloud {
  readonly keys = new Map<number, SshKeyRecord>()
  readonly droplets = new Map<number, DropletRecord>()
  readonly actions = new Map<number, ActionRecord>()
  /** Host operations that failed (the droplet's action ended as errored): for a test to show. */
  readonly hostErrors: string[] = []
  private readonly background = new Set<Promise<void>>()
  // Random bases: droplets of several simulators may share a host pool, whose host names must differ.
  private nextDroplet = randomInt(100_000_000, 400_000_000)
  private nextKey = randomInt(10_000_000, 40_000_000)
  private nextAction = randomInt(1_000_000_000, 2_000_000_000)
  private shutdownFailures: {count: number; afterMs: number} = {count: 0, afterMs: 0}

  constructor(private readonly options: CloudOptions) {}

  /** The next `count` shutdown actions end as errored after afterMs, the droplet still running. */
  failShutdowns(count: number, afterMs: number): void {
    this.shutdownFailures = {count, afterMs}
  }

  // SSH keys

  accountKeys(account: Account): SshKeyRecord[] {
    return [...this.keys.values()].filter((key) => key.account === account)
  }

  key(account: Account, idOrFingerprint: string): SshKeyRecord {
    const found = this.accountKeys(account).find((key) => String(key.id) === idOrFingerprint || key.fingerprint === idOrFingerprint)
    if (found === undefined) throw notFound()
    return found
  }

  createKey(account: Account, input: {name?: unknown; public_key?: unknown}): SshKeyRecord {
    if (typeof input.name !== 'string' || input.name.trim() === '') throw unprocessable('Name can\'t be blank')
    const publicKey = typeof input.public_key === 'string' ? input.public_key.trim() : ''
    const blob = keyBlob(publicKey)
    if (blob === undefined) throw unprocessable('Key invalid, key should be of the format `type key [comment]`')
    const fingerprint = createHash('md5').update(blob).digest('hex').replace(/(..)(?!$)/g, '$1:')
    if (this.accountKeys(account).some((key) => key.fingerprint === fingerprint)) throw unprocessable('SSH Key is already in use on your account')
    const key: SshKeyRecord = {id: this.nextKey++, account, name: input.name, publicKey, fingerprint}
    this.keys.set(key.id, key)
    return key
  }

  deleteKey(account: Account, idOrFingerprint: string): void {
    this.keys.delete(this.key(account, idOrFingerprint).id)
  }

  // Droplets

  accountDroplets(account: Account): DropletRecord[] {
    return [...this.droplets.values()].filter((droplet) => droplet.account === account)
  }

  droplet(account: Account, id: string): DropletRecord {
    const found = this.droplets.get(Number(id))
    if (found === undefined || found.account !== account || !/^\d+$/.test(id)) throw notFound()
    return found
  }

  image(idOrSlug: string): ImageRecord {
    const found = findImage(idOrSlug)
    if (found === undefined) throw notFound()
    return found
  }

  /** POST /v2/droplets: checked as DigitalOcean checks it; the host comes up in the background. */
  createDroplet(account: Account, input: CreateDropletInput): {droplet: DropletRecord; action: ActionRecord} {
    if (typeof input.name !== 'string' || input.name === '') throw unprocessable('Name can\'t be blank')
    if (!HOSTNAME.test(input.name) || input.name.length > 255) throw unprocessable('Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)')
    const region = REGIONS.find((candidate) => candidate.slug === input.region)
    if (region === undefined || !region.available) throw unprocessable('You specified an invalid region for Droplet creation.')
    const size = SIZES.find((candidate) => candidate.slug === input.size)
    if (size === undefined) throw unprocessable('You specified an invalid size for Droplet creation.')
    if (!size.available || !size.regions.includes(region.slug)) throw unprocessable('Size is not available in this region.')
    const image = findImage(input.image)
    if (image === undefined) throw unprocessable('You specified an invalid image for Droplet creation.')
    if (!image.regions.includes(region.slug)) throw unprocessable('The image you specified is not available in the selected region, you can transfer it to this region from the images pages.')
    // DigitalOcean's refusal; the wording is the simulator's.
    if (image.min_disk_size > size.disk) throw unprocessable(`The image requires a disk of at least ${image.min_disk_size} GB; size ${size.slug} has ${size.disk} GB.`)
    const keyRefs = input.ssh_keys ?? []
    if (!Array.isArray(keyRefs)) throw unprocessable('ssh_keys must be an array')
    const keys = keyRefs.map((ref) => {
      try {
        return this.key(account, String(ref))
      } catch {
        throw unprocessable(`The SSH key ${String(ref)} you specified is invalid.`)
      }
    })
    const tags = input.tags ?? []
    if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string' && TAG.test(tag))) throw unprocessable('Tag names may only contain letters, numbers, colons, dashes and underscores.')
    if (input.user_data !== undefined && (typeof input.user_data !== 'string' || Buffer.byteLength(input.user_data) > MAX_USER_DATA)) throw unprocessable('User data is too long (maximum is 64 KiB).')
    if (this.accountDroplets(account).filter((droplet) => !droplet.deleting).length >= account.dropletLimit) throw unprocessable('creating this/these droplet(s) will exceed your droplet limit')

    const droplet: DropletRecord = {
      id: this.nextDroplet++,
      account,
      name: input.name,
      status: 'new',
      createdAt: timestamp(),
      region: region.slug,
      size: size.slug,
      image: image.slug ?? String(image.id),
      tags: [...new Set(tags as string[])],
      backups: input.backups === true,
      ipv6: input.ipv6 === true,
      monitoring: input.monitoring === true,
      userData: input.user_data,
      authorizedKey: keys[0]?.publicKey,
      host: undefined,
      privateIp: `10.108.${randomInt(0, 16)}.${randomInt(2, 255)}`,
      deleting: false,
      moves: 0,
      work: Promise.resolve(),
    }
    this.droplets.set(droplet.id, droplet)
    const action = this.startAction(droplet, 'create')
    this.onHost(droplet, action, async () => {
      droplet.host = await this.options.hosts.up(`do-${droplet.id}`, {
        init: this.options.init,
        withoutDocker: true,
        ...(droplet.authorizedKey === undefined ? {} : {authorizedKey: droplet.authorizedKey}),
      })
      if (!droplet.deleting) droplet.status = 'active'
    })
    return {droplet, action}
  }

  /** DELETE /v2/droplets/{id}: accepted at once; the droplet is listed until its host is down. */
  deleteDroplet(account: Account, id: string): void {
    const droplet = this.droplet(account, id)
    if (droplet.deleting) return
    droplet.deleting = true
    this.track(droplet.work.then(async () => {
      try {
        await droplet.host?.down()
      } catch (error) {
        this.hostErrors.push(`droplet ${droplet.id}: removing its host: ${String(error)}`)
      }
      this.droplets.delete(droplet.id)
    }))
  }

  /** POST /v2/droplets/{id}/actions for the power actions. */
  dropletAction(account: Account, id: string, type: unknown): ActionRecord {
    const droplet = this.droplet(account, id)
    if (typeof type !== 'string' || !['power_on', 'power_off', 'shutdown', 'reboot'].includes(type)) throw unprocessable('Action type is not valid.')
    if (droplet.deleting) throw notFound()
    if (this.pending(droplet)) throw unprocessable('Droplet already has a pending event.')
    if (droplet.status === 'new') throw unprocessable('Droplet is currently being created.')
    const action = this.startAction(droplet, type)
    const host = droplet.host!
    switch (type) {
      case 'power_on':
        if (droplet.status === 'active') return this.finish(action, 'completed')
        // A droplet that is started again gets a new public address here, as a cloud may hand one out.
        this.onHost(droplet, action, async () => {
          await host.powerOn()
          droplet.moves++
          await host.moveAddress(10 + (droplet.moves % 200))
          droplet.status = 'active'
        })
        break
      case 'shutdown':
        if (droplet.status === 'off') return this.finish(action, 'completed')
        if (this.shutdownFailures.count > 0) {
          this.shutdownFailures.count--
          const {afterMs} = this.shutdownFailures
          this.onHost(droplet, action, async () => {
            await new Promise((resolve) => setTimeout(resolve, afterMs))
            throw new Error('the droplet did not shut down (simulated)')
          })
          break
        }
        this.onHost(droplet, action, async () => {
          await host.powerOff({hard: false})
          droplet.status = 'off'
        })
        break
      case 'power_off':
        if (droplet.status === 'off') return this.finish(action, 'completed')
        this.onHost(droplet, action, async () => {
          await host.powerOff({hard: true})
          droplet.status = 'off'
        })
        break
      default:
        // reboot: the same address, a new boot; an off droplet is started.
        this.onHost(droplet, action, async () => {
          if (droplet.status === 'off') await host.powerOn()
          else await host.reboot()
          droplet.status = 'active'
        })
    }
    return action
  }

  action(account: Account, id: string, dropletId?: string): ActionRecord {
    const found = this.actions.get(Number(id))
    if (found === undefined || found.account !== account || (dropletId !== undefined && String(found.dropletId) !== dropletId)) throw notFound()
    return found
  }

  dropletActions(account: Account, id: string): ActionRecord[] {
    const droplet = this.droplet(account, id)
    return [...this.actions.values()].filter((action) => action.dropletId === droplet.id).reverse()
  }

  /** Wait until nothing runs in the background (hosts coming up, actions, deletions). */
  async settle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background])
  }

  /** Whether an action is in progress on the droplet (it is "locked"). */
  pending(droplet: DropletRecord): boolean {
    return [...this.actions.values()].some((action) => action.dropletId === droplet.id && action.status === 'in-progress')
  }

  private startAction(droplet: DropletRecord, type: string): ActionRecord {
    const action: ActionRecord = {id: this.nextAction++, dropletId: droplet.id, account: droplet.account, type, status: 'in-progress', startedAt: timestamp(), completedAt: null, region: droplet.region}
    this.actions.set(action.id, action)
    return action
  }

  private finish(action: ActionRecord, status: 'completed' | 'errored'): ActionRecord {
    action.status = status
    action.completedAt = timestamp()
    return action
  }

  /** Run a host operation after the droplet's earlier ones; its action completes with it, or ends as errored. */
  private onHost(droplet: DropletRecord, action: ActionRecord, operation: () => Promise<void>): void {
    const run = droplet.work.then(operation).then(() => {
      this.finish(action, 'completed')
    }, (error: unknown) => {
      this.hostErrors.push(`droplet ${droplet.id}: ${action.type}: ${error instanceof Error ? error.message : String(error)}`)
      this.finish(action, 'errored')
    })
    droplet.work = run
    this.track(run)
  }

  private track(work: Promise<void>): void {
    this.background.add(work)
    void work.finally(() => this.background.delete(work))
  }
}

/** The key blob of an authorized_keys line, when it is one (type, base64 blob naming the same type, comment). */
function keyBlob(line: string): Buffer | undefined {
  const [type, data] = line.split(/\s+/)
  if (type === undefined || data === undefined || !KEY_TYPES.includes(type) || !/^[A-Za-z0-9+/]+=*$/.test(data)) return undefined
  const blob = Buffer.from(data, 'base64')
  const length = blob.length >= 4 ? blob.readUInt32BE(0) : -1
  return length === type.length && blob.subarray(4, 4 + length).toString() === type ? blob : undefined
}

export function newAccount(token: string, dropletLimit: number): Account {
  const uuid = randomUUID()
  return {token, uuid, email: `${uuid.slice(0, 8)}@example.com`, dropletLimit}
}
