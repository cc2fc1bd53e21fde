import {describe, expect, it} from 'vitest'
import {wordError} from '../../src/cli/error-wording.js'
import {compatibilityProblem, type ImageFacts, type SizeSku} from '../../drivers/azure/vm-compatibility.js'

const size = (name: string, change: Partial<SizeSku> = {}): SizeSku => ({name, restricted: false, premiumIO: true, hyperVGenerations: ['V1', 'V2'], architecture: 'x64', ...change})
const gen2x64: ImageFacts = {version: '24.04.202411030', hyperVGeneration: 'V2', architecture: 'x64'}
const ubuntu = {publisher: 'canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest'}
const wanted = (change: {location?: string; storageType?: string; sku?: string} = {}) => ({
  location: change.location ?? 'westus2', storageType: change.storageType ?? 'StandardSSD_LRS', image: {...ubuntu, sku: change.sku ?? ubuntu.sku},
})
const ALL_DISKS = ['Standard_LRS', 'StandardSSD_LRS', 'Premium_LRS', 'StandardSSD_ZRS', 'Premium_ZRS']
const line = (problem: ReturnType<typeof compatibilityProblem>): string | undefined => (problem === undefined ? undefined : `${problem.message} ${wordError(problem).hint ?? ''}`.trim())

describe('a VM size, an image and an OS disk type that ARM takes together', () => {
  it.each([
    ['the defaults', wanted(), size('Standard_D2s_v5'), gen2x64],
    ['Premium SSD on a size with premium storage', wanted({storageType: 'Premium_LRS'}), size('Standard_D2s_v5'), gen2x64],
    ['Standard SSD on a size without premium storage', wanted(), size('Standard_D2_v5', {premiumIO: false}), gen2x64],
    ['a Gen1 image on a Gen1 size', wanted(), size('Standard_A2_v2', {hyperVGenerations: ['V1'], premiumIO: false}), {...gen2x64, hyperVGeneration: 'V1'}],
    ['an Arm64 image on an Arm64 size', wanted(), size('Standard_D2ps_v5', {hyperVGenerations: ['V2'], architecture: 'Arm64'}), {...gen2x64, architecture: 'Arm64'}],
    ['an image or a size that does not say (older SKUs and images)', wanted(), size('Standard_B1s', {hyperVGenerations: [], architecture: undefined}), {...gen2x64, hyperVGeneration: undefined, architecture: undefined}],
  ])('takes %s', (_what, settings, sku, image) => {
    expect(compatibilityProblem(settings, sku, ALL_DISKS, image)).toBeUndefined()
  })

  it.each([
    ['a zone-redundant disk where there are no zones', wanted({location: 'northcentralus', storageType: 'Premium_ZRS'}), size('Standard_D2s_v5'), gen2x64, ['Standard_LRS', 'StandardSSD_LRS', 'Premium_LRS'],
      '--azure-storage-type Premium_ZRS is not offered in northcentralus (its OS disk types are Standard_LRS, StandardSSD_LRS, Premium_LRS). Choose one of those with --azure-storage-type, or a location with availability zones for a zone-redundant disk.'],
    ['a disk type the location lacks', wanted({storageType: 'Premium_LRS'}), size('Standard_D2s_v5'), gen2x64, ['Standard_LRS'],
      '--azure-storage-type Premium_LRS is not offered in westus2 (its OS disk types are Standard_LRS). Choose one of those with --azure-storage-type.'],
    ['Premium SSD on a size without premium storage', wanted({storageType: 'Premium_LRS'}), size('Standard_D2_v5', {premiumIO: false}), gen2x64, ALL_DISKS,
      '--azure-storage-type Premium_LRS needs a VM size with premium storage, and Standard_D2_v5 has none. Use --azure-storage-type StandardSSD_LRS (the default), or a size with premium storage (an "s" in its name, such as Standard_D2s_v5).'],
    ['zone-redundant Premium SSD on a size without premium storage', wanted({storageType: 'Premium_ZRS'}), size('Standard_D2_v5', {premiumIO: false}), gen2x64, ALL_DISKS,
      '--azure-storage-type Premium_ZRS needs a VM size with premium storage, and Standard_D2_v5 has none. Use --azure-storage-type StandardSSD_LRS (the default), or a size with premium storage (an "s" in its name, such as Standard_D2s_v5).'],
    ['a Gen2 image on a Gen1 size', wanted(), size('Standard_A2_v2', {hyperVGenerations: ['V1'], premiumIO: false}), gen2x64, ALL_DISKS,
      '--azure-image canonical:ubuntu-24_04-lts:server:latest is a Gen2 image, and VM size Standard_A2_v2 boots only Gen1. Choose a Gen1 image with --azure-image (Canonical\'s Gen1 SKUs end in -gen1, such as server-gen1), or a size that boots Gen2 with --azure-size.'],
    ['a Gen1 image on a Gen2 size', wanted({sku: 'server-gen1'}), size('Standard_D2ps_v5', {hyperVGenerations: ['V2'], architecture: 'x64'}), {...gen2x64, hyperVGeneration: 'V1'}, ALL_DISKS,
      '--azure-image canonical:ubuntu-24_04-lts:server-gen1:latest is a Gen1 image, and VM size Standard_D2ps_v5 boots only Gen2. Choose a Gen2 image with --azure-image, or a size that boots Gen1 with --azure-size.'],
    ['an x64 image on an Arm64 size', wanted(), size('Standard_D2ps_v5', {hyperVGenerations: ['V2'], architecture: 'Arm64'}), gen2x64, ALL_DISKS,
      '--azure-image canonical:ubuntu-24_04-lts:server:latest is for x64, and VM size Standard_D2ps_v5 runs Arm64. Choose an image and a size of the same architecture (Arm64 sizes have a "p" in their name, such as Standard_D2ps_v5; Arm64 images an -arm64 SKU).'],
  ])('refuses %s with one line naming the flag, the value, the rule and the fix', (_what, settings, sku, image, disks, expected) => {
    expect(line(compatibilityProblem(settings, sku, disks, image))).toBe(expected)
  })
})
