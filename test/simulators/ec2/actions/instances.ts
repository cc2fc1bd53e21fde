import {INSTANCE_TYPES, REGIONS} from '../catalog.js'
import type {ActionHandler, Call} from '../call.js'
import {Ec2Fault} from '../fault.js'
import {matchesFilters, tagFilter} from '../filters.js'
import type {StateChange} from '../lifecycle.js'
import {rootVolume} from '../volumes.js'
import {STATE_CODES, newId, type Instance, type Subnet} from '../world.js'
import type {XmlValue} from '../xml.js'
import {regionImages, snapshotOf} from './catalog.js'
import {findGroup, tagSpecifications, tagsXml} from './network.js'

const USER_DATA_LIMIT = 16 * 1024

export const runInstances: ActionHandler = (call) => {
  const {params, region, account, rules} = call
  const imageIdParam = params.required('ImageId')
  const minCount = params.int('MinCount')
  const maxCount = params.int('MaxCount')
  if (minCount === undefined) throw new Ec2Fault('MissingParameter', 'The request must contain the parameter MinCount')
  if (maxCount === undefined) throw new Ec2Fault('MissingParameter', 'The request must contain the parameter MaxCount')
  const instanceType = params.string('InstanceType') ?? 'm1.small'
  const clientToken = params.string('ClientToken')
  if (clientToken !== undefined) {
    const earlier = region.instances.filter((instance) => instance.clientToken === clientToken)
    if (earlier.length > 0) {
      if (earlier[0]!.imageId !== imageIdParam || earlier[0]!.instanceType !== instanceType) {
        throw new Ec2Fault('IdempotentParameterMismatch', 'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).')
      }
      return reservationXml(earlier, account.id)
    }
  }

  if (!/^ami-[0-9a-f]{8,17}$/.test(imageIdParam)) throw new Ec2Fault('InvalidAMIID.Malformed', `Invalid id: "${imageIdParam}" (expecting "ami-...")`)
  const image = regionImages(region.name).find((candidate) => candidate.id === imageIdParam)
  if (image === undefined) throw new Ec2Fault('InvalidAMIID.NotFound', `The image id '[${imageIdParam}]' does not exist`)
  const type = INSTANCE_TYPES.find((candidate) => candidate.name === instanceType)
  if (type === undefined) throw new Ec2Fault('InvalidParameterValue', `Invalid value '${instanceType}' for InstanceType.`)
  if (type.architecture !== image.spec.architecture) {
    throw new Ec2Fault('InvalidParameterValue', `The architecture '${type.architecture}' of the specified instance type does not match the architecture '${image.spec.architecture}' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again. You can use 'describe-instance-types' or 'describe-images' to discover the architecture of the instance type or AMI.`)
  }

  const keyName = params.string('KeyName')
  const keyPair = keyName === undefined ? undefined : region.keyPairs.find((pair) => pair.name === keyName)
  if (keyName !== undefined && keyPair === undefined) throw new Ec2Fault('InvalidKeyPair.NotFound', `The key pair '${keyName}' does not exist`)

  const nic = params.objects('NetworkInterface')[0]
  const zoneParam = params.struct('Placement')?.string('AvailabilityZone')
  const subnet = chooseSubnet(call, nic?.string('SubnetId') ?? params.string('SubnetId'), zoneParam)
  const groupIds = nic?.list('SecurityGroupId') ?? params.list('SecurityGroupId')
  for (const id of groupIds) {
    const group = findGroup(call, id)
    if (group.vpcId !== subnet.vpcId) throw new Ec2Fault('InvalidParameter', `Security group ${id} and subnet ${subnet.id} belong to different networks.`)
  }
  if (groupIds.length === 0) groupIds.push(call.region.groups.find((group) => group.isDefault && group.vpcId === subnet.vpcId)!.id)

  const zoneLetter = subnet.zone.slice(region.name.length)
  if ((type.notIn ?? []).includes(zoneLetter)) {
    const offered = REGIONS.find((spec) => spec.name === region.name)!.zones.filter((zone) => !(type.notIn ?? []).includes(zone)).map((zone) => `${region.name}${zone}`)
    throw new Ec2Fault('Unsupported', `Your requested instance type (${instanceType}) is not supported in your requested Availability Zone (${subnet.zone}). Please retry your request by not specifying an Availability Zone or choosing ${offered.join(', ')}.`)
  }

  const mapping = params.objects('BlockDeviceMapping')[0]
  const ebs = mapping?.struct('Ebs')
  const root = rootVolume(image.spec, snapshotOf(image.id), {
    ...optional('size', ebs?.int('VolumeSize')), ...optional('type', ebs?.string('VolumeType')), ...optional('iops', ebs?.int('Iops')), ...optional('throughput', ebs?.int('Throughput')),
  })

  const profile = params.struct('IamInstanceProfile')
  const profileName = profile?.string('Name') ?? profile?.string('Arn')?.split('/').at(-1)
  if (profileName !== undefined && !rules.instanceProfiles.includes(profileName)) {
    throw new Ec2Fault('InvalidParameterValue', `Value (${profileName}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name`)
  }

  const userData = params.string('UserData')
  if (userData !== undefined) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(userData)) throw new Ec2Fault('InvalidParameterValue', 'Invalid BASE64 encoding of user data.')
    if (Buffer.from(userData, 'base64').length > USER_DATA_LIMIT) throw new Ec2Fault('InvalidParameterValue', `User data is limited to ${USER_DATA_LIMIT} bytes`)
  }

  const market = params.struct('InstanceMarketOptions')
  const spot = market?.string('MarketType') === 'spot' ? market.struct('SpotOptions') : undefined
  const maxPrice = spot?.string('MaxPrice')
  if (maxPrice !== undefined && Number(maxPrice) < rules.spotPrice) {
    throw new Ec2Fault('SpotMaxPriceTooLow', `Your Spot request price of ${maxPrice} is lower than the minimum required Spot request fulfillment price of ${rules.spotPrice}.`)
  }

  const active = region.instances.filter((instance) => instance.state === 'pending' || instance.state === 'running').length
  if (active + minCount > rules.instanceLimit) {
    throw new Ec2Fault('InstanceLimitExceeded', `You have requested more instances (${active + minCount}) than your current instance limit of ${rules.instanceLimit} allows for the specified instance type. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.`)
  }

  const reservationId = newId('r')
  const count = Math.min(maxCount, rules.instanceLimit - active)
  const associatePublicIp = nic?.bool('AssociatePublicIpAddress') ?? subnet.defaultForAz
  const made: Instance[] = []
  for (let index = 0; index < count; index++) {
    const instance: Instance = {
      id: newId('i'),
      reservationId,
      imageId: image.id,
      instanceType,
      architecture: image.spec.architecture,
      ...(keyName === undefined ? {} : {keyName}),
      zone: subnet.zone,
      subnetId: subnet.id,
      vpcId: subnet.vpcId,
      groupIds: [...groupIds],
      tags: tagSpecifications(params, 'instance'),
      state: 'pending',
      transitionReason: '',
      privateIp: `172.31.${region.instances.length % 250}.${10 + index}`,
      associatePublicIp,
      launched: new Date(),
      ...(clientToken === undefined ? {} : {clientToken}),
      rootDeviceName: mapping?.string('DeviceName') ?? '/dev/sda1',
      rootVolume: root,
      monitoring: params.struct('Monitoring')?.bool('Enabled') === true,
      ebsOptimized: params.bool('EbsOptimized') === true,
      ...(profileName === undefined ? {} : {iamInstanceProfile: profileName}),
      ...(userData === undefined ? {} : {userData}),
      ...(spot === undefined ? {} : {spot: {requestId: newId('sir'), ...(maxPrice === undefined ? {} : {maxPrice})}}),
      backed: call.backed,
      visibleAt: Date.now() + rules.visibilityDelayMs,
    }
    region.instances.push(instance)
    call.lifecycle.launch(instance, keyPair?.publicKey)
    made.push(instance)
  }
  return reservationXml(made, account.id)
}

