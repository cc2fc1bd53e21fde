import {diskSkuView, diskTypesIn, findImage, findLocation, LOCATIONS, offers, SIZES, skuView, type SimImage} from './catalog.js'
import {beginDelete, notFound, propertiesOf, requireBody, requireLocation, resourceView, tagsOf} from './common.js'
import {DISK, VM} from './compute.js'
import {NAME, route, type ArmContext, type Route} from './context.js'
import {ArmError, asText, pick, type Reply, type SimRequest} from './http.js'
import {resourceId, type SimResource} from './store.js'

/** Microsoft.Compute besides VMs: managed disks, availability sets, and what the cloud offers (VM and disk SKUs, images). */

const AVSET = 'Microsoft.Compute/availabilitySets'
const RG_COMPUTE = '/resourcegroups/([^/]+)/providers/microsoft\\.compute'

export const computeCatalogRoutes: Route[] = [
  route('GET', `${RG_COMPUTE}/disks/${NAME}`, 'disks.get', (context, _request, [group, name]) => ({status: 200, body: diskView(context, requireResource(context, DISK, group!, name!))})),
  route('DELETE', `${RG_COMPUTE}/disks/${NAME}`, 'disks.delete', deleteDisk),
  route('GET', `${RG_COMPUTE}/availabilitySets/${NAME}`, 'availabilitySets.get', (context, _request, [group, name]) => ({status: 200, body: availabilitySetView(context, requireResource(context, AVSET, group!, name!))})),
  route('PUT', `${RG_COMPUTE}/availabilitySets/${NAME}`, 'availabilitySets.createOrUpdate', putAvailabilitySet),
  route('DELETE', `${RG_COMPUTE}/availabilitySets/${NAME}`, 'availabilitySets.delete', deleteAvailabilitySet),
  route('GET', '/providers/microsoft\\.compute/skus', 'resourceSkus.list', (_context, request) => {
    const location = /location eq '([^']+)'/i.exec(request.query.get('$filter') ?? '')?.[1]?.toLowerCase()
    const locations = location === undefined ? LOCATIONS : LOCATIONS.filter((entry) => entry.name === location)
    return {status: 200, body: {value: locations.flatMap((entry) => [
      ...SIZES.filter((size) => offers(entry.name, size)).map((size) => skuView(size, entry.name)),
      ...diskTypesIn(entry).map((name) => diskSkuView(name, entry)),
    ])}}
  }),
  route('GET', `/providers/microsoft\\.compute/locations/${NAME}/publishers/${NAME}/artifacttypes/vmimage/offers/${NAME}/skus/${NAME}/versions`, 'virtualMachineImages.list', listImageVersions),
  route('GET', `/providers/microsoft\\.compute/locations/${NAME}/publishers/${NAME}/artifacttypes/vmimage/offers/${NAME}/skus/${NAME}/versions/${NAME}`, 'virtualMachineImages.get', getImageVersion),
  route('GET', `/providers/${NAME}`, 'providers.get', (context, _request, [namespace]) => providerView(context, namespace!)),
]

function requireResource(context: ArmContext, type: string, group: string, name: string): SimResource {
  context.store.requireGroup(context.subscription, group)
  const resource = context.store.get(resourceId(context.subscription, group, type, [name]))
  if (resource === undefined) throw notFound(type, name, group)
  return resource
}

function diskView(context: ArmContext, disk: SimResource): Record<string, unknown> {
  const vm = context.store.referrers(disk.id, VM)[0]
  const deallocated = vm !== undefined && context.machines.power(vm.id.toLowerCase()) === 'deallocated'
  return {
    ...resourceView(disk, {...disk.properties, diskState: vm === undefined ? 'Unattached' : deallocated ? 'Reserved' : 'Attached'}),
    ...(vm === undefined ? {} : {managedBy: vm.id}),
  }
}

function deleteDisk(context: ArmContext, _request: SimRequest, [group, name]: string[]): Reply {
  context.store.requireGroup(context.subscription, group!)
  const disk = context.store.get(resourceId(context.subscription, group!, DISK, [name!]))
  const vm = disk === undefined ? undefined : context.store.referrers(disk.id, VM)[0]
  if (vm !== undefined) throw new ArmError(409, 'OperationNotAllowed', `Disk ${name!} is attached to VM ${vm.id}.`)
  return beginDelete(context, disk, async (gone) => context.store.delete(gone.id))
}

function availabilitySetView(context: ArmContext, set: SimResource): Record<string, unknown> {
  return resourceView(set, {...set.properties, virtualMachines: context.store.referrers(set.id, VM).map((vm) => ({id: vm.id}))})
}

