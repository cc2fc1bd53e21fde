import {checkIpv4Address, checkUrlHost, type FlagValues, UsageError} from '../../src/driver-kit/index.js'
import {CLOUDS, RETIRED_CLOUDS} from './environments.js'

export interface ImageUrn {
  publisher: string
  offer: string
  sku: string
  version: string
}

/** Everything the driver needs to know about one machine, from create's flags or from the state it stored. */
export interface AzureSettings {
  environment: string
  resourceManagerEndpoint: string
  authorityHost: string
  subscriptionId: string
  /** Service principal (with the secret from --azure-client-secret / AZURE_CLIENT_SECRET); else the Azure CLI's login. */
  tenantId?: string
  clientId?: string
  resourceGroup: string
  location: string
  size: string
  image: ImageUrn
  sshUser: string
  dockerPort: number
  vnet: {resourceGroup: string; name: string}
  subnet: string
  subnetPrefix: string
  availabilitySet?: string
  storageType: string
  /** Extra inbound ports, "PORT/tcp" or "PORT/udp". */
  openPorts: string[]
  publicIp: boolean
  dnsLabel?: string
  usePrivateIp: boolean
  privateIpAddress?: string
  customDataFile?: string
  /** The SSH key when it is not the machine's own (berth's copy of the key Docker Machine made for an imported machine). */
  sshKeyPath?: string
  /** The names of the machine's own resources. */
  names: {vm: string; computer: string; nsg: string; publicIp: string; nic: string; osDisk: string}
}

/** The flag of the service principal's secret, kept in the machine's credentials file. */
export const SECRET_FLAG = 'azure-client-secret'

export const DEFAULTS = {
  environment: 'AzurePublicCloud',
  resourceGroup: 'berth-machines',
  location: 'westus2',
  size: 'Standard_D2s_v5',
  image: 'canonical:ubuntu-24_04-lts:server:latest',
  sshUser: 'docker-user',
  vnet: 'berth-vnet',
  subnet: 'berth-subnet',
  subnetPrefix: '192.168.0.0/16',
  storageType: 'StandardSSD_LRS',
} as const

export const STORAGE_TYPES = ['Standard_LRS', 'StandardSSD_LRS', 'Premium_LRS', 'StandardSSD_ZRS', 'Premium_ZRS']
const RESOURCE_GROUP = /^[-\w.()]{1,89}[-\w()]$/
// Azure refuses these admin names on Linux VMs; better said before anything is made.
const RESERVED_USERS = new Set(['root', 'admin', 'administrator', 'user', 'guest', 'test', 'sys', 'support', 'owner', 'server', 'sql', 'backup', 'console'])

/** Settings for a new machine, from create's flags (env fallbacks already applied by the CLI); throws UsageError. */
export function settingsFromFlags(values: FlagValues, machineName: string, enginePort: number): AzureSettings {
  const text = (flag: string): string | undefined => {
    const value = values[`azure-${flag}`]
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
  }
  const on = (flag: string): boolean => values[`azure-${flag}`] === true

  const environment = text('environment') ?? DEFAULTS.environment
  const retired = RETIRED_CLOUDS[environment]
  if (retired !== undefined) throw new UsageError(`--azure-environment ${environment} no longer exists.`, {hint: retired})
  const cloud = CLOUDS[environment]
  if (cloud === undefined) {
    throw new UsageError(`--azure-environment ${JSON.stringify(environment)} is not an Azure cloud berth knows.`, {
      hint: `Use one of ${Object.keys(CLOUDS).join(', ')}, or point --azure-resource-manager-endpoint and --azure-authority-host at another cloud.`,
    })
  }
  const subscriptionId = text('subscription-id')
  if (subscriptionId === undefined) {
    throw new UsageError('The azure driver needs the subscription to create the machine in.', {hint: 'Pass --azure-subscription-id or set AZURE_SUBSCRIPTION_ID ("az account show --query id -o tsv" prints yours).'})
  }
  const resourceGroup = text('resource-group') ?? DEFAULTS.resourceGroup
  if (!RESOURCE_GROUP.test(resourceGroup)) throw new UsageError(`--azure-resource-group ${JSON.stringify(resourceGroup)} is not a resource group name.`, {hint: 'Use up to 90 letters, digits and - _ . ( ), not ending with a period.'})
  const location = (text('location') ?? DEFAULTS.location).toLowerCase().replace(/\s+/g, '')
  if (!/^[a-z0-9]+$/.test(location)) throw new UsageError(`--azure-location ${JSON.stringify(text('location'))} is not a location name.`, {hint: 'Use a name such as westus2 or westeurope ("az account list-locations -o table" lists them).'})
  const sshUser = text('ssh-user') ?? DEFAULTS.sshUser
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(sshUser) || RESERVED_USERS.has(sshUser)) {
    throw new UsageError(`--azure-ssh-user ${JSON.stringify(sshUser)} cannot be the admin user of an Azure VM.`, {hint: 'Use a lower-case name such as docker-user (Azure refuses root, admin, administrator and a few others).'})
  }
  const storageType = text('storage-type') ?? DEFAULTS.storageType
  if (!STORAGE_TYPES.includes(storageType)) throw new UsageError(`--azure-storage-type ${JSON.stringify(storageType)} is not a disk type for an OS disk.`, {hint: `Use one of ${STORAGE_TYPES.join(', ')}.`})
  const publicIp = !on('no-public-ip')
  const dnsLabel = text('dns')
  if (!publicIp && (dnsLabel !== undefined || on('static-public-ip'))) {
    throw new UsageError('--azure-no-public-ip cannot be combined with --azure-dns or --azure-static-public-ip.')
  }
  if (dnsLabel !== undefined && !/^[a-z][a-z0-9-]{1,61}[a-z0-9]$/.test(dnsLabel)) {
    throw new UsageError(`--azure-dns ${JSON.stringify(dnsLabel)} is not a DNS label Azure accepts.`, {hint: 'Use 3-63 lower-case letters, digits and hyphens, starting with a letter.'})
  }
  const subnetPrefix = text('subnet-prefix') ?? DEFAULTS.subnetPrefix
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(subnetPrefix)) throw new UsageError(`--azure-subnet-prefix ${JSON.stringify(subnetPrefix)} is not an address range.`, {hint: 'Use CIDR notation, e.g. 192.168.0.0/16.'})
  const dockerPort = values['azure-docker-port'] ?? enginePort
  if (typeof dockerPort !== 'number' || !Number.isInteger(dockerPort) || dockerPort < 1 || dockerPort > 65535) throw new UsageError('--azure-docker-port must be a port number from 1 to 65535.')
  const privateIpAddress = text('private-ip-address')
  if (privateIpAddress !== undefined) checkIpv4Address('--azure-private-ip-address', privateIpAddress)
  const availabilitySet = text('availability-set')
  const customDataFile = text('custom-data')
  return {
    environment,
    resourceManagerEndpoint: endpoint('resource-manager-endpoint', text('resource-manager-endpoint') ?? cloud.resourceManagerEndpoint),
    authorityHost: endpoint('authority-host', text('authority-host') ?? cloud.authorityHost),
    subscriptionId,
    ...optional('tenantId', text('tenant-id')),
    ...optional('clientId', text('client-id')),
    resourceGroup,
    location,
    size: text('size') ?? DEFAULTS.size,
    image: parseImage(text('image') ?? DEFAULTS.image),
    sshUser,
    dockerPort,
    vnet: parseVnet(text('vnet') ?? DEFAULTS.vnet, resourceGroup),
    subnet: text('subnet') ?? DEFAULTS.subnet,
    subnetPrefix,
    ...optional('availabilitySet', availabilitySet),
    storageType,
    openPorts: openPorts(values['azure-open-port']),
    publicIp,
    ...optional('dnsLabel', dnsLabel),
    usePrivateIp: on('use-private-ip') || !publicIp,
    ...optional('privateIpAddress', privateIpAddress),
    ...optional('customDataFile', customDataFile),
    names: machineNames(machineName),
  }
}

