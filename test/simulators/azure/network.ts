import {randomUUID} from 'node:crypto'
import {contains, containsAddress, formatAddress, overlaps, parseAddress, parseCidr, size, type Cidr} from './cidr.js'
import {beginDelete, beginPut, notFound, propertiesOf, requireBody, requireLocation, requireReference, resourceView, tagsOf} from './common.js'
import {NAME, route, type ArmContext, type Route} from './context.js'
import {ArmError, asText, isRecord, pick, type Reply, type SimRequest} from './http.js'
import {resourceId, type SimResource} from './store.js'

/** Microsoft.Network: virtual networks and subnets, network security groups, public IP addresses, network interfaces. */

const VNET = 'Microsoft.Network/virtualNetworks'
const SUBNET = 'Microsoft.Network/virtualNetworks/subnets'
const NSG = 'Microsoft.Network/networkSecurityGroups'
const PIP = 'Microsoft.Network/publicIPAddresses'
const NIC = 'Microsoft.Network/networkInterfaces'
const PREFIX = '/resourcegroups/([^/]+)/providers/microsoft\\.network'

export const networkRoutes: Route[] = [
  route('GET', `${PREFIX}/virtualnetworks/${NAME}`, 'virtualNetworks.get', (context, _request, [group, name]) => get(context, VNET, group!, [name!])),
  route('PUT', `${PREFIX}/virtualnetworks/${NAME}`, 'virtualNetworks.createOrUpdate', putVnet),
  route('DELETE', `${PREFIX}/virtualnetworks/${NAME}`, 'virtualNetworks.delete', deleteVnet),
  route('GET', `${PREFIX}/virtualnetworks/${NAME}/subnets/${NAME}`, 'subnets.get', (context, _request, [group, vnet, name]) => get(context, SUBNET, group!, [vnet!, name!])),
  route('PUT', `${PREFIX}/virtualnetworks/${NAME}/subnets/${NAME}`, 'subnets.createOrUpdate', putSubnet),
  route('DELETE', `${PREFIX}/virtualnetworks/${NAME}/subnets/${NAME}`, 'subnets.delete', deleteSubnet),
  route('GET', `${PREFIX}/networksecuritygroups/${NAME}`, 'networkSecurityGroups.get', (context, _request, [group, name]) => get(context, NSG, group!, [name!])),
  route('PUT', `${PREFIX}/networksecuritygroups/${NAME}`, 'networkSecurityGroups.createOrUpdate', putNsg),
  route('DELETE', `${PREFIX}/networksecuritygroups/${NAME}`, 'networkSecurityGroups.delete', (context, _request, [group, name]) => deleteUnused(context, NSG, group!, name!, NIC, (nsg, nics) =>
    new ArmError(400, 'InUseNetworkSecurityGroupCannotBeDeleted', `Network security group ${nsg.id} cannot be deleted because it is in use by the following resources: ${nics.map((nic) => nic.id).join(', ')}. In order to delete the Network security group, remove the association with the resource(s).`))),
  route('GET', `${PREFIX}/publicipaddresses/${NAME}`, 'publicIPAddresses.get', (context, _request, [group, name]) => get(context, PIP, group!, [name!])),
  route('PUT', `${PREFIX}/publicipaddresses/${NAME}`, 'publicIPAddresses.createOrUpdate', putPublicIp),
  route('DELETE', `${PREFIX}/publicipaddresses/${NAME}`, 'publicIPAddresses.delete', (context, _request, [group, name]) => deleteUnused(context, PIP, group!, name!, NIC, (pip, nics) =>
    new ArmError(400, 'PublicIPAddressCannotBeDeleted', `Public IP address ${pip.id} can not be deleted since it is still allocated to resource ${nics[0]!.id}/ipConfigurations/ipconfig1. In order to delete the public IP, disassociate/detach the Public IP address from the resource.`))),
  route('GET', `${PREFIX}/networkinterfaces/${NAME}`, 'networkInterfaces.get', (context, _request, [group, name]) => get(context, NIC, group!, [name!])),
  route('PUT', `${PREFIX}/networkinterfaces/${NAME}`, 'networkInterfaces.createOrUpdate', putNic),
  route('DELETE', `${PREFIX}/networkinterfaces/${NAME}`, 'networkInterfaces.delete', (context, _request, [group, name]) => deleteUnused(context, NIC, group!, name!, 'Microsoft.Compute/virtualMachines', (nic, vms) =>
    new ArmError(400, 'NicInUse', `Network Interface ${nic.id} is used by existing resource ${vms[0]!.id}. In order to delete the network interface, it must be dissociated from the resource. To learn more, see aka.ms/deletenic.`))),
]