export const describeInstances: ActionHandler = ({params, region, account}) => {
  const ids = params.list('InstanceId')
  const maxResults = params.int('MaxResults')
  if (ids.length > 0 && maxResults !== undefined) throw new Ec2Fault('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults')
  if (maxResults !== undefined && (maxResults < 5 || maxResults > 1000)) throw new Ec2Fault('InvalidParameterValue', `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`)
  const named = ids.length === 0 ? undefined : findInstances({region}, ids)
  const filters = params.filters()
  const matching = (named ?? region.instances.filter((instance) => instance.visibleAt <= Date.now())).filter((instance) => matchesFilters(filters, (name) => instanceFilter(instance, name)))
  const start = Number(params.string('NextToken') ?? '0')
  const page = maxResults === undefined ? matching.slice(start) : matching.slice(start, start + maxResults)
  const next = maxResults !== undefined && start + maxResults < matching.length ? String(start + maxResults) : undefined
  const reservations = new Map<string, Instance[]>()
  for (const instance of page) reservations.set(instance.reservationId, [...(reservations.get(instance.reservationId) ?? []), instance])
  return {reservationSet: [...reservations.values()].map((instances) => reservationXml(instances, account.id)), nextToken: next}
}

export const startInstances: ActionHandler = (call) => ({instancesSet: changes(call, (instance) => call.lifecycle.start(instance))})

