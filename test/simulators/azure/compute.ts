import {randomBytes, randomUUID} from 'node:crypto'
import type {TestHost} from '../../hosts/index.js'
import {diskTypesIn, findImage, findLocation, findSize, offers, SIZES, type SimImage, type SimSize} from './catalog.js'
import {beginDelete, beginPut, notFound, propertiesOf, requireBody, requireLocation, resourceView, tagsOf} from './common.js'
import {NAME, route, type ArmContext, type Route} from './context.js'
import {ArmError, asText, isRecord, pick, type Reply, type SimRequest} from './http.js'
import {resourceId, type SimResource} from './store.js'

/** Microsoft.Compute virtual machines: create (a test host boots), power actions, instance view, delete. */

export const VM = 'Microsoft.Compute/virtualMachines'
export const DISK = 'Microsoft.Compute/disks'
const PREFIX = '/resourcegroups/([^/]+)/providers/microsoft\\.compute/virtualmachines'
const STORAGE_TYPES = ['Standard_LRS', 'Premium_LRS', 'StandardSSD_LRS', 'UltraSSD_LRS', 'Premium_ZRS', 'StandardSSD_ZRS', 'PremiumV2_LRS']
const RESERVED_USERS = new Set(['administrator', 'admin', 'user', 'user1', 'test', 'user2', 'test1', 'user3', 'admin1', '1', '123', 'a', 'actuser', 'adm', 'admin2',
  'aspnet', 'backup', 'console', 'david', 'guest', 'john', 'owner', 'root', 'server', 'sql', 'support', 'support_388945a0', 'sys', 'test2', 'test3', 'user4', 'user5'])

export const vmRoutes: Route[] = [
  route('GET', PREFIX, 'virtualMachines.list', (context, request, [group]) => {
    context.store.requireGroup(context.subscription, group!)
    const vms = context.store.inGroup(context.subscription, group!).filter((resource) => resource.type === VM)
    return {status: 200, body: {value: vms.map((vm) => vmView(context, vm, request.query.get('$expand') === 'instanceView'))}}
  }),
  route('GET', `${PREFIX}/${NAME}`, 'virtualMachines.get', (context, request, [group, name]) => ({status: 200, body: vmView(context, requireVm(context, group!, name!), request.query.get('$expand') === 'instanceView')})),
  route('GET', `${PREFIX}/${NAME}/instanceView`, 'virtualMachines.instanceView', (context, _request, [group, name]) => ({status: 200, body: instanceView(context, requireVm(context, group!, name!))})),
  route('PUT', `${PREFIX}/${NAME}`, 'virtualMachines.createOrUpdate', putVm),
  route('DELETE', `${PREFIX}/${NAME}`, 'virtualMachines.delete', deleteVm),
  route('POST', `${PREFIX}/${NAME}/start`, 'virtualMachines.start', (context, _request, [group, name]) => powerAction(context, group!, name!, 'start')),
  route('POST', `${PREFIX}/${NAME}/powerOff`, 'virtualMachines.powerOff', (context, request, [group, name]) => powerAction(context, group!, name!, request.query.get('skipShutdown') === 'true' ? 'kill' : 'powerOff')),
  route('POST', `${PREFIX}/${NAME}/deallocate`, 'virtualMachines.deallocate', (context, _request, [group, name]) => powerAction(context, group!, name!, 'deallocate')),
  route('POST', `${PREFIX}/${NAME}/restart`, 'virtualMachines.restart', (context, _request, [group, name]) => powerAction(context, group!, name!, 'restart')),
  route('GET', '/providers/microsoft\\.compute/virtualmachines', 'virtualMachines.listAll', (context, request) => {
    const withStatus = request.query.get('statusOnly') === 'true' || request.query.get('$expand') === 'instanceView'
    const vms = context.store.ofType(VM).filter((vm) => vm.subscription === context.subscription)
    return {status: 200, body: {value: vms.map((vm) => vmView(context, vm, withStatus))}}
  }),
]

function requireVm(context: ArmContext, group: string, name: string): SimResource {
  context.store.requireGroup(context.subscription, group)
  const vm = context.store.get(resourceId(context.subscription, group, VM, [name]))
  if (vm === undefined) throw notFound(VM, name, group)
  return vm
}

export function vmView(context: ArmContext, vm: SimResource, withInstanceView: boolean): Record<string, unknown> {
  return resourceView(vm, {...vm.properties, ...(withInstanceView ? {instanceView: instanceView(context, vm)} : {})})
}