function get(context: ArmContext, type: string, group: string, names: string[]): Reply {
  context.store.requireGroup(context.subscription, group)
  const resource = context.store.get(resourceId(context.subscription, group, type, names))
  if (resource === undefined) throw notFound(type, names.join('/'), group)
  return {status: 200, body: networkView(context, resource)}
}

/** A network resource as the network RP answers for it, with what refers to it filled in. */
export function networkView(context: ArmContext, resource: SimResource): Record<string, unknown> {
  const type = resource.type
  const nicsUsing = (): SimResource[] => context.store.referrers(resource.id, NIC)
  if (type === VNET) {
    const subnets = context.store.ofType(SUBNET).filter((subnet) => subnet.id.toLowerCase().startsWith(`${resource.id.toLowerCase()}/`))
    return resourceView(resource, {...resource.properties, subnets: subnets.map((subnet) => networkView(context, subnet))})
  }
  if (type === SUBNET) {
    return resourceView(resource, {...resource.properties, ipConfigurations: nicsUsing().map((nic) => ({id: `${nic.id}/ipConfigurations/ipconfig1`}))})
  }
  if (type === NSG) return resourceView(resource, {...resource.properties, networkInterfaces: nicsUsing().map((nic) => ({id: nic.id}))})
  if (type === PIP) {
    const nic = nicsUsing()[0]
    return resourceView(resource, {...resource.properties, ...(nic === undefined ? {} : {ipConfiguration: {id: `${nic.id}/ipConfigurations/ipconfig1`}})})
  }
  const vm = context.store.referrers(resource.id, 'Microsoft.Compute/virtualMachines')[0]
  return resourceView(resource, {...resource.properties, ...(vm === undefined ? {} : {virtualMachine: {id: vm.id}})})
}

function newResource(context: ArmContext, type: string, group: string, names: string[], location: string, body: Record<string, unknown>, properties: Record<string, unknown>): SimResource {
  return {
    id: resourceId(context.subscription, group, type, names),
    subscription: context.subscription,
    resourceGroup: context.store.requireGroup(context.subscription, group).name,
    name: names.at(-1)!,
    type,
    location,
    tags: tagsOf(body),
    properties,
    provisioningState: 'Creating',
  }
}

function cidrOf(text: unknown, where: string): Cidr {
  const cidr = typeof text === 'string' ? parseCidr(text) : undefined
  if (cidr === undefined) throw new ArmError(400, 'InvalidCIDRNotation', `The address prefix ${String(text)} in resource ${where} has an invalid CIDR notation. For the given prefix length, the address prefix should be ${String(text)}.`)
  return cidr
}

