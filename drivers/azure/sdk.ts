/**
 * The Azure SDK, behind one module: every @azure/* import of the driver is here, and each client is imported
 * only when a call needs it (the four packages together take ~0.7 s to import). The rest of the driver speaks
 * in plain values; errors leave this module as AzureCallError or AzureCredentialError.
 */
import type {TokenCredential, AccessToken, GetTokenOptions} from '@azure/identity'
import type {ComputeManagementClient, VirtualMachine} from '@azure/arm-compute'
import type {NetworkManagementClient} from '@azure/arm-network'
import type {ResourceManagementClient} from '@azure/arm-resources'
import {isKnownAuthorityHost} from './environments.js'
import {AzureCallError, AzureCredentialError, normalizeSdkError, oneLine} from './errors.js'
import {retryPolicy, type Notify} from './retry-policy.js'
import type {ImageUrn} from './settings.js'
import type {ImageFacts, LocationSkus} from './vm-compatibility.js'

export interface AzureAuth {
  resourceManagerEndpoint: string
  authorityHost: string
  subscriptionId: string
  tenantId?: string
  clientId?: string
  clientSecret?: string
}

export interface SecurityRule {
  name: string
  port: number
  protocol: 'Tcp' | 'Udp'
  priority: number
}

export interface VmSpec {
  location: string
  size: string
  image: ImageUrn
  storageType: string
  osDiskName: string
  computerName: string
  adminUser: string
  publicKey: string
  customData?: string
  nicId: string
  availabilitySetId?: string
  tags: Record<string, string>
}

export interface NicSpec {
  location: string
  subnetId: string
  nsgId: string
  publicIpId?: string
  privateIpAddress?: string
  tags: Record<string, string>
}

export type {Notify} from './retry-policy.js'

/** One subscription of one cloud, signed in as the configured identity. */
export class AzureArm {
  private computeClient?: Promise<ComputeManagementClient>
  private networkClient?: Promise<NetworkManagementClient>
  private resourcesClient?: Promise<ResourceManagementClient>
  private readonly scope: string

  private constructor(private readonly auth: AzureAuth, private readonly credential: TokenCredential, private readonly notify: Notify) {
    this.scope = `${auth.resourceManagerEndpoint}/.default`
  }

  static async connect(auth: AzureAuth, notify: Notify = () => {}): Promise<AzureArm> {
    return new AzureArm(auth, await credentialFor(auth), notify)
  }

  /** Get a token now: proves the credentials before anything is made. */
  async signIn(signal: AbortSignal): Promise<void> {
    await this.call(() => this.credential.getToken(this.scope, {abortSignal: signal}))
  }

  // Resource groups.

  async groupTags(name: string, signal: AbortSignal): Promise<Record<string, string> | undefined> {
    const client = await this.resources()
    return this.orMissing(async () => (await client.resourceGroups.get(name, {abortSignal: signal})).tags ?? {})
  }

  async createGroup(name: string, location: string, tags: Record<string, string>, signal: AbortSignal): Promise<void> {
    const client = await this.resources()
    await this.call(() => client.resourceGroups.createOrUpdate(name, {location, tags}, {abortSignal: signal}))
  }

  async groupResourceIds(name: string, signal: AbortSignal): Promise<string[]> {
    const client = await this.resources()
    return this.call(async () => {
      const ids: string[] = []
      for await (const resource of client.resources.listByResourceGroup(name, {abortSignal: signal})) ids.push(resource.id ?? '')
      return ids
    })
  }

  async deleteGroup(name: string, signal: AbortSignal): Promise<void> {
    const client = await this.resources()
    await this.call(() => client.resourceGroups.beginDeleteAndWait(name, {abortSignal: signal}))
  }

  // What the cloud offers.

  /** Locations (as names: "westus2") where the subscription can create VMs. */
  async vmLocations(signal: AbortSignal): Promise<string[]> {
    const client = await this.resources()
    const provider = await this.call(() => client.providers.get('Microsoft.Compute', {abortSignal: signal}))
    const type = provider.resourceTypes?.find((entry) => entry.resourceType?.toLowerCase() === 'virtualmachines')
    // The provider lists display names ("West US 2"); a location's name is that, lower case, without spaces.
    return (type?.locations ?? []).map((location) => location.toLowerCase().replace(/\s+/g, ''))
  }

