import type {ActionHandler, Call} from '../call.js'
import {Ec2Fault} from '../fault.js'
import {matchesFilters, tagFilter} from '../filters.js'
import type {QueryParams} from '../query.js'
import {newId, type IngressRule, type SecurityGroup, type Tag} from '../world.js'
import type {XmlValue} from '../xml.js'

export const describeVpcs: ActionHandler = ({params, region, account}) => {
  const ids = params.list('VpcId')
  const missing = ids.find((id) => !region.vpcs.some((vpc) => vpc.id === id))
  if (missing !== undefined) throw new Ec2Fault('InvalidVpcID.NotFound', `The vpc ID '${missing}' does not exist`)
  const filters = params.filters()
  return {
    vpcSet: region.vpcs
      .filter((vpc) => ids.length === 0 || ids.includes(vpc.id))
      .filter((vpc) => matchesFilters(filters, (name) => ({'vpc-id': [vpc.id], 'is-default': [String(vpc.isDefault)], 'state': ['available'], 'cidr': [vpc.cidr], 'owner-id': [account.id]})[name] ?? tagFilter(name, [])))
      .map((vpc) => ({vpcId: vpc.id, ownerId: account.id, state: 'available', cidrBlock: vpc.cidr, isDefault: vpc.isDefault, instanceTenancy: 'default', dhcpOptionsId: 'dopt-0a1b2c3d4e5f60718'})),
  }
}

export const describeSubnets: ActionHandler = ({params, region, account}) => {
  const ids = params.list('SubnetId')
  const missing = ids.find((id) => !region.subnets.some((subnet) => subnet.id === id))
  if (missing !== undefined) throw new Ec2Fault('InvalidSubnetID.NotFound', `The subnet ID '${missing}' does not exist`)
  const filters = params.filters()
  return {
    subnetSet: region.subnets
      .filter((subnet) => ids.length === 0 || ids.includes(subnet.id))
      .filter((subnet) => matchesFilters(filters, (name) => ({
        'subnet-id': [subnet.id], 'vpc-id': [subnet.vpcId], 'availability-zone': [subnet.zone], 'default-for-az': [String(subnet.defaultForAz)],
        'state': ['available'], 'cidr-block': [subnet.cidr], 'owner-id': [account.id],
      })[name] ?? tagFilter(name, [])))
      .map((subnet) => ({
        subnetId: subnet.id, vpcId: subnet.vpcId, availabilityZone: subnet.zone, cidrBlock: subnet.cidr, defaultForAz: subnet.defaultForAz,
        mapPublicIpOnLaunch: subnet.defaultForAz, state: 'available', availableIpAddressCount: 4091, ownerId: account.id,
      })),
  }
}

export const describeSecurityGroups: ActionHandler = ({params, region, account}) => {
  const ids = params.list('GroupId')
  const names = params.list('GroupName')
  for (const id of ids) findGroup({region}, id)
  const defaultVpc = region.vpcs.find((vpc) => vpc.isDefault)
  for (const name of names) {
    if (!region.groups.some((group) => group.name === name && group.vpcId === defaultVpc?.id)) {
      throw new Ec2Fault('InvalidGroup.NotFound', `The security group '${name}' does not exist in default VPC '${defaultVpc?.id ?? 'none'}'`)
    }
  }
  const filters = params.filters()
  return {
    securityGroupInfo: region.groups
      .filter((group) => ids.length === 0 || ids.includes(group.id))
      .filter((group) => names.length === 0 || (names.includes(group.name) && group.vpcId === defaultVpc?.id))
      .filter((group) => matchesFilters(filters, (name) => ({
        'group-id': [group.id], 'group-name': [group.name], 'vpc-id': [group.vpcId], 'description': [group.description], 'owner-id': [account.id],
      })[name] ?? tagFilter(name, group.tags)))
      .map((group) => groupXml(group, account.id)),
  }
}

