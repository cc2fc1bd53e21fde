import {describe, expect, it} from 'vitest'
import amazonec2 from '../../../drivers/amazonec2/index.js'
import azure from '../../../drivers/azure/index.js'
import digitalocean from '../../../drivers/digitalocean/index.js'

// What rm -f shows for a resource it could not remove: the cloud's name for it, where it is, and the cloud's own
// command that removes it.
describe('cloud resources as the user finds them', () => {
  it('digitalocean: droplets and SSH keys, with doctl', () => {
    const state = {region: 'fra1'}
    expect(digitalocean.describeResource!({kind: 'droplet', id: '123', name: 'm1'}, state)).toEqual({kind: 'droplet', id: '123', region: 'fra1', removeCommand: 'doctl compute droplet delete 123 --force'})
    expect(digitalocean.describeResource!({kind: 'ssh-key', id: '77'}, state)).toEqual({kind: 'SSH key', id: '77', removeCommand: 'doctl compute ssh-key delete 77 --force'})
  })

  it('amazonec2: instances, key pairs and security groups, with the aws CLI in their region', () => {
    const state = {settings: {region: 'eu-west-1'}}
    expect(amazonec2.describeResource!({kind: 'instance', id: 'i-0abc'}, state)).toEqual({kind: 'EC2 instance', id: 'i-0abc', region: 'eu-west-1', removeCommand: 'aws ec2 terminate-instances --region eu-west-1 --instance-ids i-0abc'})
    expect(amazonec2.describeResource!({kind: 'key-pair', id: 'berth-m1'}, state).removeCommand).toBe('aws ec2 delete-key-pair --region eu-west-1 --key-name berth-m1')
    expect(amazonec2.describeResource!({kind: 'security-group', id: 'sg-0abc'}, state).removeCommand).toBe('aws ec2 delete-security-group --region eu-west-1 --group-id sg-0abc')
    // Damaged state: no region to name, and the command still works with the CLI's default region.
    expect(amazonec2.describeResource!({kind: 'instance', id: 'i-0abc'}, {})).toEqual({kind: 'EC2 instance', id: 'i-0abc', removeCommand: 'aws ec2 terminate-instances --instance-ids i-0abc'})
  })

  it('azure: each resource by its ARM id, with the az CLI', () => {
    const state = {location: 'westeurope'}
    const vm = '/subscriptions/sub-1/resourceGroups/berth-machines/providers/Microsoft.Compute/virtualMachines/m1'
    expect(azure.describeResource!({kind: 'azure-virtual-machine', id: vm}, state)).toEqual({kind: 'Azure virtual machine', id: vm, region: 'westeurope', removeCommand: `az vm delete --ids ${vm} --yes`})
    const ip = '/subscriptions/sub-1/resourceGroups/berth-machines/providers/Microsoft.Network/publicIPAddresses/m1-ip'
    expect(azure.describeResource!({kind: 'azure-public-ip', id: ip}, state).removeCommand).toBe(`az resource delete --ids ${ip}`)
    const group = '/subscriptions/sub-1/resourceGroups/berth-machines'
    expect(azure.describeResource!({kind: 'azure-resource-group', id: group}, state)).toEqual({kind: 'Azure resource group', id: group, region: 'westeurope', removeCommand: 'az group delete --subscription sub-1 --name berth-machines --yes'})
  })
})