  /** The VM sizes (with their restrictions and capabilities) and the OS disk types a location offers, in one listing. */
  async locationSkus(location: string, signal: AbortSignal): Promise<LocationSkus> {
    const client = await this.compute()
    return this.call(async () => {
      const found: LocationSkus = {sizes: [], diskTypes: []}
      for await (const sku of client.resourceSkus.list({filter: `location eq '${location}'`, abortSignal: signal})) {
        if (sku.name === undefined) continue
        if (sku.resourceType === 'disks') found.diskTypes.push(sku.name)
        if (sku.resourceType !== 'virtualMachines') continue
        const capability = (name: string): string | undefined => sku.capabilities?.find((entry) => entry.name === name)?.value
        found.sizes.push({
          name: sku.name,
          restricted: (sku.restrictions ?? []).some((restriction) => restriction.type === 'Location' && restriction.reasonCode === 'NotAvailableForSubscription'),
          premiumIO: capability('PremiumIO')?.toLowerCase() === 'true',
          hyperVGenerations: (capability('HyperVGenerations') ?? '').split(',').map((name) => name.trim()).filter(Boolean),
          architecture: capability('CpuArchitectureType'),
        })
      }
      return found
    })
  }

  /** The image version "latest" stands for (or the version asked for) with its generation and architecture, or undefined when there is no such image. */
  async imageFacts(location: string, image: ImageUrn, signal: AbortSignal): Promise<ImageFacts | undefined> {
    const client = await this.compute()
    const versions = await this.orMissing(() => client.virtualMachineImages.list(location, image.publisher, image.offer, image.sku, {abortSignal: signal, orderby: 'name desc'}))
    const names = (versions ?? []).map((version) => version.name)
    const version = image.version.toLowerCase() === 'latest' ? names[0] : names.find((name) => name === image.version)
    if (version === undefined) return undefined
    const details = await this.call(() => client.virtualMachineImages.get(location, image.publisher, image.offer, image.sku, version, {abortSignal: signal}))
    return {version, hyperVGeneration: details.hyperVGeneration, architecture: details.architecture}
  }

  // Network.

  async vnet(group: string, name: string, signal: AbortSignal): Promise<{tags: Record<string, string>; subnets: {name: string; used: boolean}[]} | undefined> {
    const client = await this.network()
    return this.orMissing(async () => {
      const vnet = await client.virtualNetworks.get(group, name, {abortSignal: signal})
      return {tags: vnet.tags ?? {}, subnets: (vnet.subnets ?? []).map((subnet) => ({name: subnet.name ?? '', used: (subnet.ipConfigurations ?? []).length > 0}))}
    })
  }

  async createVnet(group: string, name: string, location: string, prefix: string, subnet: string, tags: Record<string, string>, signal: AbortSignal): Promise<void> {
    const client = await this.network()
    await this.call(() => client.virtualNetworks.beginCreateOrUpdateAndWait(group, name, {location, tags, addressSpace: {addressPrefixes: [prefix]}, subnets: [{name: subnet, addressPrefix: prefix}]}, {abortSignal: signal}))
  }

  async createSubnet(group: string, vnet: string, name: string, prefix: string, signal: AbortSignal): Promise<void> {
    const client = await this.network()
    await this.call(() => client.subnets.beginCreateOrUpdateAndWait(group, vnet, name, {addressPrefix: prefix}, {abortSignal: signal}))
  }

  async deleteVnet(group: string, name: string, signal: AbortSignal): Promise<void> {
    const client = await this.network()
    await this.call(() => client.virtualNetworks.beginDeleteAndWait(group, name, {abortSignal: signal}))
  }

  async deleteSubnet(group: string, vnet: string, name: string, signal: AbortSignal): Promise<void> {
    const client = await this.network()
    await this.call(() => client.subnets.beginDeleteAndWait(group, vnet, name, {abortSignal: signal}))
  }

  async createNsg(group: string, name: string, location: string, rules: readonly SecurityRule[], tags: Record<string, string>, signal: AbortSignal): Promise<void> {
    const client = await this.network()
    const securityRules = rules.map((rule) => ({
      name: rule.name, protocol: rule.protocol, priority: rule.priority, direction: 'Inbound', access: 'Allow',
      sourceAddressPrefix: '*', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: String(rule.port),
    }))
    await this.call(() => client.networkSecurityGroups.beginCreateOrUpdateAndWait(group, name, {location, tags, securityRules}, {abortSignal: signal}))
  }

  async deleteNsg(group: string, name: string, signal: AbortSignal): Promise<void> {
    const client = await this.network()
    await this.call(() => client.networkSecurityGroups.beginDeleteAndWait(group, name, {abortSignal: signal}))
  }

