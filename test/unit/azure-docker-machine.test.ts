import {describe, expect, it} from 'vitest'
import type {DriverSetup} from '../../src/driver-kit/index.js'
import {testDriverSetup} from '../../src/driver-kit/testing.js'
import {UsageError} from '../../src/core/errors.js'
import azure from '../../drivers/azure/index.js'

const subscription = '11111111-2222-3333-4444-555555555555'
const setup = (env: NodeJS.ProcessEnv = {}): DriverSetup => testDriverSetup(azure, {storeDir: '/store', machineName: 'dm1', env})
// Docker Machine 0.16.2's azure Driver struct as it wrote it, with its defaults.
const dockerMachine = {
  ClientID: '', ClientSecret: '', Environment: 'AzurePublicCloud', SubscriptionID: subscription, ResourceGroup: 'docker-machine', DockerPort: 2376,
  Location: 'westus', Size: 'Standard_A2', Image: 'canonical:UbuntuServer:16.04.0-LTS:latest', VirtualNetwork: 'docker-machine-vnet', SubnetName: 'docker-machine',
  SubnetPrefix: '192.168.0.0/16', AvailabilitySet: 'docker-machine', StorageType: 'Standard_LRS', OpenPorts: ['8080/tcp'], PrivateIPAddr: '', UsePrivateIP: false,
  NoPublicIP: false, DNSLabel: '', StaticPublicIP: false, CustomDataFile: '', IPAddress: '203.0.113.9', MachineName: 'dm1', SSHUser: 'docker-user', SSHPort: 22,
  SSHKeyPath: '/home/user/.docker/machine/machines/dm1/id_rsa', StorePath: '/home/user/.docker/machine',
}
const adopt = (fields: Record<string, unknown>, env?: NodeJS.ProcessEnv) => azure.fromDockerMachine!({driver: {...dockerMachine, ...fields}, sshKeyPath: '/store/machines/dm1/id_rsa'}, setup(env))
const group = `/subscriptions/${subscription}/resourceGroups/docker-machine/providers`

describe('the azure driver taking over a Docker Machine VM', () => {
  it('maps the fields to berth\'s settings: Docker Machine\'s names, its OS disk, berth\'s copy of its key', () => {
    const {driver, secrets} = adopt({ClientID: 'app', ClientSecret: 's3cret'}, {AZURE_TENANT_ID: 'tenant'})
    expect(driver.toState()).toMatchObject({
      subscriptionId: subscription, resourceGroup: 'docker-machine', location: 'westus', size: 'Standard_A2', clientId: 'app', tenantId: 'tenant',
      image: {publisher: 'canonical', offer: 'UbuntuServer', sku: '16.04.0-LTS', version: 'latest'}, vnet: {resourceGroup: 'docker-machine', name: 'docker-machine-vnet'},
      subnet: 'docker-machine', availabilitySet: 'docker-machine', openPorts: ['8080/tcp'], publicIp: true, sshKeyPath: '/store/machines/dm1/id_rsa',
      names: {vm: 'dm1', nsg: 'dm1-firewall', publicIp: 'dm1-ip', nic: 'dm1-nic', osDisk: 'dm1-os-disk'},
    })
    expect(JSON.stringify(driver.toState())).not.toContain('s3cret')
    expect(secrets).toEqual({'azure-client-secret': 's3cret'})
  })

  it('records no public IP without one, and no subnet or VNet in another resource group (Docker Machine\'s rm never found those)', () => {
    const {resources, driver} = adopt({NoPublicIP: true, DNSLabel: 'dm1-label', VirtualNetwork: 'network-rg:shared'})
    expect(resources?.map((resource) => resource.id)).toEqual([
      `${group}/Microsoft.Compute/virtualMachines/dm1`,
      `${group}/Microsoft.Compute/disks/dm1-os-disk`,
      `${group}/Microsoft.Network/networkInterfaces/dm1-nic`,
      `${group}/Microsoft.Network/networkSecurityGroups/dm1-firewall`,
      `${group}/Microsoft.Compute/availabilitySets/docker-machine`,
    ])
    expect(driver.toState()).toMatchObject({publicIp: false, usePrivateIp: true})
    expect(driver.toState()).not.toHaveProperty('dnsLabel')
  })

  it('takes only what create would read as berth knows it, and refuses a machine without a subscription, or a tenant for its service principal', () => {
    expect(adopt({StorageType: 'Standard_GRS', Image: 'https://example.invalid/custom.vhd'}).driver.toState()).toMatchObject({storageType: 'StandardSSD_LRS', image: {offer: 'ubuntu-24_04-lts'}})
    expect(() => adopt({SubscriptionID: ''})).toThrow(new UsageError('Its "Driver.SubscriptionID" is missing.'))
    expect(() => adopt({ClientID: 'app'})).toThrow(/needs its tenant/)
  })
})
