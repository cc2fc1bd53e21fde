import type {OperationContext} from '../../src/core/drivers/driver.js'
import {pause} from '../../src/core/ssh/abort.js'
import type {Ec2Api, IngressRule, Tag} from './client.js'
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
    const found = existing.find((group) => group.name === name)
    let id = found?.id
    if (id === undefined) {
      ctx.signal.throwIfAborted()
      ctx.progress(`Creating the security group ${name} in ${vpcId}`)
      id = await api.createSecurityGroup(name, 'Docker hosts made by berth: SSH and the Docker engine', vpcId, tags)
      await ctx.record({kind: SECURITY_GROUP, id, name})
      ctx.signal.throwIfAborted()
    }
    if (!settings.securityGroupReadonly) {
      const wanted = ingressRules(settings, enginePort)
      const missing = wanted.filter((rule) => !(found?.ingress ?? []).some((have) => sameRule(have, rule)))
      if (missing.length > 0) await authorize(api, id, missing, ctx.signal)
    }
    ids.push(id)
  }
  return ids
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
