import {type OperationContext, pause} from '../../src/driver-kit/index.js'
import type {Ec2Api, GroupView, IngressRule, Tag} from './client.js'
import {hasCode} from './errors.js'
import type {Ec2Settings} from './settings.js'

/** The record of a security group berth made (and so removes with the machine). */
export const SECURITY_GROUP = 'security-group'

/**
 * The machine's security groups in its VPC: found by name, or made (and recorded) when missing; unless they are
 * read-only, each gets the rules for SSH, the engine and the open ports that it lacks. Returns their ids.
 */
export async function ensureSecurityGroups(api: Ec2Api, settings: Ec2Settings, vpcId: string, enginePort: number, tags: Tag[], ctx: OperationContext): Promise<string[]> {
  const existing = await api.securityGroups(vpcId, settings.securityGroups, ctx.signal)
  const ids: string[] = []
  for (const name of settings.securityGroups) {
    const group = existing.find((candidate) => candidate.name === name) ?? await createGroup(api, name, vpcId, tags, ctx)
    if (!settings.securityGroupReadonly) {
      const wanted = ingressRules(settings, enginePort)
      const missing = wanted.filter((rule) => !group.ingress.some((have) => sameRule(have, rule)))
      if (missing.length > 0) await authorize(api, group.id, missing, ctx.signal)
    }
    ids.push(group.id)
  }
  return ids
}

/**
 * Make a group and record it. A name taken meanwhile is either this call's own doing (a retry after an answer that
 * was lost: the group is ours, and recorded) or another berth's at the same moment (used, not recorded).
 */
async function createGroup(api: Ec2Api, name: string, vpcId: string, tags: Tag[], ctx: OperationContext): Promise<GroupView> {
  ctx.signal.throwIfAborted()
  ctx.progress(`Creating the security group ${name} in ${vpcId}`)
  let group: GroupView
  try {
    group = {id: await api.createSecurityGroup(name, 'Docker hosts made by berth: SSH and the Docker engine', vpcId, tags), name, ingress: []}
  } catch (error) {
    if (!hasCode(error, 'InvalidGroup.Duplicate')) throw error
    const [found] = await api.securityGroups(vpcId, [name], ctx.signal)
    if (found === undefined) throw error
    if (error.attempts === 1) return found
    group = found
  }
  await ctx.record({kind: SECURITY_GROUP, id: group.id, name})
  ctx.signal.throwIfAborted()
  return group
}

/** SSH, the engine's TLS port and the --amazonec2-open-port ports, from anywhere (as Docker Machine opened them). */
export function ingressRules(settings: Ec2Settings, enginePort: number): IngressRule[] {
  const ports = [{port: settings.sshPort, protocol: 'tcp'}, {port: enginePort, protocol: 'tcp'}, ...settings.openPorts]
  const unique = ports.filter((port, index) => ports.findIndex((other) => other.port === port.port && other.protocol === port.protocol) === index)
  return unique.map(({port, protocol}) => ({protocol, fromPort: port, toPort: port, cidr: '0.0.0.0/0'}))
}

/** A new group may not be visible to the next call yet (EC2 is eventually consistent): a few tries before giving up. */
async function authorize(api: Ec2Api, groupId: string, rules: IngressRule[], signal: AbortSignal): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await api.authorizeIngress(groupId, rules)
      return
    } catch (error) {
      // Another berth added some of these rules meanwhile, and EC2 then adds none of them: add them one by one.
      if (hasCode(error, 'InvalidPermission.Duplicate')) {
        if (rules.length > 1) for (const rule of rules) await authorize(api, groupId, [rule], signal)
        return
      }
      if (!hasCode(error, 'InvalidGroup.NotFound') || attempt === 5) throw error
      await pause(500 * attempt, signal)
    }
  }
}

function sameRule(a: IngressRule, b: IngressRule): boolean {
  return a.protocol === b.protocol && a.fromPort === b.fromPort && a.toPort === b.toPort && a.cidr === b.cidr
}
