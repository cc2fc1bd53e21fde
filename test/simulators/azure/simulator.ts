import {randomBytes, randomUUID} from 'node:crypto'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {createServer, type Server} from 'node:https'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {issueTestCert, makeTestCa} from '../../harness/openssl.js'
import type {TestHostPool} from '../../hosts/index.js'
import {computeCatalogRoutes} from './compute-catalog.js'
import {vmRoutes, VM} from './compute.js'
import {NAME, route, type ArmContext, type Route} from './context.js'
import {Failures, type Injection} from './failures.js'
import {groupRoutes} from './groups.js'
import {ArmError, errorReply, readRequest, send, type Reply, type SimRequest} from './http.js'
import {SimDirectory, type SimPrincipal} from './identity.js'
import {Machines, type PowerState} from './machines.js'
import {networkRoutes} from './network.js'
import {Operations} from './operations.js'
import {resourceId, ResourceStore} from './store.js'

export interface AzureSimulatorOptions {
  /** Where the VMs' hosts come from. */
  hosts: TestHostPool
  /** Retry-After of long-running operations, in seconds (the SDK polls that often). Default 1. */
  pollSeconds?: number
}

export interface SimVm {
  provisioningState: string
  power: PowerState | undefined
  address: string | undefined
  running: boolean
  boots: number
}

/** One call the simulator answered, for tests that count calls or look at their order. */
export interface CallRecord {
  operation: string
  method: string
  path: string
  status: number
}

const ARM_ROUTES: readonly Route[] = [
  route('GET', `/providers/[^/]+/locations/[^/]+/operations/${NAME}`, 'operations.get', (context, _request, [id]) => context.operations.status(id!)),
  route('GET', `/providers/[^/]+/locations/[^/]+/operationResults/${NAME}`, 'operations.getResult', (context, _request, [id]) => context.operations.result(id!)),
  ...vmRoutes,
  ...computeCatalogRoutes,
  ...networkRoutes,
  ...groupRoutes,
]

/**
 * Azure Resource Manager and Microsoft Entra ID on 127.0.0.1 over HTTPS, for the real Azure SDK clients: bearer
 * tokens from the token endpoint, resource groups, Microsoft.Network and Microsoft.Compute resources with ARM's
 * long-running operations, validation and error bodies, and a real test host behind every VM. Tests point the
 * SDK at `endpoint` and `authorityHost` and trust `caFile` (NODE_EXTRA_CA_CERTS).
 */
export class AzureSimulator {
  readonly calls: CallRecord[] = []
  /** Requests no route knew: the simulator lacks something the SDK used (tests expect none). */
  readonly unsupported: string[] = []
  readonly principal: SimPrincipal
  readonly subscriptionId: string
  private readonly store = new ResourceStore()
  private readonly failures = new Failures()
  private readonly directory: SimDirectory
  private readonly operations: Operations
  private readonly machines: Machines
  private readonly busy = new Set<string>()
  private server?: Server
  private port = 0

  private constructor(options: AzureSimulatorOptions, readonly caPem: string, readonly caFile: string, private readonly scratch: string) {
    this.principal = {tenantId: randomUUID(), clientId: randomUUID(), clientSecret: `Sim~${randomBytes(18).toString('base64url')}`}
    this.subscriptionId = randomUUID()
    this.directory = new SimDirectory(() => this.endpoint, [this.principal])
    this.operations = new Operations(() => this.endpoint, options.pollSeconds ?? 1)
    this.machines = new Machines(options.hosts)
  }

