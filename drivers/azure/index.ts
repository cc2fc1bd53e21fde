import {type DriverDefinition, packagesHealth} from '../../src/driver-kit/index.js'
import {azureFromDockerMachine} from './docker-machine.js'
import {AzureDriver} from './driver.js'
import {queryStates} from './query-states.js'
import {LABELS} from './remove-plan.js'
import {parseResourceId} from './resources.js'
import {DEFAULTS, SECRET_FLAG, settingsFromFlags, settingsFromState} from './settings.js'

/** Azure virtual machines through Azure Resource Manager (Docker Machine's flag and variable names). */
const azure: DriverDefinition = {
  name: 'azure',
  description: 'A Microsoft Azure virtual machine with a public IP.',
  example: {args: ['--azure-subscription-id', 'SUBSCRIPTION_ID', '--azure-location', 'westeurope'], machine: 'web1'},
  flags: [
    {name: 'azure-subscription-id', type: 'string', env: 'AZURE_SUBSCRIPTION_ID', description: 'Subscription to create the machine in (required).'},
    {name: 'azure-tenant-id', type: 'string', env: 'AZURE_TENANT_ID', description: 'Microsoft Entra tenant of the service principal (or of your Azure CLI login).'},
    {name: 'azure-client-id', type: 'string', env: 'AZURE_CLIENT_ID', description: 'Service principal\'s application (client) id; without it berth uses your "az login".'},
    {name: SECRET_FLAG, type: 'string', env: 'AZURE_CLIENT_SECRET', secret: true, description: 'Service principal\'s client secret.'},
    {name: 'azure-environment', type: 'string', env: 'AZURE_ENVIRONMENT', default: DEFAULTS.environment, description: 'Azure cloud: AzurePublicCloud, AzureUSGovernmentCloud or AzureChinaCloud.'},
    {name: 'azure-resource-manager-endpoint', type: 'string', env: 'AZURE_RESOURCE_MANAGER_ENDPOINT', defaultHelp: 'the environment\'s', description: 'Azure Resource Manager URL of another cloud.'},
    {name: 'azure-authority-host', type: 'string', env: 'AZURE_AUTHORITY_HOST', defaultHelp: 'the environment\'s', description: 'Microsoft Entra sign-in URL of another cloud.'},
    {name: 'azure-resource-group', type: 'string', env: 'AZURE_RESOURCE_GROUP', default: DEFAULTS.resourceGroup, description: 'Resource group (created, and removed with its last machine, when missing).'},
    {name: 'azure-location', type: 'string', env: 'AZURE_LOCATION', default: DEFAULTS.location, description: 'Azure location (region).'},
    {name: 'azure-size', type: 'string', env: 'AZURE_SIZE', default: DEFAULTS.size, description: 'VM size.'},
    {name: 'azure-image', type: 'string', env: 'AZURE_IMAGE', default: DEFAULTS.image, description: 'Image URN, PUBLISHER:OFFER:SKU:VERSION.'},
    {name: 'azure-ssh-user', type: 'string', env: 'AZURE_SSH_USER', default: DEFAULTS.sshUser, description: 'Admin user of the VM, for SSH.'},
    {name: 'azure-docker-port', type: 'integer', env: 'AZURE_DOCKER_PORT', defaultHelp: 'berth\'s engine port, 2376', description: 'Port the Docker engine listens on with TLS, opened in the network security group.'},
    {name: 'azure-vnet', type: 'string', env: 'AZURE_VNET', default: DEFAULTS.vnet, description: 'Virtual network, [RESOURCE_GROUP:]NAME (created when missing).'},
    {name: 'azure-subnet', type: 'string', env: 'AZURE_SUBNET', default: DEFAULTS.subnet, description: 'Subnet of the virtual network (created when missing).'},
    {name: 'azure-subnet-prefix', type: 'string', env: 'AZURE_SUBNET_PREFIX', default: DEFAULTS.subnetPrefix, description: 'Address range of a new subnet (and of a new virtual network).'},
    {name: 'azure-availability-set', type: 'string', env: 'AZURE_AVAILABILITY_SET', description: 'Availability set to put the VM in (created when missing).'},
    {name: 'azure-storage-type', type: 'string', env: 'AZURE_STORAGE_TYPE', default: DEFAULTS.storageType, description: 'OS disk type: Standard_LRS, StandardSSD_LRS, Premium_LRS, StandardSSD_ZRS or Premium_ZRS.'},
    {name: 'azure-custom-data', type: 'string', env: 'AZURE_CUSTOM_DATA_FILE', description: 'File given to the VM as custom data (cloud-init).'},
    {name: 'azure-open-port', type: 'string-array', description: 'Also open this port to the Internet, PORT[/tcp|udp] (repeatable).'},
    {name: 'azure-private-ip-address', type: 'string', description: 'Static private address of the VM in its subnet.'},
    {name: 'azure-use-private-ip', type: 'boolean', description: 'Reach the machine at its private address (berth runs inside the virtual network).'},
    {name: 'azure-no-public-ip', type: 'boolean', description: 'Make no public IP address (implies --azure-use-private-ip).'},
    {name: 'azure-static-public-ip', type: 'boolean', description: 'Accepted for Docker Machine scripts: every public IP berth makes is static (Standard SKU).'},
    {name: 'azure-dns', type: 'string', env: 'AZURE_DNS_LABEL', description: 'DNS label of the public IP (LABEL.LOCATION.cloudapp.azure.com).'},
  ],
  capabilities: {
    // A Standard public IP keeps its address, but a VM's address can change (its public IP replaced): re-checked on start.
    stableAddress: false,
    serialOperations: false,
    provisions: true,
  },
  async probe() {
    return packagesHealth(import.meta.url, ['@azure/identity', '@azure/arm-compute', '@azure/arm-network', '@azure/arm-resources'], (missing) => `The Azure SDK packages (${missing}) are not installed.`, 'Reinstall berth (npm install) so that its @azure/* dependencies are present.')
  },
  fromFlags(values, setup) {
    const secret = values[SECRET_FLAG]
    return new AzureDriver(settingsFromFlags(values, setup.machineName, setup.enginePort), setup, typeof secret === 'string' && secret !== '' ? secret : undefined)
  },
  load(state, setup) {
    return new AzureDriver(settingsFromState(state, setup.env), setup, setup.secret(SECRET_FLAG))
  },
  queryStates,
  fromDockerMachine: azureFromDockerMachine,
  describeResource(resource, state) {
    const where = typeof state.location === 'string' ? {region: state.location} : {}
    const kind = `Azure ${LABELS[resource.kind] ?? resource.kind}`
    if (resource.kind === 'azure-resource-group') return {kind, id: resource.id, ...where, removeCommand: `az group delete --subscription ${resource.id.split('/')[2] ?? ''} --name ${parseResourceId(resource.id).group} --yes`}
    if (resource.kind === 'azure-virtual-machine') return {kind, id: resource.id, ...where, removeCommand: `az vm delete --ids ${resource.id} --yes`}
    return {kind, id: resource.id, ...where, removeCommand: `az resource delete --ids ${resource.id}`}
  },
}

export default azure
