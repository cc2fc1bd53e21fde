import {describe, expect, it} from 'vitest'
import {UsageError} from '../../src/core/errors.js'
import {settingsFromFlags, settingsFromState} from '../../drivers/azure/settings.js'

const subscription = {'azure-subscription-id': '11111111-2222-3333-4444-555555555555'}

describe('azure driver settings', () => {
  it('applies Docker Machine\'s flag names with modern defaults', () => {
    expect(settingsFromFlags(subscription, 'm1', 2376)).toEqual({
      environment: 'AzurePublicCloud',
      resourceManagerEndpoint: 'https://management.azure.com',
      authorityHost: 'https://login.microsoftonline.com',
      subscriptionId: subscription['azure-subscription-id'],
      resourceGroup: 'berth-machines',
      location: 'westus2',
      size: 'Standard_D2s_v5',
      image: {publisher: 'canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest'},
      sshUser: 'docker-user',
      dockerPort: 2376,
      vnet: {resourceGroup: 'berth-machines', name: 'berth-vnet'},
      subnet: 'berth-subnet',
      subnetPrefix: '192.168.0.0/16',
      storageType: 'StandardSSD_LRS',
      openPorts: [],
      publicIp: true,
      usePrivateIp: false,
      names: {vm: 'm1', computer: 'm1', nsg: 'm1-firewall', publicIp: 'm1-ip', nic: 'm1-nic', osDisk: 'm1-osdisk'},
    })
  })

  it('reads the other flags: clouds, a VNet in another resource group, ports, private addressing', () => {
    const settings = settingsFromFlags({
      ...subscription,
      'azure-environment': 'AzureUSGovernmentCloud',
      'azure-location': 'US Gov Virginia',
      'azure-vnet': 'network-rg:shared',
      'azure-open-port': ['8080', '53/UDP'],
      'azure-no-public-ip': true,
      'azure-private-ip-address': '192.168.0.10',
      'azure-client-id': 'app',
      'azure-tenant-id': 'tenant',
    }, 'web.1', 2376)
    expect(settings).toMatchObject({
      resourceManagerEndpoint: 'https://management.usgovcloudapi.net',
      authorityHost: 'https://login.microsoftonline.us',
      location: 'usgovvirginia',
      vnet: {resourceGroup: 'network-rg', name: 'shared'},
      openPorts: ['8080/tcp', '53/udp'],
      publicIp: false,
      usePrivateIp: true,
      privateIpAddress: '192.168.0.10',
      clientId: 'app',
      tenantId: 'tenant',
      names: {vm: 'web.1', computer: 'web-1'},
    })
    expect(settingsFromFlags({...subscription, 'azure-resource-manager-endpoint': 'https://arm.example/', 'azure-authority-host': 'https://login.example'}, 'm1', 2376))
      .toMatchObject({resourceManagerEndpoint: 'https://arm.example', authorityHost: 'https://login.example'})
  })

  it.each([
    [{}, 'm1', /needs the subscription to create the machine in/],
    [{...subscription, 'azure-environment': 'AzureGermanCloud'}, 'm1', /no longer exists/],
    [{...subscription, 'azure-environment': 'Moon'}, 'm1', /not an Azure cloud berth knows/],
    [{...subscription, 'azure-resource-manager-endpoint': 'http://127.0.0.1:1'}, 'm1', /must be an https:\/\/ URL/],
    [{...subscription, 'azure-image': 'canonical:ubuntu'}, 'm1', /not an image URN/],
    [{...subscription, 'azure-ssh-user': 'root'}, 'm1', /cannot be the admin user/],
    [{...subscription, 'azure-open-port': ['70000']}, 'm1', /is not a port/],
    [{...subscription, 'azure-no-public-ip': true, 'azure-dns': 'label'}, 'm1', /cannot be combined/],
    [{...subscription, 'azure-storage-type': 'Ultra'}, 'm1', /not a disk type/],
    [{...subscription, 'azure-docker-port': 0}, 'm1', /port number/],
    [subscription, 'm1-', /cannot be an Azure VM name/],
    [{...subscription, 'azure-private-ip-address': '999.1.1.1'}, 'm1', /^--azure-private-ip-address "999\.1\.1\.1" is not an IPv4 address: 999 is more than 255\.$/],
    [{...subscription, 'azure-private-ip-address': '10.0.0'}, 'm1', /is not an IPv4 address: it has 3 parts; an IPv4 address has 4\.$/],
    [{...subscription, 'azure-authority-host': 'https://1.2.3/'}, 'm1', /^--azure-authority-host "https:\/\/1\.2\.3\/" does not name a host: "1\.2\.3" is not an address or host name/],
  ])('refuses %j for machine %s', (values, machine, message) => {
    expect(() => settingsFromFlags(values, machine, 2376)).toThrow(UsageError)
    expect(() => settingsFromFlags(values, machine, 2376)).toThrow(message)
  })

  it('a stored machine signs in as the service principal of the environment when one is set, else as the stored one', () => {
    const stored = settingsFromFlags({...subscription, 'azure-client-id': 'stored-app', 'azure-tenant-id': 'stored-tenant'}, 'm1', 2376) as unknown as Record<string, unknown>
    expect(settingsFromState(stored, {})).toMatchObject({clientId: 'stored-app', tenantId: 'stored-tenant'})
    expect(settingsFromState(stored, {AZURE_CLIENT_ID: 'env-app', AZURE_TENANT_ID: 'env-tenant'})).toMatchObject({clientId: 'env-app', tenantId: 'env-tenant'})
    expect(() => settingsFromState({}, {})).toThrow(/incomplete/)
  })
})