function instanceView(context: ArmContext, vm: SimResource): Record<string, unknown> {
  const state = vm.provisioningState.toLowerCase()
  const power = context.machines.power(vm.id.toLowerCase()) ?? (vm.provisioningState === 'Creating' ? 'starting' : undefined)
  const statuses: Record<string, unknown>[] = [{
    code: `ProvisioningState/${state}`,
    level: state === 'failed' ? 'Error' : 'Info',
    displayStatus: state === 'failed' ? 'Provisioning failed' : `Provisioning ${state}`,
    time: new Date().toISOString(),
  }]
  if (power !== undefined && state !== 'failed') {
    const display = {starting: 'VM starting', running: 'VM running', stopping: 'VM stopping', stopped: 'VM stopped', deallocating: 'VM deallocating', deallocated: 'VM deallocated'}[power]
    statuses.push({code: `PowerState/${power}`, level: 'Info', displayStatus: display})
  }
  return {computerName: pick(vm.properties, 'osProfile.computerName'), osName: 'ubuntu', osVersion: '24.04', statuses}
}

function invalid(target: string, message: string): ArmError {
  return new ArmError(400, 'InvalidParameter', message, {target})
}

function putVm(context: ArmContext, request: SimRequest, [group, name]: string[]): Reply {
  context.store.requireGroup(context.subscription, group!)
  const body = requireBody(request.body)
  if (!/^[a-zA-Z0-9]([a-zA-Z0-9_.-]{0,62}[a-zA-Z0-9_])?$/.test(name!)) {
    throw new ArmError(400, 'InvalidResourceName', `Resource name ${name!} is invalid. The name can be up to 64 characters long. It can contain only letters, numbers, underscores, periods, and hyphens. It must begin with a letter or number and end with a letter, number or underscore.`)
  }
  const location = requireLocation(body, VM)
  const id = resourceId(context.subscription, group!, VM, [name!])
  const existing = context.store.get(id)
  if (existing?.provisioningState === 'Deleting' || context.busy.has(id.toLowerCase())) {
    throw new ArmError(409, 'Conflict', `The operation cannot be performed on virtual machine '${name!}' while another operation on it is in progress.`)
  }
  const properties = propertiesOf(body)
  const size = checkSize(context, id, location, pick(properties, 'hardwareProfile.vmSize'))
  const image = checkImage(pick(properties, 'storageProfile.imageReference'))
  const osDisk = (pick(properties, 'storageProfile.osDisk') ?? {createOption: 'FromImage'}) as Record<string, unknown>
  if (String(osDisk.createOption).toLowerCase() !== 'fromimage') throw invalid('osDisk.createOption', `The value ${String(osDisk.createOption)} of parameter 'osDisk.createOption' is not allowed for a VM created from a platform image.`)
  const storageType = asText(pick(osDisk, 'managedDisk.storageAccountType') ?? 'Premium_LRS')
  if (!STORAGE_TYPES.includes(storageType)) throw invalid('osDisk.managedDisk.storageAccountType', `The value '${storageType}' is not a valid storage account type. Valid types are ${STORAGE_TYPES.join(', ')}.`)
  checkCompatible(location, size, image.spec, storageType)
  const osProfile = checkOsProfile(properties.osProfile)
  const nics = checkNics(context, id, location, pick(properties, 'networkProfile.networkInterfaces'))
  const availabilitySet = pick(properties, 'availabilitySet.id')
  if (availabilitySet !== undefined && (typeof availabilitySet !== 'string' || context.store.get(availabilitySet) === undefined)) {
    throw new ArmError(404, 'NotFound', `The Availability Set '${asText(availabilitySet)}' cannot be found.`)
  }

  if (existing !== undefined) {
    for (const field of ['adminUsername', 'computerName', 'linuxConfiguration']) {
      if (JSON.stringify(pick(existing.properties, `osProfile.${field}`)) !== JSON.stringify(osProfile[field])) {
        throw new ArmError(409, 'PropertyChangeNotAllowed', `Changing property '${field === 'linuxConfiguration' ? 'linuxConfiguration.ssh.publicKeys' : field}' is not allowed.`, {target: field})
      }
    }
    // A PUT again after a failed create provisions the VM again, as ARM does.
    const booted = context.machines.power(id.toLowerCase()) !== undefined
    return beginPut(context, existing, true, (vm) => vmView(context, vm, false), booted ? undefined : () => boot(context, existing, osProfile))
  }

  const diskName = typeof osDisk.name === 'string' ? osDisk.name : `${name!}_OsDisk_1_${randomBytes(16).toString('hex')}`
  const diskId = resourceId(context.subscription, group!, DISK, [diskName])
  if (context.store.get(diskId) !== undefined) throw new ArmError(409, 'Conflict', `Disk ${diskName} already exists in resource group ${group!.toUpperCase()}. Only CreateOption.Attach is supported.`)
  const disk: SimResource = {
    id: diskId, subscription: context.subscription, resourceGroup: context.store.requireGroup(context.subscription, group!).name, name: diskName, type: DISK, location,
    tags: {}, sku: {name: storageType, tier: storageType.startsWith('Premium') ? 'Premium' : 'Standard'},
    properties: {osType: 'Linux', diskSizeGB: typeof osDisk.diskSizeGB === 'number' ? osDisk.diskSizeGB : 30, creationData: {createOption: 'FromImage', imageReference: {id: `/Subscriptions/${context.subscription}/Providers/Microsoft.Compute/Locations/${location}/Publishers/${image.publisher}/ArtifactTypes/VMImage/Offers/${image.offer}/Skus/${image.sku}/Versions/${image.version}`}}, timeCreated: new Date().toISOString()},
    provisioningState: 'Creating',
  }
  context.store.put(disk)
  const vm: SimResource = {
    id, subscription: context.subscription, resourceGroup: disk.resourceGroup, name: name!, type: VM, location, tags: tagsOf(body),
    properties: {
      vmId: randomUUID(),
      hardwareProfile: {vmSize: pick(properties, 'hardwareProfile.vmSize')},
      storageProfile: {
        imageReference: {publisher: image.publisher, offer: image.offer, sku: image.sku, version: pick(properties, 'storageProfile.imageReference.version'), exactVersion: image.version},
        osDisk: {osType: 'Linux', name: diskName, createOption: 'FromImage', caching: 'ReadWrite', managedDisk: {storageAccountType: storageType, id: diskId}, deleteOption: osDisk.deleteOption ?? 'Detach', diskSizeGB: disk.properties.diskSizeGB},
        dataDisks: [],
      },
      osProfile: {...osProfile, secrets: [], allowExtensionOperations: true, requireGuestProvisionSignal: true},
      networkProfile: {networkInterfaces: nics},
      ...(availabilitySet === undefined ? {} : {availabilitySet: {id: availabilitySet}}),
      timeCreated: new Date().toISOString(),
    },
    provisioningState: 'Creating',
  }
  // The disk exists as soon as the VM is accepted, whether or not it then boots.
  disk.provisioningState = 'Succeeded'
  return beginPut(context, vm, false, (resource) => vmView(context, resource, false), () => boot(context, vm, osProfile))
}

