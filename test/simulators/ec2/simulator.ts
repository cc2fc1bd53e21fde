import {randomUUID} from 'node:crypto'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {holdSeal, type TestHostPool} from '../../hosts/index.js'
import {describeImages, describeInstanceTypeOfferings, describeInstanceTypes} from './actions/catalog.js'
import {describeInstances, rebootInstances, runInstances, startInstances, stopInstances, terminateInstances} from './actions/instances.js'
import {deleteKeyPair, describeKeyPairs, importKeyPair} from './actions/key-pairs.js'
import {authorizeSecurityGroupIngress, createSecurityGroup, deleteSecurityGroup, describeSecurityGroups, describeSubnets, describeVpcs} from './actions/network.js'
import {describeAvailabilityZones, describeRegions} from './actions/regions.js'
import {BookkeepingBacking, TestHostBacking} from './backing.js'
import type {ActionHandler, SimulatorRules} from './call.js'
import {REGIONS} from './catalog.js'
import {Ec2Fault} from './fault.js'
import {FaultPlan, type InjectedFault} from './faults.js'
import {InstanceLifecycle} from './lifecycle.js'
import {QueryParams} from './query.js'
import {BAD_CREDENTIALS, verifySignature, type SimulatorCredentials} from './sigv4.js'
import {Account, newId, type Instance, type InstanceStateName, type KeyPair, type RegionState, type SecurityGroup, type Tag} from './world.js'
import {errorXml, successXml} from './xml.js'