export const createSecurityGroup: ActionHandler = ({params, region}) => {
  const name = params.required('GroupName')
  const description = params.required('GroupDescription')
  if (name.startsWith('sg-')) throw new Ec2Fault('InvalidParameterValue', 'Group names may not be in the format sg-*.')
  if (name.length > 255) throw new Ec2Fault('InvalidParameterValue', 'Value for parameter GroupName is too long.')
  const vpcId = params.string('VpcId') ?? region.vpcs.find((vpc) => vpc.isDefault)?.id
  if (vpcId === undefined || !region.vpcs.some((vpc) => vpc.id === vpcId)) throw new Ec2Fault('InvalidVpcID.NotFound', `The vpc ID '${vpcId ?? ''}' does not exist`)
  if (region.groups.some((group) => group.name === name && group.vpcId === vpcId)) {
    throw new Ec2Fault('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpcId}'`)
  }
  const group: SecurityGroup = {id: newId('sg'), name, description, vpcId, ingress: [], tags: tagSpecifications(params, 'security-group'), isDefault: false}
  region.groups.push(group)
  return {return: true, groupId: group.id, tagSet: tagsXml(group.tags)}
}

export const authorizeSecurityGroupIngress: ActionHandler = (call) => {
  const group = groupOf(call)
  const rules: IngressRule[] = call.params.objects('IpPermissions').flatMap((permission) => {
    const protocol = permission.required('IpProtocol')
    const fromPort = permission.int('FromPort') ?? -1
    const toPort = permission.int('ToPort') ?? -1
    return permission.objects('IpRanges').map((range) => ({protocol, fromPort, toPort, cidr: range.required('CidrIp')}))
  })
  if (rules.length === 0) throw new Ec2Fault('MissingParameter', 'The request must contain the parameter ipPermissions')
  for (const rule of rules) {
    if (group.ingress.some((existing) => sameRule(existing, rule))) {
      throw new Ec2Fault('InvalidPermission.Duplicate', `the specified rule "peer: ${rule.cidr}, ${rule.protocol.toUpperCase()}, from port: ${rule.fromPort}, to port: ${rule.toPort}, ALLOW" already exists`)
    }
  }
  group.ingress.push(...rules)
  return {return: true}
}

export const deleteSecurityGroup: ActionHandler = (call) => {
  const group = groupOf(call)
  if (group.isDefault) throw new Ec2Fault('CannotDelete', `the specified group: "${group.id}" name: "default" cannot be deleted by a user`)
  if (call.region.instances.some((instance) => instance.state !== 'terminated' && instance.groupIds.includes(group.id))) {
    throw new Ec2Fault('DependencyViolation', `resource ${group.id} has a dependent object`)
  }
  call.region.groups.splice(call.region.groups.indexOf(group), 1)
  return {return: true, groupId: group.id}
}

/** The group a call names by GroupId, or by GroupName in the default VPC. */
function groupOf(call: Call): SecurityGroup {
  const id = call.params.string('GroupId')
  if (id !== undefined) return findGroup(call, id)
  const name = call.params.required('GroupName')
  const defaultVpc = call.region.vpcs.find((vpc) => vpc.isDefault)
  const group = call.region.groups.find((candidate) => candidate.name === name && candidate.vpcId === defaultVpc?.id)
  if (group === undefined) throw new Ec2Fault('InvalidGroup.NotFound', `The security group '${name}' does not exist in default VPC '${defaultVpc?.id ?? 'none'}'`)
  return group
}

export function findGroup(call: Pick<Call, 'region'>, id: string): SecurityGroup {
  if (!/^sg-[0-9a-f]{8,17}$/.test(id)) throw new Ec2Fault('InvalidGroupId.Malformed', `Invalid id: "${id}" (expecting "sg-...")`)
  const group = call.region.groups.find((candidate) => candidate.id === id)
  if (group === undefined) throw new Ec2Fault('InvalidGroup.NotFound', `The security group '${id}' does not exist`)
  return group
}

/** The tags of TagSpecification.N entries for one resource type. */
export function tagSpecifications(params: QueryParams, resourceType: string): Tag[] {
  return params.objects('TagSpecification')
    .filter((spec) => spec.required('ResourceType') === resourceType)
    .flatMap((spec) => spec.objects('Tag').map((tag) => ({key: tag.required('Key'), value: tag.string('Value') ?? ''})))
}

export function tagsXml(tags: readonly Tag[]): XmlValue {
  return tags.length === 0 ? undefined : tags.map((tag) => ({key: tag.key, value: tag.value}))
}

function groupXml(group: SecurityGroup, owner: string): Record<string, XmlValue> {
  return {
    ownerId: owner,
    groupId: group.id,
    groupName: group.name,
    groupDescription: group.description,
    vpcId: group.vpcId,
    ipPermissions: group.ingress.map((rule) => ({ipProtocol: rule.protocol, fromPort: rule.fromPort, toPort: rule.toPort, ipRanges: [{cidrIp: rule.cidr}]})),
    ipPermissionsEgress: [{ipProtocol: '-1', ipRanges: [{cidrIp: '0.0.0.0/0'}]}],
    tagSet: tagsXml(group.tags),
  }
}

function sameRule(a: IngressRule, b: IngressRule): boolean {
  return a.protocol === b.protocol && a.fromPort === b.fromPort && a.toPort === b.toPort && a.cidr === b.cidr
}
