import type {ResourceRecord} from '../../src/driver-kit/index.js'
import type {AzureSettings} from './settings.js'

/** The kinds of resource records the driver writes, in the order rm deletes them (dependents first). */
export const REMOVAL_ORDER = [
  'azure-virtual-machine',
  'azure-os-disk',
  'azure-network-interface',
  'azure-public-ip',
  'azure-network-security-group',
  'azure-subnet',
  'azure-virtual-network',
  'azure-availability-set',
  'azure-resource-group',
] as const

export type AzureResourceKind = typeof REMOVAL_ORDER[number]

/** Tags on what berth makes: shared resources name no machine, since other machines may come to use them. */
export const SHARED_TAGS: Readonly<Record<string, string>> = {'created-by': 'berth'}

export function machineTags(machine: string): Record<string, string> {
  return {...SHARED_TAGS, 'berth-machine': machine}
}

export function isBerths(tags: Record<string, string> | undefined): boolean {
  return tags?.['created-by'] === SHARED_TAGS['created-by']
}

/** ARM resource ids of a machine's resources (the records' ids, and what ARM calls them). */
export class ResourceIds {
  constructor(private readonly settings: AzureSettings) {}

  group(name = this.settings.resourceGroup): string {
    return `/subscriptions/${this.settings.subscriptionId}/resourceGroups/${name}`
  }

  of(provider: string, type: string, name: string, group = this.settings.resourceGroup): string {
    return `${this.group(group)}/providers/${provider}/${type}/${name}`
  }

  get vm(): string {
    return this.of('Microsoft.Compute', 'virtualMachines', this.settings.names.vm)
  }

  get osDisk(): string {
    return this.of('Microsoft.Compute', 'disks', this.settings.names.osDisk)
  }

  get nic(): string {
    return this.of('Microsoft.Network', 'networkInterfaces', this.settings.names.nic)
  }

  get publicIp(): string {
    return this.of('Microsoft.Network', 'publicIPAddresses', this.settings.names.publicIp)
  }

  get nsg(): string {
    return this.of('Microsoft.Network', 'networkSecurityGroups', this.settings.names.nsg)
  }

  get vnet(): string {
    return this.of('Microsoft.Network', 'virtualNetworks', this.settings.vnet.name, this.settings.vnet.resourceGroup)
  }

  get subnet(): string {
    return `${this.vnet}/subnets/${this.settings.subnet}`
  }

  availabilitySet(name: string): string {
    return this.of('Microsoft.Compute', 'availabilitySets', name)
  }
}

/** The resource group and the names along an ARM id: /subscriptions/S/resourceGroups/G[/providers/P/T/N[/T2/N2]]. */
export function parseResourceId(id: string): {group: string; names: string[]} {
  const parts = id.split('/').filter(Boolean)
  const group = parts[3] ?? ''
  const names = parts.slice(6).filter((_part, index) => index % 2 === 1)
  return {group, names}
}

export function record(kind: AzureResourceKind, id: string): ResourceRecord {
  return {kind, id}
}
