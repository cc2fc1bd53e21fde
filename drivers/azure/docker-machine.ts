import {type AdoptedMachine, DockerMachineFields, type DockerMachineHost, type DriverSetup, type ResourceRecord, UsageError} from '../../src/driver-kit/index.js'
import {AzureDriver} from './driver.js'
import {record, ResourceIds} from './resources.js'
import {SECRET_FLAG, settingsFromFlags, STORAGE_TYPES, type AzureSettings} from './settings.js'

/**
 * A VM Docker Machine's azure driver made (its Driver struct, drivers/azure/azure.go), as berth's: the fields become
 * the flags they came from, checked as create checks them; ClientSecret is the machine's secret. What Docker
 * Machine's rm removed is recorded for berth's rm: the VM, its OS disk ("NAME-os-disk"), NIC, public IP and network
 * security group; the subnet, virtual network and availability set, which go only once nothing else uses them. The
 * resource group and the storage account stay, as Docker Machine's rm left them; so does a virtual network in another
 * resource group ("GROUP:NAME"), which its rm never found. The machine logs in with berth's copy of its id_rsa.
 */
export function azureFromDockerMachine({driver: dm, sshKeyPath}: DockerMachineHost, setup: DriverSetup): AdoptedMachine {
  const fields = new DockerMachineFields(dm, 'azure')
  // Azure's names and ids are read without the spaces around them.
  const text = (field: string): string | undefined => fields.text(field)?.trim() || undefined
  if (text('SubscriptionID') === undefined) throw new UsageError('Its "Driver.SubscriptionID" is missing.')
  if (sshKeyPath === undefined) throw new UsageError('It has no SSH key ("Driver.SSHKeyPath").')
  if (text('ClientID') !== undefined && !setup.env.AZURE_TENANT_ID) {
    throw new UsageError('Its service principal ("Driver.ClientID") needs its tenant, which Docker Machine looked up by itself.', {hint: 'Set AZURE_TENANT_ID to the tenant of the subscription and import it again.'})
  }
  fields.set('environment', text('Environment'))
  fields.set('subscription-id', text('SubscriptionID'))
  fields.set('client-id', text('ClientID'))
  fields.set('resource-group', text('ResourceGroup'))
  fields.set('location', text('Location'))
  fields.set('size', text('Size'))
  // Only create reads the image and the disk type: one berth would not create with does not stop the import.
  fields.set('image', text('Image')?.split(':').length === 4 ? text('Image') : undefined)
  fields.set('storage-type', STORAGE_TYPES.includes(text('StorageType') ?? '') ? text('StorageType') : undefined)
  fields.set('ssh-user', text('SSHUser'))
  fields.set('docker-port', typeof dm.DockerPort === 'number' && dm.DockerPort > 0 ? dm.DockerPort : undefined)
  fields.set('vnet', text('VirtualNetwork'))
  fields.set('subnet', text('SubnetName'))
  fields.set('subnet-prefix', text('SubnetPrefix'))
  fields.set('availability-set', text('AvailabilitySet'))
  fields.set('open-port', fields.list('OpenPorts'))
  fields.set('private-ip-address', text('PrivateIPAddr'))
  fields.set('use-private-ip', dm.UsePrivateIP === true)
  fields.set('no-public-ip', dm.NoPublicIP === true)
  fields.set('dns', dm.NoPublicIP === true ? undefined : text('DNSLabel'))
  // Docker Machine found the tenant and the cloud's endpoints by itself; berth takes them from its own variables.
  fields.set('tenant-id', setup.env.AZURE_TENANT_ID || undefined)
  fields.set('resource-manager-endpoint', setup.env.AZURE_RESOURCE_MANAGER_ENDPOINT || undefined)
  fields.set('authority-host', setup.env.AZURE_AUTHORITY_HOST || undefined)
  const fromFlags = settingsFromFlags(fields.flags, setup.machineName, setup.enginePort)
  const settings: AzureSettings = {...fromFlags, sshKeyPath, names: {...fromFlags.names, osDisk: `${setup.machineName}-os-disk`}}
  const secret = text('ClientSecret')
  return {
    driver: new AzureDriver(settings, setup, secret),
    ...(secret === undefined ? {} : {secrets: {[SECRET_FLAG]: secret}}),
    resources: dockerMachineResources(settings),
  }
}

/** What Docker Machine's rm deleted, dependents first. */
function dockerMachineResources(settings: AzureSettings): ResourceRecord[] {
  const ids = new ResourceIds(settings)
  const vnetInGroup = settings.vnet.resourceGroup === settings.resourceGroup
  return [
    record('azure-virtual-machine', ids.vm),
    record('azure-os-disk', ids.osDisk),
    record('azure-network-interface', ids.nic),
    ...(settings.publicIp ? [record('azure-public-ip', ids.publicIp)] : []),
    record('azure-network-security-group', ids.nsg),
    ...(vnetInGroup ? [record('azure-subnet', ids.subnet), record('azure-virtual-network', ids.vnet)] : []),
    ...(settings.availabilitySet === undefined ? [] : [record('azure-availability-set', ids.availabilitySet(settings.availabilitySet))]),
  ]
}