  static async start(options: AzureSimulatorOptions): Promise<AzureSimulator> {
    const ca = await makeTestCa({keyType: 'ec', cn: 'berth Azure simulator CA'})
    const certificate = await issueTestCert(ca, 'server', {keyType: 'ec', sans: ['IP:127.0.0.1', 'DNS:localhost']})
    const scratch = await mkdtemp(join(tmpdir(), 'berth-azure-sim-'))
    const caFile = join(scratch, 'ca.pem')
    await writeFile(caFile, ca.certPem)
    const simulator = new AzureSimulator(options, ca.certPem, caFile, scratch)
    const server = createServer({key: certificate.keyPem, cert: certificate.certPem}, (request, response) => {
      void readRequest(request)
        .then((parsed) => simulator.answer(parsed))
        .catch((error: unknown) => errorReply(error instanceof ArmError ? error : new ArmError(500, 'InternalServerError', String(error))))
        .then((reply) => send(response, reply))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    simulator.server = server
    simulator.port = (server.address() as AddressInfo).port
    return simulator
  }

  /** The ARM endpoint (--azure-resource-manager-endpoint); the token endpoint lives on the same server. */
  get endpoint(): string {
    return `https://127.0.0.1:${this.port}`
  }

  get authorityHost(): string {
    return this.endpoint
  }

  /** Fail calls of one operation (see Injection). */
  inject(injection: Injection): void {
    this.failures.add(injection)
  }

  /** Throttle calls of one operation with ARM's 429 and a Retry-After. */
  throttle(operation: string, options: {times?: number; retryAfterSeconds?: number} = {}): void {
    this.inject({operation, status: 429, times: options.times ?? 1, retryAfterSeconds: options.retryAfterSeconds ?? 1})
  }

  get unfiredInjections(): Injection[] {
    return this.failures.unfired
  }

  count(operation: string): number {
    return this.calls.filter((call) => call.operation === operation).length
  }

  /** Everything that exists: resource group ids and resource ids (subnets included), sorted. */
  resourceIds(): string[] {
    return [...this.store.allGroups().map((group) => group.id), ...this.store.all().map((resource) => resource.id)].sort()
  }

  /** Hosts of VMs that are up or powered off (not deleted). */
  get liveHosts(): string[] {
    return this.machines.liveHosts
  }

  /** A VM as a test sees it: what ARM says of it (provisioning, power) and its host (address, running, boots). */
  vm(group: string, name: string): SimVm | undefined {
    const vm = this.store.get(resourceId(this.subscriptionId, group, VM, [name]))
    if (vm === undefined) return undefined
    const key = vm.id.toLowerCase()
    const host = this.machines.host(key)
    return {provisioningState: vm.provisioningState, power: this.machines.power(key), address: host?.ip, running: host?.running ?? false, boots: host?.boots ?? 0}
  }

  /**
   * Make the next start of a stopped VM come up at a new address, as when its public IP was replaced while it was
   * deallocated (Azure's own dynamic public IPs, which changed by themselves, were retired in 2025).
   */
  changeAddressOnNextStart(group: string, name: string): void {
    this.machines.changeAddressOnNextStart(resourceId(this.subscriptionId, group, VM, [name]).toLowerCase())
  }

  /** A token for a user of the directory, as `az account get-access-token` prints it (for a stand-in Azure CLI). */
  userToken(): {accessToken: string; expiresOn: number} {
    const {token, expiresAt} = this.directory.issue(this.principal.tenantId, 'user@example.com', this.endpoint)
    return {accessToken: token, expiresOn: Math.floor(expiresAt / 1000)}
  }

  /** Resolves when no long-running operation is in progress (a removed VM's host is down then). */
  async quiet(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.operations.busy) {
      if (Date.now() > deadline) throw new Error('The Azure simulator still has operations in progress.')
      await sleep(100)
    }
  }

  async stop(): Promise<void> {
    await this.quiet().catch(() => {})
    this.server?.closeAllConnections()
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())))
    await rm(this.scratch, {recursive: true, force: true})
  }

  private async answer(request: SimRequest): Promise<Reply> {
    const identity = this.directory.route(request)
    if (identity !== undefined) return this.record(request, identity.operation, this.injectedIdentity(identity.operation) ?? identity.answer())
    const found = this.route(request)
    if (found === undefined) {
      this.unsupported.push(`${request.method} ${request.path}`)
      return this.record(request, 'unsupported', errorReply(new ArmError(404, 'InvalidResourceType', `The simulator does not know ${request.method} ${request.path}.`)))
    }
    const {route: matched, params} = found
    try {
      const [subscription, ...rest] = params
      this.authenticate(request, subscription!)
      if (!request.query.has('api-version')) throw new ArmError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.')
      const injected = this.failures.hit(matched.operation)
      if (injected !== undefined && !injected.asynchronous) throw injected.error
      const context: ArmContext = {store: this.store, operations: this.operations, machines: this.machines, subscription: subscription!, busy: this.busy, asyncFailure: injected?.error}
      return this.record(request, matched.operation, await matched.handler(context, request, rest))
    } catch (error) {
      return this.record(request, matched.operation, errorReply(error instanceof ArmError ? error : new ArmError(500, 'InternalServerError', String(error))))
    }
  }

  private route(request: SimRequest): {route: Route; params: string[]} | undefined {
    for (const candidate of ARM_ROUTES) {
      if (candidate.method !== request.method) continue
      const match = candidate.pattern.exec(request.path)
      if (match !== null) return {route: candidate, params: match.slice(1).map(decodeURIComponent)}
    }
    return undefined
  }

  /** ARM's checks of the bearer token, in ARM's order and words. */
  private authenticate(request: SimRequest, subscription: string): void {
    const header = request.headers.authorization
    if (header === undefined) throw new ArmError(401, 'AuthenticationFailed', 'Authentication failed. The \'Authorization\' header is missing.')
    const token = /^Bearer (.+)$/i.exec(header)?.[1]
    if (token === undefined) throw new ArmError(401, 'AuthenticationFailed', 'Authentication failed. The \'Authorization\' header is provided in an invalid format.')
    const issued = this.directory.verify(token)
    if (issued === undefined) throw new ArmError(401, 'InvalidAuthenticationToken', 'The access token is invalid.')
    if (issued.audience !== this.endpoint) {
      throw new ArmError(401, 'InvalidAuthenticationTokenAudience', `The access token has been obtained for wrong audience or resource '${issued.audience}'. It should exactly match with one of the allowed audiences '${this.endpoint}','${this.endpoint}/'.`)
    }
    if (subscription.toLowerCase() !== this.subscriptionId) throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${subscription}' could not be found.`)
    if (issued.tenantId !== this.principal.tenantId) {
      throw new ArmError(401, 'InvalidAuthenticationTokenTenant', `The access token is from the wrong issuer 'https://sts.windows.net/${issued.tenantId}/'. It must match the tenant 'https://sts.windows.net/${this.principal.tenantId}/' associated with this subscription.`)
    }
  }

  /** An injected failure of the sign-in endpoints, in Entra's words rather than ARM's. */
  private injectedIdentity(operation: string): Reply | undefined {
    const injected = this.failures.hit(operation)
    if (injected === undefined) return undefined
    const {error} = injected
    return {
      status: error.status,
      body: {error: error.code, error_description: error.message, error_codes: [], timestamp: new Date().toISOString()},
      ...(error.extra.retryAfterSeconds === undefined ? {} : {headers: {'retry-after': String(error.extra.retryAfterSeconds)}}),
    }
  }

  private record(request: SimRequest, operation: string, reply: Reply): Reply {
    this.calls.push({operation, method: request.method, path: request.path, status: reply.status})
    return reply
  }
}