function putVnet(context: ArmContext, request: SimRequest, [group, name]: string[]): Reply {
  context.store.requireGroup(context.subscription, group!)
  const body = requireBody(request.body)
  const location = requireLocation(body, VNET)
  const id = resourceId(context.subscription, group!, VNET, [name!])
  const prefixes = pick(body, 'properties.addressSpace.addressPrefixes')
  if (!Array.isArray(prefixes) || prefixes.length === 0) throw new ArmError(400, 'InvalidRequestFormat', `Cannot parse the request: virtual network ${id} needs properties.addressSpace.addressPrefixes.`)
  const space = prefixes.map((prefix) => cidrOf(prefix, id))
  const given = pick(body, 'properties.subnets')
  const existing = context.store.get(id)
  const subnets: [string, Record<string, unknown>][] = []
  for (const subnet of Array.isArray(given) ? given : []) {
    const subnetName = pick(subnet, 'name')
    if (typeof subnetName !== 'string') throw new ArmError(400, 'InvalidRequestFormat', `Cannot parse the request: a subnet of ${id} has no name.`)
    const properties = isRecord(pick(subnet, 'properties')) ? pick(subnet, 'properties') as Record<string, unknown> : {}
    checkSubnet(context, id, name!, subnetName, properties, space, subnets.map(([other, otherProperties]) => [other, cidrOf(otherProperties.addressPrefix, id)]))
    subnets.push([subnetName, properties])
  }
  // A PUT without a subnet that exists removes it, which ARM refuses while something uses it.
  const dropped = existing === undefined ? [] : context.store.ofType(SUBNET)
    .filter((subnet) => subnet.id.toLowerCase().startsWith(`${id.toLowerCase()}/`) && !subnets.some(([subnetName]) => subnetName.toLowerCase() === subnet.name.toLowerCase()))
  for (const subnet of dropped) refuseSubnetInUse(context, subnet)
  const vnet = newResource(context, VNET, group!, [name!], location, body, {addressSpace: {addressPrefixes: prefixes}, resourceGuid: randomUUID()})
  for (const subnet of dropped) context.store.delete(subnet.id)
  for (const [subnetName, properties] of subnets) {
    const subnet = newResource(context, SUBNET, group!, [name!, subnetName], location, {}, {addressPrefix: properties.addressPrefix, ...(properties.networkSecurityGroup === undefined ? {} : {networkSecurityGroup: properties.networkSecurityGroup})})
    subnet.provisioningState = 'Succeeded'
    context.store.put(subnet)
  }
  return beginPut(context, vnet, existing !== undefined, (resource) => networkView(context, resource))
}

function checkSubnet(context: ArmContext, vnetId: string, vnetName: string, name: string, properties: Record<string, unknown>, space: Cidr[], siblings: [string, Cidr][]): void {
  const prefix = cidrOf(properties.addressPrefix, `${vnetId}/subnets/${name}`)
  if (!space.some((range) => contains(range, prefix))) {
    throw new ArmError(400, 'NetcfgSubnetRangeOutsideVnet', `Subnet '${name}' is not valid because its IP address range is outside the IP address range of virtual network '${vnetName}'.`)
  }
  const clash = siblings.find(([other, range]) => other.toLowerCase() !== name.toLowerCase() && overlaps(range, prefix))
  if (clash !== undefined) throw new ArmError(400, 'NetcfgSubnetRangesOverlap', `Subnet '${name}' is not valid because its IP address range overlaps with that of an existing subnet '${clash[0]}' in virtual network '${vnetName}'.`)
  requireReference(context, properties.networkSecurityGroup, `${vnetId}/subnets/${name}`)
}

function refuseSubnetInUse(context: ArmContext, subnet: SimResource): void {
  const nic = context.store.referrers(subnet.id, NIC)[0]
  if (nic !== undefined) {
    throw new ArmError(400, 'InUseSubnetCannotBeDeleted', `Subnet ${subnet.name} is in use by ${nic.id}/ipConfigurations/ipconfig1 and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet. See aka.ms/deletesubnet.`)
  }
}

function putSubnet(context: ArmContext, request: SimRequest, [group, vnetName, name]: string[]): Reply {
  const body = requireBody(request.body)
  context.store.requireGroup(context.subscription, group!)
  const vnet = context.store.get(resourceId(context.subscription, group!, VNET, [vnetName!]))
  if (vnet === undefined) throw notFound(VNET, vnetName!, group!)
  const properties = propertiesOf(body)
  const space = ((pick(vnet.properties, 'addressSpace.addressPrefixes') ?? []) as string[]).map((prefix) => cidrOf(prefix, vnet.id))
  const siblings = context.store.ofType(SUBNET).filter((subnet) => subnet.id.toLowerCase().startsWith(`${vnet.id.toLowerCase()}/`))
    .map((subnet): [string, Cidr] => [subnet.name, cidrOf(subnet.properties.addressPrefix, subnet.id)])
  checkSubnet(context, vnet.id, vnet.name, name!, properties, space, siblings)
  const id = resourceId(context.subscription, group!, SUBNET, [vnetName!, name!])
  const existing = context.store.get(id)
  const subnet = newResource(context, SUBNET, group!, [vnetName!, name!], vnet.location, {}, {addressPrefix: properties.addressPrefix, ...(properties.networkSecurityGroup === undefined ? {} : {networkSecurityGroup: properties.networkSecurityGroup})})
  return beginPut(context, subnet, existing !== undefined, (resource) => networkView(context, resource))
}

