/** What the simulated cloud offers: its locations, VM sizes and platform images. */

export interface SimLocation {
  name: string
  displayName: string
  /** Whether the location has availability zones: zone-redundant (ZRS) disks exist only where it does. */
  zones: boolean
}

export const LOCATIONS: readonly SimLocation[] = [
  {name: 'westus2', displayName: 'West US 2', zones: true},
  {name: 'eastus', displayName: 'East US', zones: true},
  {name: 'westeurope', displayName: 'West Europe', zones: true},
  {name: 'northeurope', displayName: 'North Europe', zones: true},
  {name: 'northcentralus', displayName: 'North Central US', zones: false},
]

export type HyperVGeneration = 'V1' | 'V2'
export type Architecture = 'x64' | 'Arm64'

export interface SimSize {
  name: string
  family: string
  vCPUs: number
  memoryGB: number
  /** Whether the size takes Premium SSD disks (its SKU's PremiumIO capability). */
  premiumIO: boolean
  /** The VM generations the size boots (HyperVGenerations). */
  hyperVGenerations: readonly HyperVGeneration[]
  architecture: Architecture
  /** The locations that offer the size; every location when absent. */
  offeredIn?: readonly string[]
  /** Locations where the subscription may not use this size (an Azure "NotAvailableForSubscription" restriction). */
  restrictedIn?: readonly string[]
}

const BOTH: readonly HyperVGeneration[] = ['V1', 'V2']

/** Sizes with the capabilities Azure lists for them: Dv5 without "s" has no premium storage, Av2 boots only Gen1, Dpsv5 is Arm64 and Gen2. */
export const SIZES: readonly SimSize[] = [
  {name: 'Standard_B1s', family: 'standardBSFamily', vCPUs: 1, memoryGB: 1, premiumIO: true, hyperVGenerations: BOTH, architecture: 'x64'},
  {name: 'Standard_B2s', family: 'standardBSFamily', vCPUs: 2, memoryGB: 4, premiumIO: true, hyperVGenerations: BOTH, architecture: 'x64'},
  {name: 'Standard_D2s_v5', family: 'standardDSv5Family', vCPUs: 2, memoryGB: 8, premiumIO: true, hyperVGenerations: BOTH, architecture: 'x64'},
  {name: 'Standard_D4s_v5', family: 'standardDSv5Family', vCPUs: 4, memoryGB: 16, premiumIO: true, hyperVGenerations: BOTH, architecture: 'x64'},
  {name: 'Standard_D2_v5', family: 'standardDv5Family', vCPUs: 2, memoryGB: 8, premiumIO: false, hyperVGenerations: BOTH, architecture: 'x64'},
  {name: 'Standard_A2_v2', family: 'standardAv2Family', vCPUs: 2, memoryGB: 4, premiumIO: false, hyperVGenerations: ['V1'], architecture: 'x64'},
  {name: 'Standard_D2ps_v5', family: 'standardDPSv5Family', vCPUs: 2, memoryGB: 8, premiumIO: true, hyperVGenerations: ['V2'], architecture: 'Arm64'},
  {name: 'Standard_HB120rs_v3', family: 'standardHBrsv3Family', vCPUs: 120, memoryGB: 448, premiumIO: true, hyperVGenerations: BOTH, architecture: 'x64', offeredIn: ['eastus']},
  {name: 'Standard_NC6s_v3', family: 'standardNCSv3Family', vCPUs: 6, memoryGB: 112, premiumIO: true, hyperVGenerations: BOTH, architecture: 'x64', restrictedIn: LOCATIONS.map((location) => location.name)},
]

/** Managed disk types an OS disk can have: the locally redundant ones everywhere, the zone-redundant ones where there are zones. */
export const DISK_TYPES: readonly {name: string; zoneRedundant: boolean}[] = [
  {name: 'Standard_LRS', zoneRedundant: false},
  {name: 'StandardSSD_LRS', zoneRedundant: false},
  {name: 'Premium_LRS', zoneRedundant: false},
  {name: 'StandardSSD_ZRS', zoneRedundant: true},
  {name: 'Premium_ZRS', zoneRedundant: true},
]