  /** A Standard public IP: static, the only kind Azure still offers (Basic SKU IPs were retired in September 2025). */
  async createPublicIp(group: string, name: string, location: string, dnsLabel: string | undefined, tags: Record<string, string>, signal: AbortSignal): Promise<void> {
    const client = await this.network()
    await this.call(() => client.publicIPAddresses.beginCreateOrUpdateAndWait(group, name, {
      location, tags, sku: {name: 'Standard', tier: 'Regional'}, publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4',
      ...(dnsLabel === undefined ? {} : {dnsSettings: {domainNameLabel: dnsLabel}}),
    }, {abortSignal: signal}))
  }

  async publicIpAddress(group: string, name: string, signal: AbortSignal): Promise<string | undefined> {
    const client = await this.network()
    return this.call(async () => (await client.publicIPAddresses.get(group, name, {abortSignal: signal})).ipAddress)
  }

  async deletePublicIp(group: string, name: string, signal: AbortSignal): Promise<void> {
    const client = await this.network()
    await this.call(() => client.publicIPAddresses.beginDeleteAndWait(group, name, {abortSignal: signal}))
  }

  async createNic(group: string, name: string, spec: NicSpec, signal: AbortSignal): Promise<void> {
    const client = await this.network()
    await this.call(() => client.networkInterfaces.beginCreateOrUpdateAndWait(group, name, {
      location: spec.location,
      tags: spec.tags,
      networkSecurityGroup: {id: spec.nsgId},
      ipConfigurations: [{
        name: 'ipconfig1',
        subnet: {id: spec.subnetId},
        ...(spec.publicIpId === undefined ? {} : {publicIPAddress: {id: spec.publicIpId}}),
        ...(spec.privateIpAddress === undefined ? {privateIPAllocationMethod: 'Dynamic'} : {privateIPAllocationMethod: 'Static', privateIPAddress: spec.privateIpAddress}),
      }],
    }, {abortSignal: signal}))
  }

  async nicPrivateAddress(group: string, name: string, signal: AbortSignal): Promise<string | undefined> {
    const client = await this.network()
    return this.call(async () => (await client.networkInterfaces.get(group, name, {abortSignal: signal})).ipConfigurations?.[0]?.privateIPAddress)
  }

  async deleteNic(group: string, name: string, signal: AbortSignal): Promise<void> {
    const client = await this.network()
    await this.call(() => client.networkInterfaces.beginDeleteAndWait(group, name, {abortSignal: signal}))
  }

  // Compute.

  /** How many VMs an availability set holds, and its tags; undefined when there is no such set. */
  async availabilitySet(group: string, name: string, signal: AbortSignal): Promise<{vms: number; tags: Record<string, string>} | undefined> {
    const client = await this.compute()
    return this.orMissing(async () => {
      const set = await client.availabilitySets.get(group, name, {abortSignal: signal})
      return {vms: set.virtualMachines?.length ?? 0, tags: set.tags ?? {}}
    })
  }

  async createAvailabilitySet(group: string, name: string, location: string, tags: Record<string, string>, signal: AbortSignal): Promise<void> {
    const client = await this.compute()
    await this.call(() => client.availabilitySets.createOrUpdate(group, name, {location, tags, sku: {name: 'Aligned'}, platformFaultDomainCount: 2, platformUpdateDomainCount: 5}, {abortSignal: signal}))
  }

  async deleteAvailabilitySet(group: string, name: string, signal: AbortSignal): Promise<void> {
    const client = await this.compute()
    await this.call(() => client.availabilitySets.delete(group, name, {abortSignal: signal}))
  }

  async vmExists(group: string, name: string, signal: AbortSignal): Promise<boolean> {
    const client = await this.compute()
    return (await this.orMissing(() => client.virtualMachines.get(group, name, {abortSignal: signal}))) !== undefined
  }

  async createVm(group: string, name: string, spec: VmSpec, signal: AbortSignal): Promise<void> {
    const client = await this.compute()
    const vm: VirtualMachine = {
      location: spec.location,
      tags: spec.tags,
      hardwareProfile: {vmSize: spec.size},
      storageProfile: {
        imageReference: {...spec.image},
        osDisk: {name: spec.osDiskName, createOption: 'FromImage', caching: 'ReadWrite', managedDisk: {storageAccountType: spec.storageType}, deleteOption: 'Delete'},
      },
      osProfile: {
        computerName: spec.computerName,
        adminUsername: spec.adminUser,
        ...(spec.customData === undefined ? {} : {customData: spec.customData}),
        linuxConfiguration: {disablePasswordAuthentication: true, ssh: {publicKeys: [{path: `/home/${spec.adminUser}/.ssh/authorized_keys`, keyData: spec.publicKey}]}},
      },
      networkProfile: {networkInterfaces: [{id: spec.nicId, primary: true, deleteOption: 'Detach'}]},
      ...(spec.availabilitySetId === undefined ? {} : {availabilitySet: {id: spec.availabilitySetId}}),
    }
    await this.call(() => client.virtualMachines.createOrUpdate(group, name, vm, {abortSignal: signal}))
  }

