import {describe, expect, it} from 'vitest'
import {
  NetworkChoiceError, allowedRanges, candidateNetworks, chooseNetwork, parseCidr, parseNetstatRoutes, parseProcNetRoute,
  planNetwork, rangeOf, restrictsRanges, type NetworkFacts,
} from '../../../drivers/virtualbox/network.js'

const DEFAULT_ALLOWED = allowedRanges(undefined)
const facts = (over: Partial<NetworkFacts> = {}): NetworkFacts => ({allowed: DEFAULT_ALLOWED, interfaces: [], berthMade: {}, routes: [], leased: {}, ...over})
const route = (cidr: string, device: string) => {
  const [ip, prefix] = cidr.split('/')
  return {range: rangeOf(ip!, Number(prefix)), device}
}
const failure = (work: () => unknown): NetworkChoiceError => {
  try {
    work()
  } catch (error) {
    if (error instanceof NetworkChoiceError) return error
    throw error
  }
  throw new Error('expected a NetworkChoiceError')
}

describe('virtualbox host-only network chooser', () => {
  it('makes 192.168.56.1/24 on a host with nothing in the way, the first machine at .10', () => {
    expect(chooseNetwork(facts())).toEqual({action: 'create', cidr: {ip: '192.168.56.1', prefix: 24}, address: '192.168.56.10'})
  })

  it('reuses a network berth made for the same CIDR, giving the next free address', () => {
    const choice = chooseNetwork(facts({
      interfaces: [{name: 'vboxnet0', ip: '192.168.56.1', netmask: '255.255.255.0'}],
      berthMade: {vboxnet0: '192.168.56.1/24'},
      leased: {vboxnet0: ['192.168.56.10', '192.168.56.11']},
      // The interface's own route and a machine's host route in it do not make berth move away.
      routes: [route('192.168.56.0/24', 'vboxnet0'), route('192.168.56.10/32', 'berth-v3')],
    }))
    expect(choice).toEqual({action: 'reuse', interfaceName: 'vboxnet0', cidr: {ip: '192.168.56.1', prefix: 24}, address: '192.168.56.12'})
  })

  it('never reuses a host-only network it did not make, and makes the next one that collides with nothing', () => {
    const choice = chooseNetwork(facts({interfaces: [{name: 'vboxnet0', ip: '192.168.56.1', netmask: '255.255.255.0'}]}))
    expect(choice).toEqual({action: 'create', cidr: {ip: '192.168.57.1', prefix: 24}, address: '192.168.57.10'})
  })

  it('keeps clear of VirtualBox 7\'s host-only networks too', () => {
    const choice = chooseNetwork(facts({hostOnlyNetworks: [{name: 'HostNetwork', ip: '192.168.56.2', netmask: '255.255.254.0'}]}))
    expect(choice).toEqual({action: 'create', cidr: {ip: '192.168.58.1', prefix: 24}, address: '192.168.58.10'})
  })

  it('moves past networks a host route overlaps, whatever its size', () => {
    expect(chooseNetwork(facts({routes: [route('192.168.56.0/24', 'wlan0')]})).cidr.ip).toBe('192.168.57.1')
    expect(chooseNetwork(facts({routes: [route('192.168.56.0/23', 'tun0'), route('192.168.58.77/32', 'wg0')]})).cidr.ip).toBe('192.168.59.1')
    // A default route covers everything and is left out of the routes berth reads.
    expect(parseProcNetRoute('Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\nwlan0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\n')).toEqual([])
  })

  it('moves past a berth network that is full', () => {
    const full = planNetwork({ip: '192.168.56.1', prefix: 24}).machineAddresses
    const choice = chooseNetwork(facts({
      interfaces: [{name: 'vboxnet0', ip: '192.168.56.1', netmask: '255.255.255.0'}],
      berthMade: {vboxnet0: '192.168.56.1/24'},
      leased: {vboxnet0: full},
    }))
    expect(choice).toEqual({action: 'create', cidr: {ip: '192.168.57.1', prefix: 24}, address: '192.168.57.10'})
  })

  it('says what to do when every allowed network is taken', () => {
    const error = failure(() => chooseNetwork(facts({routes: [route('192.168.56.0/21', 'eth1')]})))
    expect(error.message).toBe('No free host-only network in 192.168.56.0/21: each overlaps a host route or another host-only network, or is full.')
    expect(error.hint).toContain('/etc/vbox/networks.conf')
  })

  it('takes a requested CIDR as it is: reuses an interface with exactly that address, refuses overlaps and ranges VirtualBox forbids', () => {
    const requested = parseCidr('192.168.60.1/24')
    if (typeof requested === 'string') throw new Error(requested)
    expect(chooseNetwork(facts({requested}))).toEqual({action: 'create', cidr: requested, address: '192.168.60.10'})
    expect(chooseNetwork(facts({requested, interfaces: [{name: 'vboxnet4', ip: '192.168.60.1', netmask: '255.255.255.0'}]}))).toMatchObject({action: 'reuse', interfaceName: 'vboxnet4'})
    // Someone else's DHCP server on it sits at .21 and hands out .2-.20: the machine's fixed address lies outside both.
    expect(chooseNetwork(facts({requested, interfaces: [{name: 'vboxnet4', ip: '192.168.60.1', netmask: '255.255.255.0'}], dhcp: {vboxnet4: {serverIp: '192.168.60.21', lower: '192.168.60.2', upper: '192.168.60.20'}}})))
      .toMatchObject({action: 'reuse', interfaceName: 'vboxnet4', address: '192.168.60.22'})
    expect(failure(() => chooseNetwork(facts({requested, routes: [route('192.168.60.0/25', 'eth0')]}))).message)
      .toBe('The host-only network 192.168.60.1/24 overlaps the host\'s route to 192.168.60.0/25 on eth0.')
    expect(failure(() => chooseNetwork(facts({requested, interfaces: [{name: 'vboxnet1', ip: '192.168.60.1', netmask: '255.255.0.0'}]}))).message)
      .toBe('The host-only network 192.168.60.1/24 overlaps the host-only network of vboxnet1 (192.168.0.0/16).')
    const outside = parseCidr('192.168.99.1/24') as {ip: string, prefix: number}
    const refused = failure(() => chooseNetwork(facts({requested: outside})))
    expect(refused.message).toBe('VirtualBox does not allow the host-only network 192.168.99.1/24: it allows only 192.168.56.0/21.')
    expect(refused.hint).toBe('Choose a --virtualbox-hostonly-cidr inside 192.168.56.0/21, or allow the range in /etc/vbox/networks.conf (a line "* 192.168.99.0/24").')
    // Without the restriction (Windows, VirtualBox before 6.1.28) it is allowed.
    expect(chooseNetwork(facts({requested: outside, allowed: undefined}))).toMatchObject({action: 'create', address: '192.168.99.10'})
  })

  it('reads the ranges networks.conf allows and when VirtualBox applies them', () => {
    expect(allowedRanges('# comment\n* 10.0.0.0/8 192.168.0.0/16\n* 2001::/64\n')).toEqual([rangeOf('10.0.0.0', 8), rangeOf('192.168.0.0', 16)])
    expect(candidateNetworks(allowedRanges('* 10.20.0.0/23\n')).map((cidr) => `${cidr.ip}/${cidr.prefix}`)).toEqual(['10.20.0.1/24', '10.20.1.1/24'])
    expect(candidateNetworks(allowedRanges('* 10.20.0.0/28\n')).map((cidr) => `${cidr.ip}/${cidr.prefix}`)).toEqual(['10.20.0.1/28'])
    expect(restrictsRanges('6.1.26r145957', 'linux')).toBe(false)
    expect(restrictsRanges('6.1.28r147628', 'darwin')).toBe(true)
    expect(restrictsRanges('7.0.20r163906', 'linux')).toBe(true)
    expect(restrictsRanges('7.0.20r163906', 'win32')).toBe(false)
  })

  it('checks --virtualbox-hostonly-cidr', () => {
    expect(parseCidr('192.168.56.1/24')).toEqual({ip: '192.168.56.1', prefix: 24})
    expect(parseCidr('192.168.56.0/24')).toBe('192.168.56.0/24 names the network\'s own address; give the host\'s address in it, as 192.168.56.1/24')
    expect(parseCidr('192.168.56.255/24')).toMatch(/broadcast/)
    expect(parseCidr('192.168.56.1/30')).toBe('the prefix length of 192.168.56.1/30 must be from 8 to 29')
    expect(parseCidr('vboxnet0')).toBe('"vboxnet0" is not an IPv4 address with a prefix length, as 192.168.56.1/24')
  })

  it('plans a network: machines in the lower half from .10, the DHCP server and its leases above', () => {
    const plan = planNetwork({ip: '192.168.56.1', prefix: 24})
    expect(plan).toMatchObject({hostIp: '192.168.56.1', netmask: '255.255.255.0', dhcpServerIp: '192.168.56.127', dhcpLower: '192.168.56.128', dhcpUpper: '192.168.56.254'})
    expect(plan.machineAddresses[0]).toBe('192.168.56.10')
    expect(plan.machineAddresses.at(-1)).toBe('192.168.56.126')
    // A host address inside the machines' range is skipped; a small network starts at .2.
    expect(planNetwork({ip: '192.168.56.10', prefix: 24}).machineAddresses[0]).toBe('192.168.56.11')
    // A host at the DHCP server's usual place moves the server down, out of the machines' addresses.
    const hostAtTop = planNetwork({ip: '192.168.56.127', prefix: 24})
    expect(hostAtTop.dhcpServerIp).toBe('192.168.56.126')
    expect(hostAtTop.machineAddresses).not.toContain('192.168.56.126')
    expect(hostAtTop.machineAddresses.at(-1)).toBe('192.168.56.125')
    const small = planNetwork({ip: '10.0.0.1', prefix: 28})
    expect(small.machineAddresses).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6'])
    expect(small).toMatchObject({dhcpServerIp: '10.0.0.7', dhcpLower: '10.0.0.8', dhcpUpper: '10.0.0.14'})
  })

  it('reads Linux and macOS routing tables', () => {
    const proc = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0',
      'eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0',
      'berth-v3\t0A38A8C0\t00000000\t0005\t0\t0\t0\tFFFFFFFF\t0\t0\t0',
      // `ip route add unreachable 192.168.56.0/21`: leads nowhere, so it takes no network from VirtualBox.
      '*\t0038A8C0\t00000000\t0201\t0\t0\t0\t00F8FFFF\t0\t0\t0',
    ].join('\n')
    expect(parseProcNetRoute(proc)).toEqual([route('192.168.1.0/24', 'eth0'), route('192.168.56.10/32', 'berth-v3')])
    const netstat = [
      'Routing tables', '', 'Internet:',
      'Destination        Gateway            Flags           Netif Expire',
      'default            192.168.1.1        UGScg             en0',
      '10/8               link#14            UCS             utun3',
      '127                127.0.0.1          UCS               lo0',
      '192.168.1          link#6             UCS               en0      !',
      '192.168.1.23/32    link#6             UCS               en0      !',
      '192.168.56/21      127.0.0.1          UGSRc             lo0',
    ].join('\n')
    expect(parseNetstatRoutes(netstat)).toEqual([route('10.0.0.0/8', 'utun3'), route('127.0.0.0/8', 'lo0'), route('192.168.1.0/24', 'en0'), route('192.168.1.23/32', 'en0')])
  })
})