/** Availability sets are created and deleted synchronously (200/201, 200/204), unlike most of ARM. */
function putAvailabilitySet(context: ArmContext, request: SimRequest, [group, name]: string[]): Reply {
  context.store.requireGroup(context.subscription, group!)
  const body = requireBody(request.body)
  const location = requireLocation(body, AVSET)
  const id = resourceId(context.subscription, group!, AVSET, [name!])
  const properties = propertiesOf(body)
  const faultDomains = properties.platformFaultDomainCount ?? 2
  if (typeof faultDomains !== 'number' || faultDomains < 1 || faultDomains > 3) {
    throw new ArmError(400, 'InvalidParameter', `The specified fault domain count ${asText(faultDomains)} must fall in the range 1 to 3.`, {target: 'platformFaultDomainCount'})
  }
  const existed = context.store.get(id) !== undefined
  const set: SimResource = {
    id, subscription: context.subscription, resourceGroup: context.store.requireGroup(context.subscription, group!).name, name: name!, type: AVSET, location,
    tags: tagsOf(body), sku: {name: asText(pick(body, 'sku.name') ?? 'Aligned')},
    properties: {platformFaultDomainCount: faultDomains, platformUpdateDomainCount: properties.platformUpdateDomainCount ?? 5},
    provisioningState: 'Succeeded',
  }
  context.store.put(set)
  return {status: existed ? 200 : 201, body: availabilitySetView(context, set)}
}

function deleteAvailabilitySet(context: ArmContext, _request: SimRequest, [group, name]: string[]): Reply {
  context.store.requireGroup(context.subscription, group!)
  const set = context.store.get(resourceId(context.subscription, group!, AVSET, [name!]))
  if (set === undefined) return {status: 204}
  if (context.store.referrers(set.id, VM).length > 0) {
    throw new ArmError(409, 'OperationNotAllowed', `Availability Set '${name!}' cannot be deleted. Before deleting an Availability Set please ensure that it does not contain any VM.`)
  }
  context.store.delete(set.id)
  return {status: 200}
}

/** GET .../versions answers a bare JSON array (not {"value": [...]}), newest last unless $orderby says otherwise. */
function listImageVersions(context: ArmContext, request: SimRequest, [location, publisher, offer, sku]: string[]): Reply {
  const {known, image} = requireImage(location!, publisher!, offer!, sku!)
  let versions = [...image.versions]
  if (/name desc/i.test(request.query.get('$orderby') ?? '')) versions.reverse()
  const top = Number(request.query.get('$top'))
  if (Number.isInteger(top) && top > 0) versions = versions.slice(0, top)
  return {status: 200, body: versions.map((version) => ({location: known, name: version, id: imageVersionId(context, known, image, version)}))}
}

/** One version with what a VM made from it must match: its VM generation and CPU architecture. */
function getImageVersion(context: ArmContext, _request: SimRequest, [location, publisher, offer, sku, version]: string[]): Reply {
  const {known, image} = requireImage(location!, publisher!, offer!, sku!)
  if (!image.versions.includes(version!)) throw new ArmError(404, 'NotFound', 'Artifact: VMImage was not found.')
  return {
    status: 200,
    body: {
      location: known, name: version, id: imageVersionId(context, known, image, version!),
      properties: {hyperVGeneration: image.hyperVGeneration, architecture: image.architecture, osDiskImage: {operatingSystem: 'Linux'}, dataDiskImages: []},
    },
  }
}

function requireImage(location: string, publisher: string, offer: string, sku: string): {known: string; image: SimImage} {
  const known = findLocation(location)
  const image = findImage(publisher, offer, sku)
  if (known === undefined || image === undefined) throw new ArmError(404, 'NotFound', 'Artifact: VMImage was not found.')
  return {known: known.name, image}
}

function imageVersionId(context: ArmContext, location: string, image: SimImage, version: string): string {
  return `/Subscriptions/${context.subscription}/Providers/Microsoft.Compute/Locations/${location}/Publishers/${image.publisher}/ArtifactTypes/VMImage/Offers/${image.offer}/Skus/${image.sku}/Versions/${version}`
}

const PROVIDER_TYPES: Record<string, string[]> = {
  'microsoft.compute': ['virtualMachines', 'disks', 'availabilitySets', 'locations', 'skus'],
  'microsoft.network': ['virtualNetworks', 'networkSecurityGroups', 'publicIPAddresses', 'networkInterfaces'],
  'microsoft.resources': ['resourceGroups'],
}

function providerView(context: ArmContext, namespace: string): Reply {
  const types = PROVIDER_TYPES[namespace.toLowerCase()]
  if (types === undefined) throw new ArmError(404, 'InvalidResourceNamespace', `The resource namespace '${namespace}' is invalid.`)
  const canonical = {'microsoft.compute': 'Microsoft.Compute', 'microsoft.network': 'Microsoft.Network', 'microsoft.resources': 'Microsoft.Resources'}[namespace.toLowerCase()]!
  return {
    status: 200,
    body: {
      id: `/subscriptions/${context.subscription}/providers/${canonical}`,
      namespace: canonical,
      registrationState: 'Registered',
      registrationPolicy: 'RegistrationRequired',
      resourceTypes: types.map((resourceType) => ({
        resourceType,
        locations: LOCATIONS.map((location) => location.displayName),
        apiVersions: ['2024-07-01', '2024-05-01', '2023-09-01'],
      })),
    },
  }
}
