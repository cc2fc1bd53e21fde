import type {OperationContext, RemovalOutcome, ResourceRecord} from '../../src/driver-kit/index.js'
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
  const attempt = async (action: string, work: () => Promise<void>, gone: (resource: ResourceRecord) => boolean = () => false): Promise<void> => {
    try {
      await work()
    } catch (error) {
      // A 404 here is a resource group that is gone already, with everything in it.
      if (error instanceof AzureCallError && error.notFound) return settled(resources, ctx, gone, 'gone')
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
    const inThisVnet = (resource: ResourceRecord): boolean => resource.id === id || resource.id.startsWith(`${id}/`)
    await attempt(`delete virtual network ${vnetName!}`, async () => {
      const vnet = await arm.vnet(group, vnetName!, signal)
      if (vnet === undefined) return settled(resources, ctx, inThisVnet, 'gone')
      const inUse = vnet.subnets.filter((subnet) => subnet.used).map((subnet) => subnet.name)
      if (recorded('azure-virtual-network').includes(id) || isBerths(vnet.tags)) {
        if (inUse.length > 0) {
          ctx.progress(`Keeping virtual network ${vnetName!}: other machines use it`)
          return settled(resources, ctx, inThisVnet, 'shared')
        }
        ctx.progress(`Deleting virtual network ${vnetName!}`)
        await arm.deleteVnet(group, vnetName!, signal)
        return settled(resources, ctx, inThisVnet, 'gone')
      }
      for (const subnetId of recorded('azure-subnet').filter((subnetId) => subnetId.startsWith(`${id}/`))) {
        const subnet = parseResourceId(subnetId).names[1]!
        const thisSubnet = (resource: ResourceRecord): boolean => resource.id === subnetId
        if (inUse.includes(subnet)) {
          settled(resources, ctx, thisSubnet, 'shared')
          continue
        }
        ctx.progress(`Deleting subnet ${subnet} of virtual network ${vnetName!}`)
        await arm.deleteSubnet(group, vnetName!, subnet, signal)
        settled(resources, ctx, thisSubnet, 'gone')
      }
    }, inThisVnet)
  }

  const sets = new Set(recorded('azure-availability-set'))
  if (settings.availabilitySet !== undefined) sets.add(ids.availabilitySet(settings.availabilitySet))
  for (const id of sets) {
    const {group, names: [name]} = parseResourceId(id)
    const thisSet = (resource: ResourceRecord): boolean => resource.id === id
    await attempt(`delete availability set ${name!}`, async () => {
      const set = await arm.availabilitySet(group, name!, signal)
      if (set === undefined) return settled(resources, ctx, thisSet, 'gone')
      if (set.vms > 0 || !(recorded('azure-availability-set').includes(id) || isBerths(set.tags))) return settled(resources, ctx, thisSet, 'shared')
      ctx.progress(`Deleting availability set ${name!}`)
      await arm.deleteAvailabilitySet(group, name!, signal)
      settled(resources, ctx, thisSet, 'gone')
    }, thisSet)
  }

  const group = settings.resourceGroup
  const theGroup = (resource: ResourceRecord): boolean => resource.kind === 'azure-resource-group'
  await attempt(`delete resource group ${group}`, async () => {
    const tags = await arm.groupTags(group, signal)
    if (tags === undefined) return settled(resources, ctx, theGroup, 'gone')
    if (!(recorded('azure-resource-group').length > 0 || isBerths(tags))) return
    const left = await arm.groupResourceIds(group, signal)
    if (left.length > 0) {
      ctx.progress(`Keeping resource group ${group}: it holds ${left.length} other resource${left.length === 1 ? '' : 's'}`)
      return settled(resources, ctx, theGroup, 'shared')
    }
    ctx.progress(`Deleting resource group ${group}`)
    await arm.deleteGroup(group, signal)
    settled(resources, ctx, theGroup, 'gone')
  }, theGroup)
}

/** Tell the core what became of the recorded resources that match: none of them is this machine's to remove any more. */
function settled(resources: readonly ResourceRecord[], ctx: OperationContext, matches: (resource: ResourceRecord) => boolean, outcome: RemovalOutcome): void {
  for (const resource of resources.filter(matches)) ctx.removed(resource, outcome)
}
