import {BerthError} from '../../src/driver-kit/index.js'
import type {AzureSettings} from './settings.js'

/** A VM size as the location's resource SKUs describe it (Microsoft.Compute/skus, resource type virtualMachines). */
export interface SizeSku {
  name: string
  /** Not available to this subscription here (a NotAvailableForSubscription restriction). */
  restricted: boolean
  /** PremiumIO: whether it takes Premium SSD disks. */
  premiumIO: boolean
  /** HyperVGenerations: "V1", "V2". */
  hyperVGenerations: string[]
  /** CpuArchitectureType: "x64" or "Arm64". */
  architecture: string | undefined
}

/** What a location offers VMs: its sizes, and the managed disk types (resource type disks) an OS disk can have. */
export interface LocationSkus {
  sizes: SizeSku[]
  diskTypes: string[]
}

/** An image version and what a VM made from it must match. */
export interface ImageFacts {
  version: string
  hyperVGeneration: string | undefined
  architecture: string | undefined
}

type Wanted = Pick<AzureSettings, 'location' | 'storageType' | 'image'>

const generation = (name: string): string => `Gen${name.replace(/^V/i, '')}`
const urnOf = (image: AzureSettings['image']): string => `${image.publisher}:${image.offer}:${image.sku}:${image.version}`

/**
 * What ARM refuses when the VM is created, although the size, the image and the disk type each exist: a disk type
 * the location does not offer (zone-redundant ones need availability zones), Premium SSD on a size without
 * premium storage, an image of a VM generation or a CPU architecture the size cannot boot. One line naming the
 * flag, the value and the rule, with the fix; undefined when ARM would take it.
 */
export function compatibilityProblem(wanted: Wanted, size: SizeSku, diskTypes: readonly string[], image: ImageFacts): BerthError | undefined {
  const {location, storageType} = wanted
  const urn = urnOf(wanted.image)
  if (!diskTypes.includes(storageType)) {
    const zones = storageType.endsWith('_ZRS') ? ', or a location with availability zones for a zone-redundant disk' : ''
    return new BerthError(`--azure-storage-type ${storageType} is not offered in ${location} (its OS disk types are ${diskTypes.join(', ')}).`, {code: 'cloud-check', hint: `Choose one of those with --azure-storage-type${zones}.`})
  }
  if (storageType.startsWith('Premium') && !size.premiumIO) {
    return new BerthError(`--azure-storage-type ${storageType} needs a VM size with premium storage, and ${size.name} has none.`, {
      code: 'cloud-check',
      hint: 'Use --azure-storage-type StandardSSD_LRS (the default), or a size with premium storage (an "s" in its name, such as Standard_D2s_v5).',
    })
  }
  if (image.hyperVGeneration !== undefined && size.hyperVGenerations.length > 0 && !size.hyperVGenerations.some((name) => name.toLowerCase() === image.hyperVGeneration!.toLowerCase())) {
    const boots = size.hyperVGenerations.map(generation).join(' and ')
    const gen1Only = boots === 'Gen1' ? ' (Canonical\'s Gen1 SKUs end in -gen1, such as server-gen1)' : ''
    return new BerthError(`--azure-image ${urn} is a ${generation(image.hyperVGeneration)} image, and VM size ${size.name} boots only ${boots}.`, {
      code: 'cloud-check',
      hint: `Choose a ${boots} image with --azure-image${gen1Only}, or a size that boots ${generation(image.hyperVGeneration)} with --azure-size.`,
    })
  }
  if (image.architecture !== undefined && size.architecture !== undefined && image.architecture.toLowerCase() !== size.architecture.toLowerCase()) {
    return new BerthError(`--azure-image ${urn} is for ${image.architecture}, and VM size ${size.name} runs ${size.architecture}.`, {
      code: 'cloud-check',
      hint: `Choose an image and a size of the same architecture (Arm64 sizes have a "p" in their name, such as Standard_D2ps_v5; Arm64 images an -arm64 SKU).`,
    })
  }
  return undefined
}
