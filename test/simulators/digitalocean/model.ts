import type {HostOptions} from '../../hosts/index.js'

/** A failure the API reports as {"id", "message"} with an HTTP status. */
export class ApiFailure extends Error {
  constructor(readonly status: number, readonly id: string, message: string) {
    super(message)
  }
}

export const notFound = (): ApiFailure => new ApiFailure(404, 'not_found', 'The resource you were accessing could not be found.')
export const unprocessable = (message: string): ApiFailure => new ApiFailure(422, 'unprocessable_entity', message)

/** What the simulator needs of a test host: power, a new address on demand, and removal. */
export interface DropletHost {
  readonly ip: string
  readonly gateway: string
  powerOff(options?: {hard?: boolean}): Promise<void>
  powerOn(): Promise<void>
  reboot(): Promise<void>
  moveAddress(last: number): Promise<unknown>
  down(): Promise<void>
}

/** Where droplets' hosts come from: a TestHostPool. */
export interface HostSource<Host extends DropletHost = DropletHost> {
  up(name: string, options: HostOptions): Promise<Host>
}

export interface Account {
  token: string
  uuid: string
  email: string
  dropletLimit: number
}

export interface SshKeyRecord {
  id: number
  account: Account
  name: string
  publicKey: string
  fingerprint: string
}

export type DropletStatus = 'new' | 'active' | 'off'

export interface DropletRecord {
  id: number
  account: Account
  name: string
  status: DropletStatus
  createdAt: string
  region: string
  size: string
  image: string
  tags: string[]
  backups: boolean
  ipv6: boolean
  monitoring: boolean
  userData: string | undefined
  /** The public key authorised for root on the host. */
  authorizedKey: string | undefined
  host: DropletHost | undefined
  /** A private (VPC) address, as every droplet has one. */
  privateIp: string
  /** Set by DELETE: the droplet is listed until its host is down, then forgotten. */
  deleting: boolean
  /** How many times the host moved to a new address (each power on). */
  moves: number
  /** Operations on the host, one after the other. */
  work: Promise<void>
}

export type ActionStatus = 'in-progress' | 'completed' | 'errored'

export interface ActionRecord {
  id: number
  dropletId: number
  account: Account
  type: string
  status: ActionStatus
  startedAt: string
  completedAt: string | null
  region: string
}

/** Timestamps as the API writes them: seconds, UTC. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}