function deleteVnet(context: ArmContext, _request: SimRequest, [group, name]: string[]): Reply {
  context.store.requireGroup(context.subscription, group!)
  const vnet = context.store.get(resourceId(context.subscription, group!, VNET, [name!]))
  const subnets = vnet === undefined ? [] : context.store.ofType(SUBNET).filter((subnet) => subnet.id.toLowerCase().startsWith(`${vnet.id.toLowerCase()}/`))
  for (const subnet of subnets) refuseSubnetInUse(context, subnet)
  return beginDelete(context, vnet, async (resource) => {
    for (const subnet of subnets) context.store.delete(subnet.id)
    context.store.delete(resource.id)
  })
}

function deleteSubnet(context: ArmContext, _request: SimRequest, [group, vnet, name]: string[]): Reply {
  context.store.requireGroup(context.subscription, group!)
  const subnet = context.store.get(resourceId(context.subscription, group!, SUBNET, [vnet!, name!]))
  if (subnet !== undefined) refuseSubnetInUse(context, subnet)
  return beginDelete(context, subnet, async (resource) => context.store.delete(resource.id))
}

/** DELETE of a resource that ARM keeps while a resource of `userType` refers to it. */
function deleteUnused(context: ArmContext, type: string, group: string, name: string, userType: string, inUse: (resource: SimResource, users: SimResource[]) => ArmError): Reply {
  context.store.requireGroup(context.subscription, group)
  const resource = context.store.get(resourceId(context.subscription, group, type, [name]))
  if (resource !== undefined) {
    const users = context.store.referrers(resource.id, userType)
    if (users.length > 0) throw inUse(resource, users)
  }
  return beginDelete(context, resource, async (gone) => context.store.delete(gone.id))
}

const PROTOCOLS = ['tcp', 'udp', 'icmp', 'esp', 'ah', '*']

function putNsg(context: ArmContext, request: SimRequest, [group, name]: string[]): Reply {
  context.store.requireGroup(context.subscription, group!)
  const body = requireBody(request.body)
  const location = requireLocation(body, NSG)
  const rules = pick(body, 'properties.securityRules')
  const seen: {name: string; priority: number; direction: string}[] = []
  for (const rule of Array.isArray(rules) ? rules : []) {
    const ruleName = String(pick(rule, 'name'))
    const priority = pick(rule, 'properties.priority')
    const direction = String(pick(rule, 'properties.direction'))
    const protocol = pick(rule, 'properties.protocol')
    if (typeof priority !== 'number' || priority < 100 || priority > 4096) {
      throw new ArmError(400, 'SecurityRuleInvalidPriority', `Security rule has invalid Priority. Value provided: ${String(priority)} Allowed range 100-4096.`)
    }
    if (typeof protocol !== 'string' || !PROTOCOLS.includes(protocol.toLowerCase())) {
      throw new ArmError(400, 'SecurityRuleInvalidProtocol', `Security rule has invalid Protocol. Value provided: ${String(protocol)}. Allowed values: Tcp, Udp, Icmp, Esp, Ah, *.`)
    }
    for (const field of ['destinationPortRange', 'sourcePortRange']) {
      const range = pick(rule, `properties.${field}`)
      if (!validPortRange(range)) throw new ArmError(400, 'SecurityRuleInvalidPortRange', `Security rule has invalid Port range. Value provided: ${String(range)}. Value should be an integer OR integer range with '-' delimiter. Valid range 0-65535.`)
    }
    const clash = seen.find((other) => other.priority === priority && other.direction.toLowerCase() === direction.toLowerCase())
    if (clash !== undefined) throw new ArmError(400, 'SecurityRuleConflict', `Security rule ${ruleName} conflicts with rule ${clash.name}. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.`)
    seen.push({name: ruleName, priority, direction})
  }
  const existing = context.store.get(resourceId(context.subscription, group!, NSG, [name!]))
  const nsg = newResource(context, NSG, group!, [name!], location, body, {securityRules: Array.isArray(rules) ? rules : [], resourceGuid: randomUUID()})
  return beginPut(context, nsg, existing !== undefined, (resource) => networkView(context, resource))
}

