import {SEALED_RANGES, SUBNET, SUBNET_CIDR, VETH_PREFIX} from './layout.js'
import {runOk} from './run.js'
import {isSealed} from './seal.js'
import type {TestHost} from './types.js'

/**
 * Move a host to another address, as a cloud VM may get a new IP across a stop and start. Inside the host, eth0
 * drops every address for SUBNET.N.<last>/32, with routes to its gateway and to the test range from there; the
 * root namespace routes the /32 into the host's veth (that route goes with the veth when the host is removed).
 * `last` must lie outside the host's /30 (4-254). The old address then answers nothing. Tests call it through
 * TestHost.moveAddress, which also makes the host's readiness checks follow the new address.
 */
export async function moveHostAddress(host: TestHost, last: number): Promise<string> {
  if (!Number.isInteger(last) || last < 4 || last > 254) throw new Error(`Cannot move ${host.name} to .${last}: choose 4-254, outside its /30.`)
  const index = Number(host.ip.split('.')[2])
  const address = `${SUBNET}.${index}.${last}`
  const inside = [
    'ip -4 addr flush dev eth0',
    `ip addr add ${address}/32 dev eth0`,
    `ip route replace ${host.gateway}/32 dev eth0 src ${address}`,
    `ip route replace ${SUBNET_CIDR} via ${host.gateway} src ${address}`,
  ]
  const moved = await host.exec(`set -e\n${inside.join('\n')}`)
  if (moved.code !== 0) throw new Error(`Moving ${host.name} to ${address} failed: ${moved.stderr.trim()}`)
  await runOk('ip', ['route', 'replace', `${address}/32`, 'dev', `${VETH_PREFIX}${index}`])
  return address
}

/**
 * Let a host answer on one more address as well as its own, as a VM on a host-only network answers on its
 * static address there (e.g. 192.168.56.10): inside, eth0 carries ADDRESS/32; the root namespace routes the /32
 * into the host's veth (the route goes with the veth when the host is removed). The address must lie in a sealed
 * range (layout.ts) and must not be another host's or one of this machine's own; the last host given an address
 * gets its traffic.
 */
export async function addHostAddress(host: TestHost, address: string): Promise<void> {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) throw new Error(`Cannot give ${host.name} the address ${address}: an IPv4 address is needed.`)
  // Once the host goes, its /32 route goes too: only a sealed range keeps the address from leading off the machine.
  if (!isSealed(address)) throw new Error(`Cannot give ${host.name} the address ${address}: test hosts answer only inside ${SEALED_RANGES.join(', ')}.`)
  const index = Number(host.ip.split('.')[2])
  const added = await host.exec(`ip addr replace ${address}/32 dev eth0`)
  if (added.code !== 0) throw new Error(`Giving ${host.name} the address ${address} failed: ${added.stderr.trim()}`)
  await runOk('ip', ['route', 'replace', `${address}/32`, 'dev', `${VETH_PREFIX}${index}`])
}