async function boot(context: ArmContext, vm: SimResource, osProfile: Record<string, unknown>): Promise<void> {
  const key = vm.id.toLowerCase()
  context.busy.add(key)
  try {
    const authorizedKey = String(pick(osProfile, 'linuxConfiguration.ssh.publicKeys.0.keyData')).trim()
    const host = await context.machines.create(key, String(osProfile.computerName), {user: String(osProfile.adminUsername), authorizedKey})
    assignAddresses(context, vm, host)
  } finally {
    context.busy.delete(key)
  }
}

function checkSize(context: ArmContext, id: string, location: string, size: unknown): SimSize {
  if (typeof size !== 'string' || size === '') throw invalid('hardwareProfile', 'Required parameter \'hardwareProfile\' is missing (null).')
  const known = findSize(size)
  if (known === undefined || !offers(location, known)) {
    const here = SIZES.filter((entry) => offers(location, entry)).map((entry) => entry.name)
    throw invalid('vmSize', `The value ${size} provided for the VM size is not valid. The valid sizes in the current region are: ${here.join(',')}. Find out more on the available VM sizes in each region at https://aka.ms/azure-regions.`)
  }
  if (known.restrictedIn?.includes(location) === true) {
    throw new ArmError(409, 'SkuNotAvailable', `The requested VM size for resource '${id}' is currently not available in location '${location}' zones '' for subscription '${context.subscription}'. Please try another size or deploy to a different location or zones. See https://aka.ms/azureskunotavailable for details.`)
  }
  return known
}

/**
 * What ARM refuses of a size, an image and an OS disk that each exist: a disk type the location does not offer
 * (ZRS needs zones), Premium SSD on a size without premium storage, an image of a VM generation or CPU
 * architecture the size cannot boot. The premium storage and generation messages are ARM's words; the others are
 * the simulator's for ARM's refusals.
 */
