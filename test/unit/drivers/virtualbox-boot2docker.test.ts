import {describe, expect, it} from 'vitest'
import {addressOfMac, boot2DockerState, hostOnlyMac} from '../../../drivers/virtualbox/boot2docker.js'

// What `ip addr show` prints in a boot2docker guest: eth0 on VirtualBox's NAT, eth1 on the host-only network, docker0.
const IP_ADDR = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP group default qlen 1000
    link/ether 08:00:27:2d:5c:0e brd ff:ff:ff:ff:ff:ff
    inet 10.0.2.15/24 brd 10.0.2.255 scope global eth0
       valid_lft forever preferred_lft forever
3: eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP group default qlen 1000
    link/ether 08:00:27:9a:41:c3 brd ff:ff:ff:ff:ff:ff
    inet6 fe80::a00:27ff:fe9a:41c3/64 scope link
       valid_lft forever preferred_lft forever
    inet 192.168.99.100/24 brd 192.168.99.255 scope global eth1
       valid_lft forever preferred_lft forever
4: docker0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN group default
    link/ether 02:42:c5:63:4e:1a brd ff:ff:ff:ff:ff:ff
    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0
       valid_lft forever preferred_lft forever
`

describe('a boot2docker VM taken over from Docker Machine', () => {
  it('finds the host-only NIC\'s MAC in showvminfo and its DHCP address in ip addr show', () => {
    const mac = hostOnlyMac({nic1: 'nat', macaddress1: '0800272D5C0E', hostonlyadapter2: 'vboxnet0', macaddress2: '0800279A41C3', nic2: 'hostonly'})
    expect(mac).toBe('0800279a41c3')
    expect(addressOfMac(IP_ADDR, mac!)).toBe('192.168.99.100')
    expect(addressOfMac(IP_ADDR, '0800272d5c0e')).toBe('10.0.2.15')
    expect(addressOfMac(IP_ADDR.replace('    inet 192.168.99.100/24 brd 192.168.99.255 scope global eth1\n', ''), mac!)).toBeUndefined()
    expect(hostOnlyMac({nic1: 'nat', macaddress1: '0800272D5C0E'})).toBeUndefined()
  })

  it('tells its stored state from a VM berth made, and refuses an incomplete one', () => {
    expect(boot2DockerState({settings: {imageUrl: 'x', sshUser: 'docker'}, vmUuid: 'u'})).toBeUndefined()
    const state = {boot2docker: {vmName: 'default', sshUser: 'docker', sshKeyPath: '/s/machines/default/id_rsa', uiType: 'headless'}}
    expect(boot2DockerState(state)).toEqual(state)
    expect(() => boot2DockerState({boot2docker: {vmName: 'default'}})).toThrow('The stored state of this boot2docker VM is incomplete.')
  })
})
