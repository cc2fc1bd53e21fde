import {readFile} from 'node:fs/promises'
import type {OperationContext} from '../../src/driver-kit/index.js'
import {explain} from './errors.js'
import {machineTags, record, ResourceIds, SHARED_TAGS, type AzureResourceKind} from './resources.js'
import type {AzureArm, SecurityRule} from './sdk.js'
import type {AzureSettings} from './settings.js'

/**
 * Make the machine's resources in dependency order. Each is recorded before it is asked for: a record may name
 * something that never came to exist (rm tolerates that), but nothing can exist unrecorded, not even when the
 * create is interrupted while Azure works on it. Shared resources (resource group, VNet, subnet, availability set)
 * are made and recorded only when they are missing.
 */
export async function createResources(arm: AzureArm, settings: AzureSettings, publicKey: string, ctx: OperationContext): Promise<void> {
  const {signal} = ctx
  const ids = new ResourceIds(settings)
  const tags = machineTags(settings.names.vm)
  const {resourceGroup: group, location, names} = settings
  const make = async (kind: AzureResourceKind, id: string, what: string, work: () => Promise<void>): Promise<void> => {
    await ctx.record(record(kind, id))
    ctx.progress(`Creating ${what}`)
    try {
      await work()
    } catch (error) {
      throw explain(error, `create ${what}`)
    }
  }
  const missing = async <T>(what: string, lookUp: () => Promise<T | undefined>): Promise<boolean> => {
    try {
      return await lookUp() === undefined
    } catch (error) {
      throw explain(error, `look up ${what}`)
    }
  }

  if (await missing(`resource group ${group}`, () => arm.groupTags(group, signal))) {
    await make('azure-resource-group', ids.group(), `resource group ${group} in ${location}`, () => arm.createGroup(group, location, {...SHARED_TAGS}, signal))
  }
  const availabilitySet = settings.availabilitySet
  if (availabilitySet !== undefined && await missing(`availability set ${availabilitySet}`, () => arm.availabilitySet(group, availabilitySet, signal))) {
    await make('azure-availability-set', ids.availabilitySet(availabilitySet), `availability set ${availabilitySet}`, () => arm.createAvailabilitySet(group, availabilitySet, location, {...SHARED_TAGS}, signal))
  }
  await make('azure-network-security-group', ids.nsg, `network security group ${names.nsg}`, () => arm.createNsg(group, names.nsg, location, securityRules(settings), tags, signal))

  const {vnet, subnet, subnetPrefix} = settings
  let existing: Awaited<ReturnType<AzureArm['vnet']>>
  try {
    existing = await arm.vnet(vnet.resourceGroup, vnet.name, signal)
  } catch (error) {
    throw explain(error, `look up virtual network ${vnet.name}`)
  }
  if (existing === undefined) {
    await make('azure-virtual-network', ids.vnet, `virtual network ${vnet.name} (${subnetPrefix}) with subnet ${subnet}`, () => arm.createVnet(vnet.resourceGroup, vnet.name, location, subnetPrefix, subnet, {...SHARED_TAGS}, signal))
  } else if (!existing.subnets.some((candidate) => candidate.name.toLowerCase() === subnet.toLowerCase())) {
    await make('azure-subnet', ids.subnet, `subnet ${subnet} (${subnetPrefix}) in virtual network ${vnet.name}`, () => arm.createSubnet(vnet.resourceGroup, vnet.name, subnet, subnetPrefix, signal))
  }

  if (settings.publicIp) {
    await make('azure-public-ip', ids.publicIp, `public IP address ${names.publicIp}`, () => arm.createPublicIp(group, names.publicIp, location, settings.dnsLabel, tags, signal))
  }
  await make('azure-network-interface', ids.nic, `network interface ${names.nic}`, () => arm.createNic(group, names.nic, {
    location,
    subnetId: ids.subnet,
    nsgId: ids.nsg,
    ...(settings.publicIp ? {publicIpId: ids.publicIp} : {}),
    ...(settings.privateIpAddress === undefined ? {} : {privateIpAddress: settings.privateIpAddress}),
    tags,
  }, signal))

  const customData = settings.customDataFile === undefined ? undefined : (await readFile(settings.customDataFile)).toString('base64')
  // The OS disk comes with the VM; it is recorded first because it can outlive a VM whose creation failed.
  await ctx.record(record('azure-os-disk', ids.osDisk))
  await make('azure-virtual-machine', ids.vm, `virtual machine ${names.vm} (${settings.size})`, () => arm.createVm(group, names.vm, {
    location,
    size: settings.size,
    image: settings.image,
    storageType: settings.storageType,
    osDiskName: names.osDisk,
    computerName: names.computer,
    adminUser: settings.sshUser,
    publicKey,
    ...(customData === undefined ? {} : {customData}),
    nicId: ids.nic,
    ...(availabilitySet === undefined ? {} : {availabilitySetId: ids.availabilitySet(availabilitySet)}),
    tags,
  }, signal))
}

/** SSH, the engine, then the user's ports, with Docker Machine's rule names and priorities. */
function securityRules(settings: AzureSettings): SecurityRule[] {
  return [
    {name: 'SSHAllowAny', port: 22, protocol: 'Tcp', priority: 100},
    {name: 'DockerAllowAny', port: settings.dockerPort, protocol: 'Tcp', priority: 300},
    ...settings.openPorts.map((entry, index): SecurityRule => {
      const [port, protocol] = entry.split('/')
      return {name: `Port${port}${protocol === 'udp' ? 'Udp' : 'Tcp'}AllowAny`, port: Number(port), protocol: protocol === 'udp' ? 'Udp' : 'Tcp', priority: 1000 + index}
    }),
  ]
}