function checkCompatible(location: string, size: SimSize, image: SimImage, storageType: string): void {
  const offered = diskTypesIn(findLocation(location)!)
  if (!offered.includes(storageType)) {
    throw invalid('osDisk.managedDisk.storageAccountType', `SKU ${storageType} is not supported in location '${location}'. Supported SKUs for this region are ${offered.join(',')}.`)
  }
  if (storageType.startsWith('Premium') && !size.premiumIO) {
    throw invalid('osDisk.managedDisk.storageAccountType', `Requested operation cannot be performed because storage account type '${storageType}' is not supported for VM size '${size.name}'.`)
  }
  const generation = image.hyperVGeneration.slice(1)
  if (!size.hyperVGenerations.includes(image.hyperVGeneration)) {
    throw new ArmError(400, 'BadRequest', `The selected VM size '${size.name}' cannot boot Hypervisor Generation '${generation}'. If this was a Create operation please check that the Hypervisor Generation of the Image matches the Hypervisor Generation of the selected VM Size. If this was an Update operation please select a Hypervisor Generation '${generation}' VM Size. For more information, see https://aka.ms/azuregen2vm`)
  }
  if (size.architecture !== image.architecture) {
    throw new ArmError(400, 'BadRequest', `The selected VM size '${size.name}' runs ${size.architecture} and cannot boot an image of architecture '${image.architecture}'.`)
  }
}

function checkImage(reference: unknown): {publisher: string; offer: string; sku: string; version: string; spec: SimImage} {
  const field = (name: string): string => asText(pick(reference, name) ?? '')
  const urn = `${field('publisher')}:${field('offer')}:${field('sku')}:${field('version')}`
  const image = findImage(field('publisher'), field('offer'), field('sku'))
  const version = field('version').toLowerCase() === 'latest' ? image?.versions.at(-1) : image?.versions.find((candidate) => candidate === field('version'))
  if (image === undefined || version === undefined) {
    throw new ArmError(404, 'PlatformImageNotFound', `The platform image '${urn}' is not available. Verify that all fields in the storage profile are correct. For more details about image, please refer to https://aka.ms/azureimagenotfound`)
  }
  return {publisher: image.publisher, offer: image.offer, sku: image.sku, version, spec: image}
}