export const stopInstances: ActionHandler = (call) => {
  const force = call.params.bool('Force') === true
  return {instancesSet: changes(call, (instance) => call.lifecycle.stop(instance, force))}
}

export const terminateInstances: ActionHandler = (call) => ({instancesSet: changes(call, (instance) => call.lifecycle.terminate(instance))})

export const rebootInstances: ActionHandler = (call) => {
  const instances = findInstances(call, requiredIds(call))
  for (const instance of instances) call.lifecycle.reboot(instance)
  return {return: true}
}

function changes(call: Call, change: (instance: Instance) => StateChange): XmlValue[] {
  return findInstances(call, requiredIds(call)).map(change).map(({instance, previous}) => ({
    instanceId: instance.id,
    currentState: {code: STATE_CODES[instance.state], name: instance.state},
    previousState: {code: STATE_CODES[previous], name: previous},
  }))
}

function requiredIds(call: Call): string[] {
  const ids = call.params.list('InstanceId')
  if (ids.length === 0) throw new Ec2Fault('MissingParameter', 'The request must contain the parameter InstanceId')
  return ids
}

/** Instances by id, as EC2 looks them up: all must exist (and be visible yet), or the call fails naming the missing ones. */
function findInstances(call: Pick<Call, 'region'>, ids: readonly string[]): Instance[] {
  const malformed = ids.find((id) => !/^i-[0-9a-f]{8,17}$/.test(id))
  if (malformed !== undefined) throw new Ec2Fault('InvalidInstanceID.Malformed', `Invalid id: "${malformed}"`)
  const now = Date.now()
  const found = ids.map((id) => call.region.instances.find((instance) => instance.id === id && instance.visibleAt <= now))
  const missing = ids.filter((_id, index) => found[index] === undefined)
  if (missing.length === 1) throw new Ec2Fault('InvalidInstanceID.NotFound', `The instance ID '${missing[0]}' does not exist`)
  if (missing.length > 1) throw new Ec2Fault('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`)
  return found as Instance[]
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : {[key]: value} as Record<K, V>
}

function chooseSubnet(call: Call, subnetId: string | undefined, zone: string | undefined): Subnet {
  const {region} = call
  if (subnetId !== undefined) {
    const subnet = region.subnets.find((candidate) => candidate.id === subnetId)
    if (subnet === undefined) throw new Ec2Fault('InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`)
    if (zone !== undefined && zone !== subnet.zone) {
      throw new Ec2Fault('InvalidParameterValue', `Value (${zone}) for parameter availabilityZone is invalid. Subnet '${subnet.id}' is in the availability zone ${subnet.zone}`)
    }
    return subnet
  }
  const defaults = region.subnets.filter((subnet) => subnet.defaultForAz)
  const subnet = zone === undefined ? defaults[0] : defaults.find((candidate) => candidate.zone === zone)
  if (subnet === undefined) {
    throw zone === undefined
      ? new Ec2Fault('VPCIdNotSpecified', 'No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.')
      : new Ec2Fault('InvalidParameterValue', `Invalid availability zone: [${zone}]`)
  }
  return subnet
}

function instanceFilter(instance: Instance, name: string): (string | undefined)[] | undefined {
  const values: Record<string, (string | undefined)[]> = {
    'instance-id': [instance.id],
    'instance-state-name': [instance.state],
    'instance-state-code': [String(STATE_CODES[instance.state])],
    'instance-type': [instance.instanceType],
    'image-id': [instance.imageId],
    'key-name': [instance.keyName],
    'vpc-id': [instance.vpcId],
    'subnet-id': [instance.subnetId],
    'availability-zone': [instance.zone],
    'client-token': [instance.clientToken],
    'ip-address': [instance.publicIp],
    'private-ip-address': [instance.privateIp],
    'instance-lifecycle': [instance.spot === undefined ? undefined : 'spot'],
    'reservation-id': [instance.reservationId],
    'instance.group-id': instance.groupIds,
  }
  return values[name] ?? tagFilter(name, instance.tags)
}

function reservationXml(instances: readonly Instance[], owner: string): Record<string, XmlValue> {
  return {reservationId: instances[0]!.reservationId, ownerId: owner, groupSet: [], instancesSet: instances.map((instance) => instanceXml(instance, owner))}
}

function instanceXml(instance: Instance, owner: string): Record<string, XmlValue> {
  const dnsName = (address: string | undefined, domain: string): string | undefined => (address === undefined ? undefined : `ip-${address.replace(/\./g, '-')}.${domain}`)
  const region = instance.zone.slice(0, -1)
  return {
    instanceId: instance.id,
    imageId: instance.imageId,
    instanceState: {code: STATE_CODES[instance.state], name: instance.state},
    privateDnsName: dnsName(instance.privateIp, `${region}.compute.internal`),
    dnsName: instance.publicIp === undefined ? '' : `ec2-${instance.publicIp.replace(/\./g, '-')}.${region}.compute.amazonaws.com`,
    reason: instance.transitionReason,
    keyName: instance.keyName,
    amiLaunchIndex: 0,
    instanceType: instance.instanceType,
    launchTime: instance.launched,
    placement: {availabilityZone: instance.zone, groupName: '', tenancy: 'default'},
    monitoring: {state: instance.monitoring ? 'enabled' : 'disabled'},
    subnetId: instance.subnetId,
    vpcId: instance.vpcId,
    privateIpAddress: instance.privateIp,
    ipAddress: instance.publicIp,
    groupSet: instance.groupIds.map((groupId) => ({groupId})),
    stateReason: instance.stateReason,
    architecture: instance.architecture,
    rootDeviceType: 'ebs',
    rootDeviceName: instance.rootDeviceName,
    virtualizationType: 'hvm',
    clientToken: instance.clientToken,
    tagSet: tagsXml(instance.tags),
    hypervisor: 'xen',
    ebsOptimized: instance.ebsOptimized,
    iamInstanceProfile: instance.iamInstanceProfile === undefined ? undefined : {arn: `arn:aws:iam::${owner}:instance-profile/${instance.iamInstanceProfile}`, id: 'AIPAJQ2LXB5EXAMPLE'},
    instanceLifecycle: instance.spot === undefined ? undefined : 'spot',
    spotInstanceRequestId: instance.spot?.requestId,
  }
}
