import {randomBytes} from 'node:crypto'
import {REGIONS} from './catalog.js'

export interface Tag {
  key: string
  value: string
}

export interface Vpc {
  id: string
  cidr: string
  isDefault: boolean
}

export interface Subnet {
  id: string
  vpcId: string
  zone: string
  cidr: string
  defaultForAz: boolean
}

export interface IngressRule {
  protocol: string
  fromPort: number
  toPort: number
  cidr: string
}

export interface SecurityGroup {
  id: string
  name: string
  description: string
  vpcId: string
  ingress: IngressRule[]
  tags: Tag[]
  /** The VPC's own group: it exists from the start and cannot be deleted. */
  isDefault: boolean
}

export interface KeyPair {
  id: string
  name: string
  publicKey: string
  fingerprint: string
  type: 'rsa' | 'ed25519'
  tags: Tag[]
  created: Date
}

export type InstanceStateName = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated'

export const STATE_CODES: Record<InstanceStateName, number> = {
  'pending': 0, 'running': 16, 'shutting-down': 32, 'terminated': 48, 'stopping': 64, 'stopped': 80,
}

export interface Instance {
  id: string
  reservationId: string
  imageId: string
  instanceType: string
  architecture: string
  keyName?: string
  zone: string
  subnetId: string
  vpcId: string
  groupIds: string[]
  tags: Tag[]
  state: InstanceStateName
  stateReason?: {code: string; message: string}
  /** Why the state last changed, as EC2 words it ("User initiated (2026-11-29 10:00:00 GMT)"). */
  transitionReason: string
  publicIp?: string
  privateIp: string
  associatePublicIp: boolean
  launched: Date
  clientToken?: string
  rootDeviceName: string
  rootVolume: {size: number; type: string; iops?: number; throughput?: number}
  monitoring: boolean
  ebsOptimized: boolean
  iamInstanceProfile?: string
  userData?: string
  spot?: {requestId: string; maxPrice?: string}
  /** Whether a test host runs this instance (else it only exists in the simulator's books). */
  backed: boolean
  /** Describe-by-id answers NotFound until then, as EC2's eventual consistency does right after a launch. */
  visibleAt: number
}

/** What one account has in one region. */
export class RegionState {
  readonly vpcs: Vpc[] = []
  readonly subnets: Subnet[] = []
  readonly groups: SecurityGroup[] = []
  readonly keyPairs: KeyPair[] = []
  readonly instances: Instance[] = []

  constructor(readonly name: string, zones: readonly string[]) {
    const vpc: Vpc = {id: newId('vpc'), cidr: '172.31.0.0/16', isDefault: true}
    this.vpcs.push(vpc)
    zones.forEach((zone, index) => {
      this.subnets.push({id: newId('subnet'), vpcId: vpc.id, zone: `${name}${zone}`, cidr: `172.31.${index * 16}.0/20`, defaultForAz: true})
    })
    this.groups.push({id: newId('sg'), name: 'default', description: 'default VPC security group', vpcId: vpc.id, ingress: [], tags: [], isDefault: true})
  }

  /** Every resource someone made here: the default VPC, its subnets and its default group do not count. */
  made(): {instances: Instance[]; keyPairs: KeyPair[]; groups: SecurityGroup[]} {
    return {
      instances: this.instances.filter((instance) => instance.state !== 'terminated'),
      keyPairs: [...this.keyPairs],
      groups: this.groups.filter((group) => !group.isDefault),
    }
  }
}

/** One AWS account: its regions are set up on first use, each with a default VPC as new accounts have. */
export class Account {
  private readonly regions = new Map<string, RegionState>()

  constructor(readonly id: string) {}

  region(name: string): RegionState {
    let state = this.regions.get(name)
    if (state === undefined) {
      const spec = REGIONS.find((region) => region.name === name)
      if (spec === undefined) throw new Error(`No region ${name} in the simulator.`)
      state = new RegionState(name, spec.zones)
      this.regions.set(name, state)
    }
    return state
  }

  allRegions(): RegionState[] {
    return [...this.regions.values()]
  }
}

/** EC2's long resource ids: a prefix and 17 hex digits. */
export function newId(prefix: string): string {
  return `${prefix}-0${randomBytes(9).toString('hex').slice(0, 16)}`
}