function checkOsProfile(profile: unknown): Record<string, unknown> {
  if (!isRecord(profile)) throw invalid('osProfile', 'Required parameter \'osProfile\' is missing (null).')
  const computerName = profile.computerName
  if (typeof computerName !== 'string' || computerName === '' || computerName.length > 64 || /[`~!@#$%^&*()=+_[\]{}\\|;:'",<>/?.]/.test(computerName)) {
    throw invalid('computerName', 'Linux host name cannot exceed 64 characters in length or contain the following characters: ` ~ ! @ # $ % ^ & * ( ) = + _ [ ] { } \\ | ; : \' " , < > / ?.')
  }
  const user = profile.adminUsername
  if (typeof user !== 'string' || user === '') throw invalid('adminUsername', 'Required parameter \'adminUsername\' is missing (null).')
  if (RESERVED_USERS.has(user.toLowerCase()) || !/^[a-z_][a-z0-9_-]{0,31}$/i.test(user)) throw invalid('adminUsername', 'The Admin Username specified is not allowed.')
  const keys = pick(profile, 'linuxConfiguration.ssh.publicKeys')
  if (pick(profile, 'linuxConfiguration.disablePasswordAuthentication') === true && (!Array.isArray(keys) || keys.length === 0)) {
    throw invalid('linuxConfiguration', 'Authentication using either SSH or by user name and password must be enabled in Linux profile.')
  }
  for (const key of Array.isArray(keys) ? keys : []) {
    const path = pick(key, 'path')
    if (path !== `/home/${user}/.ssh/authorized_keys`) {
      throw invalid('linuxConfiguration.ssh.publicKeys.path', `Destination path for SSH public keys is currently limited to its default value /home/${user}/.ssh/authorized_keys  due to a known issue in Linux provisioning agent.`)
    }
    const data = pick(key, 'keyData')
    if (typeof data !== 'string' || !/^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+/.test(data.trim())) {
      throw invalid('linuxConfiguration.ssh.publicKeys.keyData', 'The value of parameter linuxConfiguration.ssh.publicKeys.keyData is invalid.')
    }
  }
  const customData = profile.customData
  if (customData !== undefined && (typeof customData !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(customData) || customData.length > 87_380)) {
    throw invalid('customData', 'The value of parameter customData is invalid.')
  }
  // ARM never returns customData: it is not kept in the answers' osProfile.
  return {computerName, adminUsername: user, linuxConfiguration: profile.linuxConfiguration}
}

function checkNics(context: ArmContext, vmId: string, location: string, given: unknown): Record<string, unknown>[] {
  if (!Array.isArray(given) || given.length === 0) throw invalid('networkProfile', 'Required parameter \'networkProfile\' is missing (null).')
  return given.map((entry) => {
    const id = pick(entry, 'id')
    const nic = typeof id === 'string' ? context.store.get(id) : undefined
    if (nic === undefined) throw new ArmError(400, 'InvalidResourceReference', `Resource ${String(id)} referenced by resource ${vmId} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`)
    if (nic.location !== location) throw invalid('networkProfile.networkInterfaces', `The network interface ${nic.id} is in location '${nic.location}' but the virtual machine is in location '${location}'; they must be in the same location.`)
    const other = context.store.referrers(nic.id, VM).find((vm) => vm.id.toLowerCase() !== vmId.toLowerCase())
    if (other !== undefined) throw new ArmError(400, 'NicInUse', `Network interface ${nic.id} is in use by virtual machine ${other.id}.`)
    const properties = pick(entry, 'properties')
    return {id: nic.id, ...(isRecord(properties) ? {properties: {primary: properties.primary ?? true, deleteOption: properties.deleteOption ?? 'Detach'}} : {})}
  })
}

/** The VM's addresses are its host's: on the public IP when it has one, else on the NIC (the test network stands in for the VNet). */
function assignAddresses(context: ArmContext, vm: SimResource, host: TestHost): void {
  for (const reference of (pick(vm.properties, 'networkProfile.networkInterfaces') ?? []) as {id: string}[]) {
    const nic = context.store.get(reference.id)
    const configuration = pick(nic?.properties, 'ipConfigurations.0.properties') as Record<string, unknown> | undefined
    if (configuration === undefined) continue
    const pip = typeof pick(configuration, 'publicIPAddress.id') === 'string' ? context.store.get(String(pick(configuration, 'publicIPAddress.id'))) : undefined
    if (pip !== undefined) pip.properties.ipAddress = host.ip
    else configuration.privateIPAddress = host.ip
  }
}

function deleteVm(context: ArmContext, _request: SimRequest, [group, name]: string[]): Reply {
  context.store.requireGroup(context.subscription, group!)
  const vm = context.store.get(resourceId(context.subscription, group!, VM, [name!]))
  return beginDelete(context, vm, (resource) => removeVm(context, resource))
}

/** Take the VM down and away, with what its deleteOptions say goes with it (a resource group's DELETE uses this too). */
export async function removeVm(context: ArmContext, vm: SimResource): Promise<void> {
  vm.provisioningState = 'Deleting'
  await context.machines.remove(vm.id.toLowerCase())
  context.store.delete(vm.id)
  if (pick(vm.properties, 'storageProfile.osDisk.deleteOption') === 'Delete') context.store.delete(String(pick(vm.properties, 'storageProfile.osDisk.managedDisk.id')))
  for (const nic of (pick(vm.properties, 'networkProfile.networkInterfaces') ?? []) as {id: string; properties?: {deleteOption?: string}}[]) {
    if (nic.properties?.deleteOption === 'Delete') context.store.delete(nic.id)
  }
}

type PowerAction = 'start' | 'powerOff' | 'kill' | 'deallocate' | 'restart'

function powerAction(context: ArmContext, group: string, name: string, action: PowerAction): Reply {
  const vm = requireVm(context, group, name)
  const key = vm.id.toLowerCase()
  const operation = action === 'kill' ? 'powerOff' : action
  if (vm.provisioningState !== 'Succeeded' || context.busy.has(key)) {
    const doing = vm.provisioningState === 'Succeeded' ? 'another operation is in progress' : `the VM is in provisioning state '${vm.provisioningState}'`
    throw new ArmError(409, 'OperationNotAllowed', `Operation '${operation}' is not allowed on VM '${name}' since ${doing}.`)
  }
  const power = context.machines.power(key)
  if (action === 'restart' && power !== 'running') throw new ArmError(409, 'OperationNotAllowed', `Operation 'restart' is not allowed on VM '${name}' since the VM is ${power ?? 'not running'}.`)
  context.busy.add(key)
  const location = findLocation(vm.location)!.name
  const headers = context.operations.start(context.subscription, 'Microsoft.Compute', location, async () => {
    try {
      if (context.asyncFailure !== undefined) throw context.asyncFailure
      if (action === 'start') assignAddresses(context, vm, await context.machines.start(key))
      else if (action === 'restart') await context.machines.restart(key)
      else if (action === 'deallocate') await context.machines.deallocate(key)
      else await context.machines.powerOff(key, action === 'kill')
    } finally {
      context.busy.delete(key)
    }
  }, {withLocation: true})
  return {status: 202, headers}
}
