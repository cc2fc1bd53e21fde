import type {OperationContext} from '../../src/core/drivers/driver.js'
import type {ResourceRecord} from '../../src/core/store/schema.js'
import {AzureCallError, explain} from './errors.js'
import {isBerths, parseResourceId, REMOVAL_ORDER, ResourceIds} from './resources.js'
import type {AzureArm} from './sdk.js'
import type {AzureSettings} from './settings.js'

export const LABELS: Readonly<Record<string, string>> = {
  'azure-virtual-machine': 'virtual machine',
  'azure-os-disk': 'OS disk',
  'azure-network-interface': 'network interface',
  'azure-public-ip': 'public IP address',
  'azure-network-security-group': 'network security group',
  'azure-subnet': 'subnet',
  'azure-virtual-network': 'virtual network',
  'azure-availability-set': 'availability set',
  'azure-resource-group': 'resource group',
}

/**
 * Delete what the machine's records name, dependents first; what is already gone is fine. Shared resources go
 * only when nothing else uses them: the subnet and VNet without NICs, the availability set without VMs, the
 * resource group when it is empty. Those berth made for another machine (tagged created-by=berth) go the same
 * way once unused, so the last machine removed takes them along.
 */
export async function removeResources(arm: AzureArm, settings: AzureSettings, resources: readonly ResourceRecord[], ctx: OperationContext): Promise<void> {
  const {signal} = ctx
  const recorded = (kind: string): string[] => resources.filter((resource) => resource.kind === kind).map((resource) => resource.id)
  const attempt = async (action: string, work: () => Promise<void>): Promise<void> => {
    try {
      await work()
    } catch (error) {
      // A 404 here is a resource group that is gone already, with everything in it.
      if (error instanceof AzureCallError && error.notFound) return
      throw explain(error, action)
    }
  }
  const ids = new ResourceIds(settings)

  for (const kind of REMOVAL_ORDER.slice(0, 5)) {
    for (const id of recorded(kind)) {
      const {group, names: [name]} = parseResourceId(id)
      const label = `${LABELS[kind]} ${name!}`
      await attempt(`delete ${label}`, async () => {
        ctx.progress(`Deleting ${label}`)
        if (kind === 'azure-virtual-machine') await arm.deleteVm(group, name!, signal)
        else if (kind === 'azure-os-disk') await arm.deleteDisk(group, name!, signal)
        else if (kind === 'azure-network-interface') await arm.deleteNic(group, name!, signal)
        else if (kind === 'azure-public-ip') await arm.deletePublicIp(group, name!, signal)
        else await arm.deleteNsg(group, name!, signal)
      })
      ctx.removed({kind, id})
    }
  }

  const vnetIds = new Set([...recorded('azure-virtual-network'), ...recorded('azure-subnet').map((id) => id.replace(/\/subnets\/[^/]+$/, ''))])
  vnetIds.add(ids.vnet)
  for (const id of vnetIds) {
    const {group, names: [vnetName]} = parseResourceId(id)
    await attempt(`delete virtual network ${vnetName!}`, async () => {
      const vnet = await arm.vnet(group, vnetName!, signal)
      if (vnet === undefined) return
      const inUse = vnet.subnets.filter((subnet) => subnet.used).map((subnet) => subnet.name)
      if (recorded('azure-virtual-network').includes(id) || isBerths(vnet.tags)) {
        if (inUse.length > 0) return ctx.progress(`Keeping virtual network ${vnetName!}: other machines use it`)
        ctx.progress(`Deleting virtual network ${vnetName!}`)
        await arm.deleteVnet(group, vnetName!, signal)
        return
      }
      for (const subnetId of recorded('azure-subnet').filter((subnetId) => subnetId.startsWith(`${id}/`))) {
        const subnet = parseResourceId(subnetId).names[1]!
        if (inUse.includes(subnet)) continue
        ctx.progress(`Deleting subnet ${subnet} of virtual network ${vnetName!}`)
        await arm.deleteSubnet(group, vnetName!, subnet, signal)
      }
    })
  }

  const sets = new Set(recorded('azure-availability-set'))
  if (settings.availabilitySet !== undefined) sets.add(ids.availabilitySet(settings.availabilitySet))
  for (const id of sets) {
    const {group, names: [name]} = parseResourceId(id)
    await attempt(`delete availability set ${name!}`, async () => {
      const set = await arm.availabilitySet(group, name!, signal)
      if (set === undefined || set.vms > 0 || !(recorded('azure-availability-set').includes(id) || isBerths(set.tags))) return
      ctx.progress(`Deleting availability set ${name!}`)
      await arm.deleteAvailabilitySet(group, name!, signal)
    })
  }

  const group = settings.resourceGroup
  await attempt(`delete resource group ${group}`, async () => {
    const tags = await arm.groupTags(group, signal)
    if (tags === undefined || !(recorded('azure-resource-group').length > 0 || isBerths(tags))) return
    const left = await arm.groupResourceIds(group, signal)
    if (left.length > 0) return ctx.progress(`Keeping resource group ${group}: it holds ${left.length} other resource${left.length === 1 ? '' : 's'}`)
    ctx.progress(`Deleting resource group ${group}`)
    await arm.deleteGroup(group, signal)
  })
}