export interface SimImage {
  publisher: string
  offer: string
  sku: string
  versions: readonly string[]
  hyperVGeneration: HyperVGeneration
  architecture: Architecture
}

export const IMAGES: readonly SimImage[] = [
  {publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', versions: ['24.04.202410180', '24.04.202411030'], hyperVGeneration: 'V2', architecture: 'x64'},
  {publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server-gen1', versions: ['24.04.202411030'], hyperVGeneration: 'V1', architecture: 'x64'},
  {publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server-arm64', versions: ['24.04.202411030'], hyperVGeneration: 'V2', architecture: 'Arm64'},
  {publisher: 'Canonical', offer: '0001-com-ubuntu-server-jammy', sku: '22_04-lts-gen2', versions: ['22.04.202411010'], hyperVGeneration: 'V2', architecture: 'x64'},
  {publisher: 'Debian', offer: 'debian-12', sku: '12-gen2', versions: ['0.20241111.1928'], hyperVGeneration: 'V2', architecture: 'x64'},
]

export function findLocation(name: string): SimLocation | undefined {
  return LOCATIONS.find((location) => location.name === name.toLowerCase())
}

export function findSize(name: string): SimSize | undefined {
  return SIZES.find((size) => size.name.toLowerCase() === name.toLowerCase())
}

/** Whether a location offers the size at all (a restriction for the subscription is another matter). */
export function offers(location: string, size: SimSize): boolean {
  return size.offeredIn === undefined || size.offeredIn.includes(location)
}

/** The disk types a location offers. */
export function diskTypesIn(location: SimLocation): string[] {
  return DISK_TYPES.filter((type) => location.zones || !type.zoneRedundant).map((type) => type.name)
}

export function findImage(publisher: string, offer: string, sku: string): SimImage | undefined {
  const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase()
  return IMAGES.find((image) => same(image.publisher, publisher) && same(image.offer, offer) && same(image.sku, sku))
}

/** A VM size's resource SKU as GET .../providers/Microsoft.Compute/skus lists it. */
export function skuView(size: SimSize, location: string): Record<string, unknown> {
  const restricted = size.restrictedIn?.includes(location) === true
  return {
    resourceType: 'virtualMachines',
    name: size.name,
    tier: 'Standard',
    size: size.name.replace(/^Standard_/, ''),
    family: size.family,
    locations: [location],
    locationInfo: [{location, zones: ['1', '2', '3'], zoneDetails: []}],
    capabilities: [
      {name: 'vCPUs', value: String(size.vCPUs)},
      {name: 'MemoryGB', value: String(size.memoryGB)},
      {name: 'HyperVGenerations', value: size.hyperVGenerations.join(',')},
      {name: 'CpuArchitectureType', value: size.architecture},
      {name: 'PremiumIO', value: size.premiumIO ? 'True' : 'False'},
    ],
    restrictions: restricted
      ? [{type: 'Location', values: [location], restrictionInfo: {locations: [location]}, reasonCode: 'NotAvailableForSubscription'}]
      : [],
  }
}

/** A managed disk type's resource SKU, as the same listing has it. */
export function diskSkuView(name: string, location: SimLocation): Record<string, unknown> {
  return {
    resourceType: 'disks',
    name,
    tier: name.startsWith('Premium') ? 'Premium' : 'Standard',
    size: 'P1',
    locations: [location.name],
    locationInfo: [{location: location.name, zones: location.zones ? ['1', '2', '3'] : [], zoneDetails: []}],
    capabilities: [{name: 'MaxSizeGiB', value: '32767'}, {name: 'MinSizeGiB', value: '0'}],
    restrictions: [],
  }
}