function validPortRange(range: unknown): boolean {
  if (range === '*') return true
  if (typeof range !== 'string') return false
  const parts = range.split('-')
  return parts.length <= 2 && parts.every((part) => /^\d{1,5}$/.test(part) && Number(part) <= 65535)
}

function putPublicIp(context: ArmContext, request: SimRequest, [group, name]: string[]): Reply {
  context.store.requireGroup(context.subscription, group!)
  const body = requireBody(request.body)
  const location = requireLocation(body, PIP)
  const id = resourceId(context.subscription, group!, PIP, [name!])
  const sku = isRecord(body.sku) ? body.sku : {name: 'Standard'}
  const allocation = pick(body, 'properties.publicIPAllocationMethod') ?? 'Static'
  if (asText(sku.name).toLowerCase() === 'standard' && allocation !== 'Static') {
    throw new ArmError(400, 'StandardSkuPublicIPAddressesMustBeStatic', `Standard sku publicIp ${id} must have AllocationMethod set to Static.`)
  }
  const label = pick(body, 'properties.dnsSettings.domainNameLabel')
  const existing = context.store.get(id)
  let dnsSettings: Record<string, unknown> | undefined
  if (label !== undefined) {
    if (typeof label !== 'string' || !/^[a-z][a-z0-9-]{1,61}[a-z0-9]$/.test(label)) {
      throw new ArmError(400, 'InvalidDomainNameLabel', `The domain name label ${asText(label)} is invalid. It must conform to the following regular expression: ^[a-z][a-z0-9-]{1,61}[a-z0-9]$.`)
    }
    const fqdn = `${label}.${location}.cloudapp.azure.com`
    const taken = context.store.ofType(PIP).find((other) => other.id.toLowerCase() !== id.toLowerCase() && pick(other.properties, 'dnsSettings.fqdn') === fqdn)
    if (taken !== undefined) throw new ArmError(400, 'DnsRecordInUse', `DNS record ${fqdn} is already used by another public IP.`)
    dnsSettings = {domainNameLabel: label, fqdn}
  }
  const pip = newResource(context, PIP, group!, [name!], location, body, {
    publicIPAllocationMethod: allocation,
    publicIPAddressVersion: 'IPv4',
    idleTimeoutInMinutes: 4,
    resourceGuid: randomUUID(),
    ...(dnsSettings === undefined ? {} : {dnsSettings}),
    // The address stays with the resource (a Standard IP is static); it is the VM's host address once one runs.
    ...(existing?.properties.ipAddress === undefined ? {} : {ipAddress: existing.properties.ipAddress}),
  })
  pip.sku = {name: asText(sku.name ?? 'Standard'), tier: 'Regional'}
  return beginPut(context, pip, existing !== undefined, (resource) => networkView(context, resource))
}