/** Settings of a stored machine. The service principal's ids follow the environment when it names one. */
export function settingsFromState(state: Record<string, unknown>, env: NodeJS.ProcessEnv): AzureSettings {
  const settings = state as unknown as AzureSettings
  if (typeof settings.subscriptionId !== 'string' || typeof settings.names?.vm !== 'string') {
    throw new UsageError('The machine\'s azure driver state is incomplete (no subscription or VM name).')
  }
  const clientId = env.AZURE_CLIENT_ID || settings.clientId
  const tenantId = env.AZURE_TENANT_ID || settings.tenantId
  return {...settings, ...optional('clientId', clientId), ...optional('tenantId', tenantId)}
}

/** The machine's resources are named after it, as Docker Machine named them. */
function machineNames(machine: string): AzureSettings['names'] {
  if (!/^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,62}[a-zA-Z0-9])?$/.test(machine)) {
    throw new UsageError(`Machine name "${machine}" cannot be an Azure VM name.`, {hint: 'Azure VM names have up to 64 letters, digits, "." and "-", and end with a letter or a digit.'})
  }
  return {vm: machine, computer: machine.replace(/\./g, '-'), nsg: `${machine}-firewall`, publicIp: `${machine}-ip`, nic: `${machine}-nic`, osDisk: `${machine}-osdisk`}
}

function endpoint(flag: string, value: string): string {
  checkUrlHost(`--azure-${flag}`, value)
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UsageError(`--azure-${flag} ${JSON.stringify(value)} is not a URL.`)
  }
  if (url.protocol !== 'https:') throw new UsageError(`--azure-${flag} must be an https:// URL.`, {hint: 'Azure sends credentials only over TLS.'})
  return value.replace(/\/+$/, '')
}

function parseImage(urn: string): ImageUrn {
  const [publisher, offer, sku, version, ...rest] = urn.split(':')
  if (!publisher || !offer || !sku || !version || rest.length > 0) {
    throw new UsageError(`--azure-image ${JSON.stringify(urn)} is not an image URN.`, {hint: 'Use PUBLISHER:OFFER:SKU:VERSION, e.g. canonical:ubuntu-24_04-lts:server:latest.'})
  }
  return {publisher, offer, sku, version}
}

/** "[resource group:]name": a VNet may live in another resource group (Docker Machine's form). */
function parseVnet(value: string, resourceGroup: string): AzureSettings['vnet'] {
  const parts = value.split(':')
  const [group, name] = parts.length === 2 ? parts : [resourceGroup, parts[0]]
  if (parts.length > 2 || !group || !name) throw new UsageError(`--azure-vnet ${JSON.stringify(value)} is not [RESOURCE_GROUP:]NAME.`)
  return {resourceGroup: group, name}
}

function openPorts(given: FlagValues[string]): string[] {
  const ports = Array.isArray(given) ? given : typeof given === 'string' ? [given] : []
  return ports.map((port) => {
    const match = /^(\d{1,5})(?:\/(tcp|udp))?$/i.exec(port.trim())
    if (match === null || Number(match[1]) < 1 || Number(match[1]) > 65535) {
      throw new UsageError(`--azure-open-port ${JSON.stringify(port)} is not a port.`, {hint: 'Use PORT or PORT/tcp or PORT/udp, e.g. 8080 or 53/udp.'})
    }
    return `${Number(match[1])}/${(match[2] ?? 'tcp').toLowerCase()}`
  })
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : {[key]: value} as Record<K, string>
}