  /** The VM's instance view status codes ("ProvisioningState/succeeded", "PowerState/running"), or undefined when it is gone. */
  async vmStatuses(group: string, name: string, signal: AbortSignal): Promise<string[] | undefined> {
    const client = await this.compute()
    return this.orMissing(async () => ((await client.virtualMachines.instanceView(group, name, {abortSignal: signal})).statuses ?? []).map((status) => status.code ?? ''))
  }

  /** Every VM of the subscription with its status codes, in one list call: keys are lower-case resource ids. */
  async allVmStatuses(signal: AbortSignal): Promise<Map<string, string[]>> {
    const client = await this.compute()
    return this.call(async () => {
      const statuses = new Map<string, string[]>()
      for await (const vm of client.virtualMachines.listAll({statusOnly: 'true', abortSignal: signal})) {
        statuses.set((vm.id ?? '').toLowerCase(), (vm.instanceView?.statuses ?? []).map((status) => status.code ?? ''))
      }
      return statuses
    })
  }

  async startVm(group: string, name: string, signal: AbortSignal): Promise<void> {
    const client = await this.compute()
    await this.call(() => client.virtualMachines.start(group, name, {abortSignal: signal}))
  }

  async powerOffVm(group: string, name: string, skipShutdown: boolean, signal: AbortSignal): Promise<void> {
    const client = await this.compute()
    await this.call(() => client.virtualMachines.powerOff(group, name, {skipShutdown, abortSignal: signal}))
  }

  async deallocateVm(group: string, name: string, signal: AbortSignal): Promise<void> {
    const client = await this.compute()
    await this.call(() => client.virtualMachines.deallocate(group, name, {abortSignal: signal}))
  }

  async restartVm(group: string, name: string, signal: AbortSignal): Promise<void> {
    const client = await this.compute()
    await this.call(() => client.virtualMachines.restart(group, name, {abortSignal: signal}))
  }

  async deleteVm(group: string, name: string, signal: AbortSignal): Promise<void> {
    const client = await this.compute()
    await this.call(() => client.virtualMachines.delete(group, name, {abortSignal: signal}))
  }

  async deleteDisk(group: string, name: string, signal: AbortSignal): Promise<void> {
    const client = await this.compute()
    await this.call(() => client.disks.delete(group, name, {abortSignal: signal}))
  }

  private compute(): Promise<ComputeManagementClient> {
    this.computeClient ??= import('@azure/arm-compute').then(({ComputeManagementClient}) =>
      this.withRetries(new ComputeManagementClient(this.credential, this.auth.subscriptionId, {...this.clientOptions(), credentials: {scopes: [this.scope]}})))
    return this.computeClient
  }

  private network(): Promise<NetworkManagementClient> {
    this.networkClient ??= import('@azure/arm-network').then(({NetworkManagementClient}) =>
      this.withRetries(new NetworkManagementClient(this.credential, this.auth.subscriptionId, {...this.clientOptions(), credentialScopes: [this.scope]})))
    return this.networkClient
  }

  private resources(): Promise<ResourceManagementClient> {
    this.resourcesClient ??= import('@azure/arm-resources').then(({ResourceManagementClient}) =>
      this.withRetries(new ResourceManagementClient(this.credential, this.auth.subscriptionId, {...this.clientOptions(), credentialScopes: [this.scope]})))
    return this.resourcesClient
  }

  /** The SDK's own retries are off: berth's policy (below) retries each HTTP request, long-running polls included. */
  private clientOptions(): {endpoint: string; retryOptions: {maxRetries: number}; userAgentOptions: {userAgentPrefix: string}} {
    return {endpoint: this.auth.resourceManagerEndpoint, retryOptions: {maxRetries: 0}, userAgentOptions: {userAgentPrefix: 'berth'}}
  }

  private withRetries<T extends {pipeline: ComputeManagementClient['pipeline']}>(client: T): T {
    client.pipeline.addPolicy(retryPolicy(this.notify))
    return client
  }

  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (error) {
      throw this.translate(error)
    }
  }

  /** The result, or undefined when Azure answers 404 (the resource or its resource group is not there). */
  private async orMissing<T>(work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(work)
    } catch (error) {
      if (error instanceof AzureCallError && error.notFound) return undefined
      throw error
    }
  }

  private translate(error: unknown): unknown {
    const name = error instanceof Error ? error.name : ''
    if (['AuthenticationError', 'AuthenticationRequiredError', 'CredentialUnavailableError', 'AggregateAuthenticationError'].includes(name)) {
      return signInError(this.auth, error as Error)
    }
    return normalizeSdkError(error)
  }
}

