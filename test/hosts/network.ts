import {access} from 'node:fs/promises'
import {setTimeout as sleep} from 'node:timers/promises'
import {SUBNET_CIDR, type HostLayout} from './layout.js'
import {run, runOk} from './run.js'

/**
 * Give the holder's (empty) network namespace an eth0 linked to a veth in the root namespace: a /30 per host,
 * no IPv6 but ::1, and a route to the test range only (no default route: a host reaches nothing else).
 */
export async function createHostLink(layout: HostLayout, holderPid: number): Promise<void> {
  await runOk('ip', ['link', 'add', layout.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(holderPid)])
  await runOk('sysctl', ['-qw', `net.ipv6.conf.${layout.veth}.disable_ipv6=1`])
  await runOk('ip', ['addr', 'add', `${layout.gateway}/30`, 'dev', layout.veth])
  await runOk('ip', ['link', 'set', layout.veth, 'up'])
  const inside = [
    // Interfaces created later inside the host (docker0, ...) get no IPv6 either.
    'sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.eth0.disable_ipv6=1',
    'ip link set lo up',
    `ip addr add ${layout.ip}/30 dev eth0`,
    'ip link set eth0 up',
    `ip route add ${SUBNET_CIDR} via ${layout.gateway}`,
  ]
  await runOk('nsenter', ['-t', String(holderPid), '-n', '--', 'sh', '-ec', inside.join('\n')])
}

/** Remove the root-side veth if the end of the host's namespace has not taken it along already. */
export async function removeHostLink(layout: HostLayout): Promise<boolean> {
  // The pair goes with the namespace, which the kernel frees a little after its last process has died.
  for (let i = 0; i < 40 && (await linkExists(layout.veth)); i++) await sleep(50)
  if (await linkExists(layout.veth)) await run('ip', ['link', 'del', layout.veth])
  return !(await linkExists(layout.veth))
}

export async function linkExists(name: string): Promise<boolean> {
  try {
    await access(`/sys/class/net/${name}`)
    return true
  } catch {
    return false
  }
}