/** AWS's documented example keys: the simulator's default account. */
export const TEST_CREDENTIALS: SimulatorCredentials = {accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', account: '123456789012'}
/** A second account, for tests that need two sets of credentials. */
export const OTHER_CREDENTIALS: SimulatorCredentials = {accessKeyId: 'AKIAI44QH8DHBEXAMPLE', secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY', account: '210987654321'}
/** Temporary credentials of the default account from the global STS endpoint: requests must carry the session token. */
export const SESSION_CREDENTIALS: SimulatorCredentials = {accessKeyId: 'ASIAIOSFODNN7EXAMPLE', secretAccessKey: 'tEmPoRaRyK7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLEtoken', globalSessionToken: true, account: '123456789012'}

const API_VERSION = '2016-11-15'

const ACTIONS: Readonly<Record<string, ActionHandler>> = {
  DescribeRegions: describeRegions,
  DescribeAvailabilityZones: describeAvailabilityZones,
  DescribeImages: describeImages,
  DescribeInstanceTypes: describeInstanceTypes,
  DescribeInstanceTypeOfferings: describeInstanceTypeOfferings,
  DescribeVpcs: describeVpcs,
  DescribeSubnets: describeSubnets,
  DescribeSecurityGroups: describeSecurityGroups,
  CreateSecurityGroup: createSecurityGroup,
  AuthorizeSecurityGroupIngress: authorizeSecurityGroupIngress,
  DeleteSecurityGroup: deleteSecurityGroup,
  ImportKeyPair: importKeyPair,
  DescribeKeyPairs: describeKeyPairs,
  DeleteKeyPair: deleteKeyPair,
  RunInstances: runInstances,
  DescribeInstances: describeInstances,
  StartInstances: startInstances,
  StopInstances: stopInstances,
  RebootInstances: rebootInstances,
  TerminateInstances: terminateInstances,
}

export interface Ec2SimulatorOptions {
  /** Back every launched instance with a test host from this pool; without it, instances exist only in the books. */
  hosts?: TestHostPool
  /** The keys the simulator accepts (default: TEST_CREDENTIALS, OTHER_CREDENTIALS and SESSION_CREDENTIALS). */
  credentials?: readonly SimulatorCredentials[]
  rules?: Partial<SimulatorRules>
}

/** One request as the simulator saw it, answered or refused. */
export interface CallRecord {
  action: string
  region: string
  accessKeyId: string
  params: Record<string, string>
  status: number
  /** The error code, when the call failed. */
  code?: string
}

/** What exists in one account and region beyond what a new account has. */
export interface Leftovers {
  account: string
  region: string
  instances: Instance[]
  keyPairs: KeyPair[]
  groups: SecurityGroup[]
}

/**
 * EC2's Query API on 127.0.0.1 for the real SDK (point it at `endpoint`): SigV4-checked requests, EC2's XML
 * answers and error shapes, per-account and per-region state, instances that go through EC2's states on test
 * hosts, and failures on demand.
 */
export class Ec2Simulator {
  readonly calls: CallRecord[] = []
  private readonly accounts = new Map<string, Account>()
  private readonly faults = new FaultPlan()
  private readonly books = new BookkeepingBacking()
  private readonly lifecycle: InstanceLifecycle
  private readonly rules: SimulatorRules
  private readonly credentials: readonly SimulatorCredentials[]
  private server?: Server
  private base = ''
  private releaseSeal?: () => Promise<void>

  private constructor(private readonly options: Ec2SimulatorOptions) {
    this.credentials = options.credentials ?? [TEST_CREDENTIALS, OTHER_CREDENTIALS, SESSION_CREDENTIALS]
    this.rules = {instanceProfiles: ['berth-test-profile'], instanceLimit: 20, spotPrice: 0.0125, visibilityDelayMs: 0, ...options.rules}
    this.lifecycle = new InstanceLifecycle(options.hosts === undefined ? undefined : new TestHostBacking(options.hosts), this.books)
  }

  static async start(options: Ec2SimulatorOptions = {}): Promise<Ec2Simulator> {
    const simulator = new Ec2Simulator(options)
    // Instances without a host have addresses in a sealed range: a client that tries one must not leave this machine.
    simulator.releaseSeal = await holdSeal()
    const server = createServer((request, response) => void simulator.handle(request, response))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    simulator.server = server
    simulator.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return simulator
  }

  /** The URL to give the SDK (or berth's --amazonec2-endpoint). */
  get endpoint(): string {
    return this.base
  }

  /** The calls of one action (in one region, if given). */
  callsTo(action: string, region?: string): CallRecord[] {
    return this.calls.filter((call) => call.action === action && (region === undefined || call.region === region))
  }

  /** Make calls of an action ("*": any action) fail, hang, or both; see InjectedFault for which calls. */
  inject(action: string, fault: InjectedFault): void {
    this.faults.add(action, fault)
  }

  /** The next `times` calls of an action answer EC2's throttling error (RequestLimitExceeded, HTTP 503). */
  throttle(action: string, times = 1): void {
    this.faults.add(action, {code: 'RequestLimitExceeded', times})
  }

  clearFaults(): void {
    this.faults.clear()
  }

  /** The next launched instance goes from pending to terminated instead of running, with this state reason. */
  failNextLaunch(reason = {code: 'Server.InternalError', message: 'Server.InternalError: Internal error on launch'}): void {
    this.lifecycle.failNextLaunch(reason)
  }

  account(credentials: SimulatorCredentials = TEST_CREDENTIALS): Account {
    let account = this.accounts.get(credentials.account)
    if (account === undefined) {
      account = new Account(credentials.account)
      this.accounts.set(credentials.account, account)
    }
    return account
  }

  region(name: string, credentials: SimulatorCredentials = TEST_CREDENTIALS): RegionState {
    return this.account(credentials).region(name)
  }

  /** Everything made in any account and region that is still there (terminated instances do not count). */
  leftovers(): Leftovers[] {
    return [...this.accounts.values()].flatMap((account) => account.allRegions().map((region) => ({account: account.id, region: region.name, ...region.made()})))
      .filter((left) => left.instances.length + left.keyPairs.length + left.groups.length > 0)
  }

  /**
   * Instances without test hosts, straight into the books (no API call is logged): for listing many machines
   * cheaply. They answer every API call as launched ones do, and stop, start and terminate without a host.
   */
  addInstances(count: number, options: {region?: string; credentials?: SimulatorCredentials; state?: Extract<InstanceStateName, 'running' | 'stopped'>; tags?: Tag[]} = {}): Instance[] {
    const region = this.region(options.region ?? 'us-east-1', options.credentials)
    const subnet = region.subnets[0]!
    const group = region.groups.find((candidate) => candidate.isDefault)!
    const reservationId = newId('r')
    const state = options.state ?? 'running'
    return Array.from({length: count}, (_unused, index) => {
      const instance: Instance = {
        id: newId('i'), reservationId, imageId: 'ami-0bookkeeping0000', instanceType: 't3.micro', architecture: 'x86_64', zone: subnet.zone, subnetId: subnet.id,
        vpcId: subnet.vpcId, groupIds: [group.id], tags: options.tags ?? [], state, transitionReason: '', privateIp: `172.31.${200 + (index >> 8)}.${index & 255}`,
        associatePublicIp: true, launched: new Date(), rootDeviceName: '/dev/sda1', rootVolume: {size: 8, type: 'gp3'}, monitoring: false, ebsOptimized: false,
        backed: false, visibleAt: 0, ...(state === 'running' ? {publicIp: this.books.nextAddress()} : {}),
      }
      region.instances.push(instance)
      return instance
    })
  }

  /** Resolves when every instance has finished its transition (launch, stop, start, reboot, terminate). */
  settle(): Promise<void> {
    return this.lifecycle.idle()
  }

  /** Stop answering and wait for instance work under way; test hosts stay with their pool. */
  async stop(): Promise<void> {
    const server = this.server
    if (server !== undefined) {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
    await this.lifecycle.idle()
    await this.releaseSeal?.()
    this.releaseSeal = undefined
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID()
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    const query = request.method === 'GET' ? new URL(request.url ?? '/', 'http://simulator').search.slice(1) : body
    const params = QueryParams.parse(query)
    const action = params.string('Action') ?? ''
    const record: CallRecord = {action, region: '', accessKeyId: '', params: params.entries(), status: 200}
    this.calls.push(record)
    let answer: {status: number; xml: string}
    try {
      const signed = verifySignature({method: request.method ?? 'POST', url: request.url ?? '/', headers: request.headers, body}, (id) => this.credentials.find((credentials) => credentials.accessKeyId === id))
      record.accessKeyId = signed.credentials.accessKeyId
      record.region = signed.region
      const region = REGIONS.find((spec) => spec.name === signed.region)
      if (region === undefined) throw new Ec2Fault('SignatureDoesNotMatch', `Credential should be scoped to a valid region, not '${signed.region}'. `, 403)
      // A region the account has not enabled does not know its credentials, and an opt-in region does not take version 1
      // session tokens: EC2 there answers as to wrong keys.
      if (region.optIn === 'not-opted-in' || (region.optIn === 'opted-in' && signed.credentials.globalSessionToken === true)) throw new Ec2Fault('AuthFailure', BAD_CREDENTIALS, 401)
      if (action === '') throw new Ec2Fault('MissingAction', 'The request must contain the parameter Action')
      if (params.string('Version') !== API_VERSION) throw new Ec2Fault('InvalidParameterValue', `Invalid value '${params.string('Version') ?? ''}' for Version.`)
      const handler = ACTIONS[action]
      if (handler === undefined) throw new Ec2Fault('InvalidAction', `The action ${action} is not valid for this web service.`)
      const injected = this.faults.take(action)
      if (injected?.hangMs !== undefined) await new Promise((resolve) => setTimeout(resolve, injected.hangMs))
      if (injected?.error !== undefined && injected.afterEffect !== true) throw injected.error
      if (params.bool('DryRun') === true) throw new Ec2Fault('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412)
      const result = handler({params, account: this.account(signed.credentials), region: this.region(signed.region, signed.credentials), rules: this.rules, lifecycle: this.lifecycle, backed: this.options.hosts !== undefined})
      if (injected?.error !== undefined) throw injected.error
      answer = {status: 200, xml: successXml(action, requestId, result)}
    } catch (error) {
      const fault = error instanceof Ec2Fault ? error : new Ec2Fault('InternalError', `An internal error has occurred (${String(error)})`, 500)
      record.status = fault.status
      record.code = fault.code
      answer = {status: fault.status, xml: errorXml(fault.code, fault.message, requestId)}
    }
    if (response.destroyed) return
    response.writeHead(answer.status, {'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId}).end(answer.xml)
  }
}

export const startEc2Simulator = (options: Ec2SimulatorOptions = {}): Promise<Ec2Simulator> => Ec2Simulator.start(options)

