/** What the simulated cloud offers: its locations, VM sizes and platform images. */

export interface SimLocation {
  name: string
  displayName: string
}

export const LOCATIONS: readonly SimLocation[] = [
  {name: 'westus2', displayName: 'West US 2'},
  {name: 'eastus', displayName: 'East US'},
  {name: 'westeurope', displayName: 'West Europe'},
  {name: 'northeurope', displayName: 'North Europe'},
]

export interface SimSize {
  name: string
  family: string
  vCPUs: number
  memoryGB: number
  /** Locations where the subscription may not use this size (an Azure "NotAvailableForSubscription" restriction). */
  restrictedIn?: readonly string[]
}

export const SIZES: readonly SimSize[] = [
  {name: 'Standard_B1s', family: 'standardBSFamily', vCPUs: 1, memoryGB: 1},
  {name: 'Standard_B2s', family: 'standardBSFamily', vCPUs: 2, memoryGB: 4},
  {name: 'Standard_D2s_v5', family: 'standardDSv5Family', vCPUs: 2, memoryGB: 8},
  {name: 'Standard_D4s_v5', family: 'standardDSv5Family', vCPUs: 4, memoryGB: 16},
  {name: 'Standard_NC6s_v3', family: 'standardNCSv3Family', vCPUs: 6, memoryGB: 112, restrictedIn: ['westus2', 'eastus', 'westeurope', 'northeurope']},
]

export interface SimImage {
  publisher: string
  offer: string
  sku: string
  versions: readonly string[]
}

export const IMAGES: readonly SimImage[] = [
  {publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', versions: ['24.04.202410180', '24.04.202411030']},
  {publisher: 'Canonical', offer: '0001-com-ubuntu-server-jammy', sku: '22_04-lts-gen2', versions: ['22.04.202411010']},
  {publisher: 'Debian', offer: 'debian-12', sku: '12-gen2', versions: ['0.20241111.1928']},
]

export function findLocation(name: string): SimLocation | undefined {
  return LOCATIONS.find((location) => location.name === name.toLowerCase())
}

export function findSize(name: string): SimSize | undefined {
  return SIZES.find((size) => size.name.toLowerCase() === name.toLowerCase())
}

export function findImage(publisher: string, offer: string, sku: string): SimImage | undefined {
  const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase()
  return IMAGES.find((image) => same(image.publisher, publisher) && same(image.offer, offer) && same(image.sku, sku))
}

/** A resource SKU as GET .../providers/Microsoft.Compute/skus lists it. */
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
      {name: 'PremiumIO', value: 'True'},
    ],
    restrictions: restricted
      ? [{type: 'Location', values: [location], restrictionInfo: {locations: [location]}, reasonCode: 'NotAvailableForSubscription'}]
      : [],
  }
}