function putNic(context: ArmContext, request: SimRequest, [group, name]: string[]): Reply {
  context.store.requireGroup(context.subscription, group!)
  const body = requireBody(request.body)
  const location = requireLocation(body, NIC)
  const id = resourceId(context.subscription, group!, NIC, [name!])
  const configurations = pick(body, 'properties.ipConfigurations')
  if (!Array.isArray(configurations) || configurations.length === 0) {
    throw new ArmError(400, 'InvalidRequestFormat', `Cannot parse the request: network interface ${id} needs at least one IP configuration.`)
  }
  const existing = context.store.get(id)
  const kept = configurations.map((configuration, index) => {
    const properties = (pick(configuration, 'properties') ?? {}) as Record<string, unknown>
    const subnet = requireReference(context, properties.subnet, id)
    if (subnet === undefined) throw new ArmError(400, 'InvalidRequestFormat', `Cannot parse the request: IP configuration ${index} of ${id} has no subnet.`)
    const pip = requireReference(context, properties.publicIPAddress, id)
    if (pip !== undefined) {
      const user = context.store.referrers(pip.id, NIC).find((nic) => nic.id.toLowerCase() !== id.toLowerCase())
      if (user !== undefined) throw new ArmError(400, 'PublicIPAddressInUse', `Resource ${pip.id} is in use by ${user.id}/ipConfigurations/ipconfig1.`)
      if (pip.location !== location) throw new ArmError(400, 'InvalidResourceReference', `Resource ${pip.id} referenced by resource ${id} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`)
    }
    const previous = pick(existing?.properties, `ipConfigurations.${index}.properties.privateIPAddress`)
    const privateIPAddress = privateAddress(context, subnet, id, properties, typeof previous === 'string' ? previous : undefined)
    return {
      name: pick(configuration, 'name') ?? `ipconfig${index + 1}`,
      properties: {
        privateIPAllocationMethod: properties.privateIPAllocationMethod ?? 'Dynamic',
        privateIPAddress,
        privateIPAddressVersion: 'IPv4',
        primary: index === 0,
        subnet: {id: subnet.id},
        ...(pip === undefined ? {} : {publicIPAddress: {id: pip.id}}),
      },
    }
  })
  requireReference(context, pick(body, 'properties.networkSecurityGroup'), id)
  const nsg = pick(body, 'properties.networkSecurityGroup.id')
  const nic = newResource(context, NIC, group!, [name!], location, body, {
    ipConfigurations: kept,
    ...(typeof nsg === 'string' ? {networkSecurityGroup: {id: nsg}} : {}),
    macAddress: existing?.properties.macAddress ?? '00-0D-3A-00-00-01',
    resourceGuid: randomUUID(),
  })
  return beginPut(context, nic, existing !== undefined, (resource) => networkView(context, resource))
}

/** The NIC's private address: the one asked for (Static), its current one, or the subnet's next free one (Azure keeps the first four). */
function privateAddress(context: ArmContext, subnet: SimResource, nicId: string, properties: Record<string, unknown>, current: string | undefined): string {
  const range = cidrOf(subnet.properties.addressPrefix, subnet.id)
  const used = new Set(context.store.referrers(subnet.id, NIC).filter((nic) => nic.id.toLowerCase() !== nicId.toLowerCase())
    .map((nic) => String(pick(nic.properties, 'ipConfigurations.0.properties.privateIPAddress'))))
  if (properties.privateIPAllocationMethod === 'Static') {
    const wanted = typeof properties.privateIPAddress === 'string' ? parseAddress(properties.privateIPAddress) : undefined
    if (wanted === undefined || !containsAddress(range, wanted)) {
      throw new ArmError(400, 'PrivateIPAddressNotInSubnet', `IP address ${String(properties.privateIPAddress)} does not belong to the subnet ${subnet.id}.`)
    }
    if (used.has(formatAddress(wanted))) throw new ArmError(400, 'PrivateIPAddressInUse', `IP configuration ${nicId}/ipConfigurations/ipconfig1 is using the private IP address ${formatAddress(wanted)} which is already allocated to another resource.`)
    return formatAddress(wanted)
  }
  if (current !== undefined) return current
  for (let offset = 4; offset < size(range) - 1; offset++) {
    const candidate = formatAddress(range.base + offset)
    if (!used.has(candidate)) return candidate
  }
  throw new ArmError(400, 'SubnetIsFull', `Subnet ${subnet.name} with address prefix ${String(subnet.properties.addressPrefix)} does not have enough capacity for 1 IP addresses.`)
}
