import {readFile, rm, writeFile} from 'node:fs/promises'
import {FORWARDING_STATE, RULE_COMMENT, SUBNET_CIDR, VETH_PREFIX} from './layout.js'
import {run, runOk} from './run.js'

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward'

// Hosts may talk to each other (swarm, overlay networks) through the root namespace, and to nothing else
// through it. The rules go first in FORWARD, ahead of docker's, whose policy may be DROP.
const RULES: readonly (readonly string[])[] = [
  ['-s', SUBNET_CIDR, '-d', SUBNET_CIDR, '-j', 'ACCEPT'],
  ['-i', `${VETH_PREFIX}+`, '-j', 'DROP'],
  ['-o', `${VETH_PREFIX}+`, '-j', 'DROP'],
].map((rule) => [...rule.slice(0, -2), '-m', 'comment', '--comment', RULE_COMMENT, ...rule.slice(-2)])

interface ForwardingState {
  /** ip_forward before the first host, when it had to be turned on. */
  ipForward?: string
}

/** Routing between hosts: ip_forward on, and the tagged FORWARD rules in place. Call under the hosts' lock. */
export async function ensureForwarding(): Promise<void> {
  const state = await readState()
  if (state === undefined) {
    const before = (await readFile(IP_FORWARD, 'utf8')).trim()
    await writeFile(FORWARDING_STATE, JSON.stringify(before === '1' ? {} : {ipForward: before}))
    if (before !== '1') await writeFile(IP_FORWARD, '1')
  }
  if ((await ourRules()).length !== RULES.length) {
    await removeRules()
    for (const [position, rule] of RULES.entries()) await runOk('iptables', ['-w', '-I', 'FORWARD', String(position + 1), ...rule])
  }
}

/** Undo ensureForwarding once the last host is gone. Call under the hosts' lock. */
export async function releaseForwarding(): Promise<void> {
  await removeRules()
  const state = await readState()
  if (state?.ipForward !== undefined) await writeFile(IP_FORWARD, state.ipForward)
  await rm(FORWARDING_STATE, {force: true})
}

/** Our rules as `iptables -S` prints them. */
export async function ourRules(): Promise<string[]> {
  const {stdout} = await runOk('iptables', ['-w', '-S', 'FORWARD'])
  return stdout.split('\n').filter((line) => line.includes(`--comment ${RULE_COMMENT}`))
}

async function removeRules(): Promise<void> {
  for (const line of await ourRules()) {
    // -S prints each rule as the -A arguments that made it; none of ours has a blank inside an argument.
    await run('iptables', ['-w', '-D', ...line.split(' ').slice(1)])
  }
}

async function readState(): Promise<ForwardingState | undefined> {
  try {
    return JSON.parse(await readFile(FORWARDING_STATE, 'utf8')) as ForwardingState
  } catch {
    return undefined
  }
}