/** A service principal when a client id is configured, else the Azure CLI's login, else (in a terminal) a device code. */
async function credentialFor(auth: AzureAuth): Promise<TokenCredential> {
  const identity = await import('@azure/identity')
  // MSAL asks login.microsoftonline.com to vouch for any sign-in host it does not know; another cloud's host cannot be vouched for there.
  const custom = {authorityHost: auth.authorityHost, disableInstanceDiscovery: !isKnownAuthorityHost(auth.authorityHost)}
  if (auth.clientId !== undefined) {
    if (auth.clientSecret === undefined) throw new AzureCredentialError(`The service principal ${auth.clientId} has no client secret.`, {hint: 'Set AZURE_CLIENT_SECRET (or pass --azure-client-secret), or unset AZURE_CLIENT_ID to use the Azure CLI\'s login.'})
    if (auth.tenantId === undefined) throw new AzureCredentialError(`The service principal ${auth.clientId} needs its tenant.`, {hint: 'Set AZURE_TENANT_ID (or pass --azure-tenant-id).'})
    return new identity.ClientSecretCredential(auth.tenantId, auth.clientId, auth.clientSecret, custom)
  }
  const cli = new identity.AzureCliCredential(auth.tenantId === undefined ? {} : {tenantId: auth.tenantId})
  let chosen: TokenCredential | undefined
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      if (chosen !== undefined) return chosen.getToken(scopes, options)
      try {
        const token = await cli.getToken(scopes, options)
        chosen = cli
        return token
      } catch (error) {
        if (!(error instanceof identity.CredentialUnavailableError)) throw error
        if (process.stdin.isTTY !== true || process.stderr.isTTY !== true) {
          throw new AzureCredentialError(`No Azure credentials: no service principal is configured and the Azure CLI has no login (${oneLine(error.message)}).`, {
            hint: 'Set AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_TENANT_ID for a service principal, or run "az login". Signing in with a device code needs a terminal.',
          })
        }
        chosen = new identity.DeviceCodeCredential({
          ...custom,
          tenantId: auth.tenantId ?? 'organizations',
          userPromptCallback: (info) => void process.stderr.write(`${info.message}\n`),
        })
        return chosen.getToken(scopes, options)
      }
    },
  }
}

/** Microsoft Entra ID's refusal, in one line that names what to change. */
function signInError(auth: AzureAuth, error: Error): AzureCredentialError {
  if (error instanceof AzureCredentialError) return error
  const code = /AADSTS(\d+)/.exec(error.message)?.[1]
  const description = /AADSTS\d+: [^.]*\./.exec(error.message)?.[0] ?? oneLine(error.message).slice(0, 300)
  const principal = auth.clientId === undefined ? 'your Azure CLI login' : `the service principal ${auth.clientId}`
  if (code === '7000215' || code === '7000222') {
    return new AzureCredentialError(`Microsoft Entra ID refused the client secret of ${principal}: ${description}`, {hint: 'Set AZURE_CLIENT_SECRET (or pass --azure-client-secret) to a current secret of that app registration.'})
  }
  if (code === '700016') {
    return new AzureCredentialError(`Microsoft Entra ID does not know the application ${auth.clientId ?? ''} in tenant ${auth.tenantId ?? ''}: ${description}`, {hint: 'Check AZURE_CLIENT_ID and AZURE_TENANT_ID (--azure-client-id, --azure-tenant-id).'})
  }
  if (code === '90002' || /endpoints_resolution_error/.test(error.message)) {
    return new AzureCredentialError(`Could not sign in to tenant ${auth.tenantId ?? ''} at ${auth.authorityHost}: the tenant is unknown there, or the sign-in service cannot be reached.`, {
      hint: 'Check AZURE_TENANT_ID (--azure-tenant-id); for another cloud, set --azure-environment or --azure-authority-host.',
    })
  }
  if (error.name === 'CredentialUnavailableError') {
    return new AzureCredentialError(`Could not sign in to Azure with ${principal}: ${oneLine(error.message)}`, {hint: 'Run "az login" again, or set AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_TENANT_ID for a service principal.'})
  }
  return new AzureCredentialError(`Microsoft Entra ID refused to sign in ${principal}: ${description}`, {hint: 'Check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or "az login").'})
}
