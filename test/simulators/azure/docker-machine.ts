import {request} from 'node:https'
import type {AzureSimulator} from './simulator.js'

export interface DockerMachineVm {
  group: string
  name: string
  location: string
  size: string
  image: {publisher: string; offer: string; sku: string; version: string}
  adminUser: string
  /** The public half of the id_rsa Docker Machine generated for the machine. */
  publicKey: string
  vnet: string
  subnet: string
  subnetPrefix: string
  availabilitySet: string
}

/**
 * What Docker Machine 0.16.2's azure driver makes for a machine (drivers/azure/azure.go Create), in its order and
 * with its names, through ARM as any other client would: the resource group, the availability set, the NSG
 * "NAME-firewall" with its SSH and Docker rules, the virtual network and subnet, the public IP "NAME-ip", the NIC
 * "NAME-nic" and the VM with its OS disk "NAME-os-disk". Nothing is tagged: Docker Machine tags nothing.
 */
export async function makeAsDockerMachine(sim: AzureSimulator, vm: DockerMachineVm): Promise<void> {
  const {group, name, location} = vm
  const groupPath = `/subscriptions/${sim.subscriptionId}/resourceGroups/${group}`
  const network = (type: string, resource: string): string => `${groupPath}/providers/Microsoft.Network/${type}/${resource}`
  const availabilitySet = `${groupPath}/providers/Microsoft.Compute/availabilitySets/${vm.availabilitySet}`
  const nsg = network('networkSecurityGroups', `${name}-firewall`)
  const subnet = `${network('virtualNetworks', vm.vnet)}/subnets/${vm.subnet}`
  const publicIp = network('publicIPAddresses', `${name}-ip`)
  const nic = network('networkInterfaces', `${name}-nic`)
  const rule = (ruleName: string, port: number, priority: number): unknown => ({
    name: ruleName,
    properties: {protocol: 'Tcp', priority, direction: 'Inbound', access: 'Allow', sourceAddressPrefix: '*', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: String(port)},
  })
  await put(sim, groupPath, {location})
  await put(sim, availabilitySet, {location, sku: {name: 'Aligned'}, properties: {platformFaultDomainCount: 2, platformUpdateDomainCount: 5}})
  await put(sim, nsg, {location, properties: {securityRules: [rule('SSHAllowAny', 22, 100), rule('DockerAllowAny', 2376, 300)]}})
  await put(sim, network('virtualNetworks', vm.vnet), {location, properties: {addressSpace: {addressPrefixes: [vm.subnetPrefix]}}})
  await put(sim, subnet, {properties: {addressPrefix: vm.subnetPrefix}})
  await put(sim, publicIp, {location, sku: {name: 'Standard'}, properties: {publicIPAllocationMethod: 'Static'}})
  await put(sim, nic, {location, properties: {networkSecurityGroup: {id: nsg}, ipConfigurations: [{name: 'ip', properties: {privateIPAllocationMethod: 'Dynamic', publicIPAddress: {id: publicIp}, subnet: {id: subnet}}}]}})
  await put(sim, `${groupPath}/providers/Microsoft.Compute/virtualMachines/${name}`, {
    location,
    properties: {
      hardwareProfile: {vmSize: vm.size},
      availabilitySet: {id: availabilitySet},
      storageProfile: {imageReference: vm.image, osDisk: {name: `${name}-os-disk`, createOption: 'FromImage', caching: 'ReadWrite', managedDisk: {storageAccountType: 'Standard_LRS'}}},
      osProfile: {
        computerName: name,
        adminUsername: vm.adminUser,
        linuxConfiguration: {disablePasswordAuthentication: true, ssh: {publicKeys: [{path: `/home/${vm.adminUser}/.ssh/authorized_keys`, keyData: vm.publicKey}]}},
      },
      networkProfile: {networkInterfaces: [{id: nic}]},
    },
  })
}

/** One PUT with a user's token, and the wait for its long-running operation (a VM's is its host's boot). */
async function put(sim: AzureSimulator, path: string, body: unknown): Promise<void> {
  const {accessToken} = sim.userToken()
  const url = new URL(`${path}?api-version=2024-07-01`, sim.endpoint)
  const text = JSON.stringify(body)
  const reply = await new Promise<{status: number; body: string}>((resolve, reject) => {
    const call = request(url, {method: 'PUT', ca: sim.caPem, headers: {'authorization': `Bearer ${accessToken}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text)}}, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8')}))
      response.on('error', reject)
    })
    call.on('error', reject)
    call.end(text)
  })
  if (reply.status >= 300) throw new Error(`PUT ${path} answered ${reply.status}: ${reply.body}`)
  await sim.quiet(240_000)
}
