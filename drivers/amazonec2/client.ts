import {createRequire} from 'node:module'
import type * as Ec2Sdk from '@aws-sdk/client-ec2'
import type * as CredentialProviders from '@aws-sdk/credential-providers'

/**
 * The one module of the driver that knows the AWS SDK. It is loaded on the first EC2 call only (commands that
 * never talk to EC2 never pay for it) and speaks the driver's own small types, so nothing else depends on the SDK.
 */

export type CredentialSource =
  | {kind: 'keys'; accessKeyId: string; secretAccessKey: string; sessionToken?: string}
  | {kind: 'profile'; profile: string}
  /** The SDK's default chain: environment, shared files, SSO, container or instance role. */
  | {kind: 'chain'}

export interface Connection {
  region: string
  endpoint?: string
  credentials: CredentialSource
  /** Attempts per call; throttling and server errors are retried with backoff (the SDK's adaptive mode). */
  maxAttempts: number
}

/** An EC2 call that failed, in terms the driver can explain without the SDK. */
export class Ec2CallError extends Error {
  override readonly name = 'Ec2CallError'
  constructor(readonly action: string, readonly code: string, message: string, readonly status: number | undefined, readonly attempts: number, options: {cause: unknown}) {
    super(message.replace(/\s+/g, ' ').trim(), options)
  }
}

export interface InstanceView {
  id: string
  /** EC2's state name: pending, running, stopping, stopped, shutting-down, terminated. */
  state: string
  publicIp?: string
  privateIp?: string
  /** Why the instance is in its state ("Server.InternalError: ..."), when EC2 says. */
  stateReason?: string
  spot: boolean
}

export interface ImageView {
  id: string
  name: string
  architecture: string
  created: string
  rootDeviceName?: string
  /** GiB of the snapshot the root volume is made from. */
  rootSnapshotSize?: number
}

export interface SubnetView {
  id: string
  vpcId: string
  zone: string
  defaultForAz: boolean
}

export interface IngressRule {
  protocol: string
  fromPort: number
  toPort: number
  cidr: string
}

export interface GroupView {
  id: string
  name: string
  ingress: IngressRule[]
}

export interface Tag {
  key: string
  value: string
}

export interface LaunchSpec {
  imageId: string
  instanceType: string
  keyName: string
  subnetId: string
  groupIds: string[]
  publicAddress: boolean
  rootDevice: {name: string; size: number; type: string; iops?: number; throughput?: number}
  tags: Tag[]
  clientToken: string
  monitoring: boolean
  ebsOptimized: boolean
  iamInstanceProfile?: string
  userData?: string
  spot?: {maxPrice?: string}
}

/** The most instances one DescribeInstances page holds, and the most values EC2 takes in one call's filters. */
const PAGE_SIZE = 1000
export const FILTER_VALUES_LIMIT = 200

interface Loaded {
  sdk: typeof Ec2Sdk
  providers: typeof CredentialProviders
}

let loaded: Loaded | undefined

function load(): Loaded {
  if (loaded === undefined) {
    // The SDK warns on stderr about Node 20's end of support; berth's output is not the place for it.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
    // require() of the CommonJS bundle costs about half of what an ESM import of it does.
    const require = createRequire(import.meta.url)
    loaded = {sdk: require('@aws-sdk/client-ec2') as typeof Ec2Sdk, providers: require('@aws-sdk/credential-providers') as typeof CredentialProviders}
  }
  return loaded
}

export class Ec2Api {
  private readonly client: Ec2Sdk.EC2Client

  constructor(readonly connection: Connection) {
    const {sdk, providers} = load()
    const source = connection.credentials
    this.client = new sdk.EC2Client({
      region: connection.region,
      ...(connection.endpoint === undefined ? {} : {endpoint: connection.endpoint}),
      maxAttempts: connection.maxAttempts,
      retryMode: 'adaptive',
      // Without throwOnRequestTimeout the SDK only warns about a server that stopped answering, and waits for ever.
      requestHandler: {connectionTimeout: 10_000, requestTimeout: 30_000, throwOnRequestTimeout: true},
      credentials: source.kind === 'keys'
        ? {accessKeyId: source.accessKeyId, secretAccessKey: source.secretAccessKey, ...(source.sessionToken === undefined ? {} : {sessionToken: source.sessionToken})}
        : source.kind === 'profile' ? providers.fromIni({profile: source.profile}) : providers.fromNodeProviderChain(),
    })
  }

  /** The region as DescribeRegions lists it (also proves the credentials), or undefined when EC2 does not know it. */
  async regionOptIn(region: string, signal: AbortSignal): Promise<string | undefined> {
    const {sdk} = load()
    const answer = await this.send('DescribeRegions', (client, options) => client.send(new sdk.DescribeRegionsCommand({AllRegions: true, Filters: [{Name: 'region-name', Values: [region]}]}), options), signal)
    return answer.Regions?.find((found) => found.RegionName === region)?.OptInStatus
  }

  async defaultVpc(signal: AbortSignal): Promise<string | undefined> {
    const {sdk} = load()
    const answer = await this.send('DescribeVpcs', (client, options) => client.send(new sdk.DescribeVpcsCommand({Filters: [{Name: 'is-default', Values: ['true']}]}), options), signal)
    return answer.Vpcs?.[0]?.VpcId
  }

  async subnets(filter: {ids?: string[]; vpcId?: string; zone?: string}, signal: AbortSignal): Promise<SubnetView[]> {
    const {sdk} = load()
    const filters = [...(filter.vpcId === undefined ? [] : [{Name: 'vpc-id', Values: [filter.vpcId]}]), ...(filter.zone === undefined ? [] : [{Name: 'availability-zone', Values: [filter.zone]}])]
    const answer = await this.send('DescribeSubnets', (client, options) => client.send(new sdk.DescribeSubnetsCommand({...(filter.ids === undefined ? {} : {SubnetIds: filter.ids}), ...(filters.length === 0 ? {} : {Filters: filters})}), options), signal)
    return (answer.Subnets ?? []).map((subnet) => ({id: subnet.SubnetId ?? '', vpcId: subnet.VpcId ?? '', zone: subnet.AvailabilityZone ?? '', defaultForAz: subnet.DefaultForAz === true}))
  }

  /** Images by id, or by owner and name pattern (with an architecture), as DescribeImages finds them. */
  async images(query: {ids: string[]} | {owner: string; namePatterns: string[]; architecture: string}, signal: AbortSignal): Promise<ImageView[]> {
    const {sdk} = load()
    const input = 'ids' in query
      ? {ImageIds: query.ids}
      : {Owners: [query.owner], Filters: [{Name: 'name', Values: query.namePatterns}, {Name: 'architecture', Values: [query.architecture]}, {Name: 'state', Values: ['available']}]}
    const answer = await this.send('DescribeImages', (client, options) => client.send(new sdk.DescribeImagesCommand(input), options), signal)
    return (answer.Images ?? []).map((image) => {
      const snapshotSize = image.BlockDeviceMappings?.find((mapping) => mapping.DeviceName === image.RootDeviceName)?.Ebs?.VolumeSize
      return {
        id: image.ImageId ?? '', name: image.Name ?? '', architecture: image.Architecture ?? '', created: image.CreationDate ?? '',
        ...(image.RootDeviceName === undefined ? {} : {rootDeviceName: image.RootDeviceName}),
        ...(snapshotSize === undefined ? {} : {rootSnapshotSize: snapshotSize}),
      }
    })
  }

  /** The architectures an instance type runs (InvalidInstanceType when EC2 has no such type). */
  async instanceTypeArchitectures(instanceType: string, signal: AbortSignal): Promise<string[]> {
    const {sdk} = load()
    const answer = await this.send('DescribeInstanceTypes', (client, options) => client.send(new sdk.DescribeInstanceTypesCommand({InstanceTypes: [instanceType as Ec2Sdk._InstanceType]}), options), signal)
    return answer.InstanceTypes?.[0]?.ProcessorInfo?.SupportedArchitectures ?? []
  }

  async instanceTypeOffered(instanceType: string, zone: string, signal: AbortSignal): Promise<boolean> {
    const {sdk} = load()
    const answer = await this.send('DescribeInstanceTypeOfferings', (client, options) => client.send(new sdk.DescribeInstanceTypeOfferingsCommand({
      LocationType: 'availability-zone',
      Filters: [{Name: 'instance-type', Values: [instanceType]}, {Name: 'location', Values: [zone]}],
    }), options), signal)
    return (answer.InstanceTypeOfferings ?? []).length > 0
  }

  async keyPairExists(name: string, signal: AbortSignal): Promise<boolean> {
    const {sdk} = load()
    const answer = await this.send('DescribeKeyPairs', (client, options) => client.send(new sdk.DescribeKeyPairsCommand({Filters: [{Name: 'key-name', Values: [name]}]}), options), signal)
    return (answer.KeyPairs ?? []).length > 0
  }

  async importKeyPair(name: string, publicKey: string, tags: Tag[]): Promise<void> {
    const {sdk} = load()
    await this.send('ImportKeyPair', (client, options) => client.send(new sdk.ImportKeyPairCommand({KeyName: name, PublicKeyMaterial: Buffer.from(publicKey), TagSpecifications: [tagSpecification('key-pair', tags)]}), options))
  }

  /** Succeeds for a key pair that does not exist (as EC2 does). */
  async deleteKeyPair(name: string): Promise<void> {
    const {sdk} = load()
    await this.send('DeleteKeyPair', (client, options) => client.send(new sdk.DeleteKeyPairCommand({KeyName: name}), options))
  }

  async securityGroups(vpcId: string, names: string[], signal: AbortSignal): Promise<GroupView[]> {
    const {sdk} = load()
    const answer = await this.send('DescribeSecurityGroups', (client, options) => client.send(new sdk.DescribeSecurityGroupsCommand({Filters: [{Name: 'vpc-id', Values: [vpcId]}, {Name: 'group-name', Values: names}]}), options), signal)
    return (answer.SecurityGroups ?? []).map((group) => ({
      id: group.GroupId ?? '',
      name: group.GroupName ?? '',
      ingress: (group.IpPermissions ?? []).flatMap((permission) => (permission.IpRanges ?? []).map((range) => ({
        protocol: permission.IpProtocol ?? '', fromPort: permission.FromPort ?? -1, toPort: permission.ToPort ?? -1, cidr: range.CidrIp ?? '',
      }))),
    }))
  }

  async createSecurityGroup(name: string, description: string, vpcId: string, tags: Tag[]): Promise<string> {
    const {sdk} = load()
    const answer = await this.send('CreateSecurityGroup', (client, options) => client.send(new sdk.CreateSecurityGroupCommand({GroupName: name, Description: description, VpcId: vpcId, TagSpecifications: [tagSpecification('security-group', tags)]}), options))
    return answer.GroupId ?? ''
  }

  async authorizeIngress(groupId: string, rules: IngressRule[]): Promise<void> {
    const {sdk} = load()
    await this.send('AuthorizeSecurityGroupIngress', (client, options) => client.send(new sdk.AuthorizeSecurityGroupIngressCommand({
      GroupId: groupId,
      IpPermissions: rules.map((rule) => ({IpProtocol: rule.protocol, FromPort: rule.fromPort, ToPort: rule.toPort, IpRanges: [{CidrIp: rule.cidr, Description: 'berth'}]})),
    }), options))
  }

  async deleteSecurityGroup(groupId: string): Promise<void> {
    const {sdk} = load()
    await this.send('DeleteSecurityGroup', (client, options) => client.send(new sdk.DeleteSecurityGroupCommand({GroupId: groupId}), options))
  }

  /** Launch one instance. The client token makes a retried call return the same instance instead of a second one. */
  async runInstance(spec: LaunchSpec): Promise<InstanceView> {
    const {sdk} = load()
    const answer = await this.send('RunInstances', (client, options) => client.send(new sdk.RunInstancesCommand({
      ImageId: spec.imageId,
      InstanceType: spec.instanceType as Ec2Sdk._InstanceType,
      MinCount: 1,
      MaxCount: 1,
      KeyName: spec.keyName,
      ClientToken: spec.clientToken,
      NetworkInterfaces: [{DeviceIndex: 0, SubnetId: spec.subnetId, Groups: spec.groupIds, AssociatePublicIpAddress: spec.publicAddress, DeleteOnTermination: true}],
      BlockDeviceMappings: [{DeviceName: spec.rootDevice.name, Ebs: {
        VolumeSize: spec.rootDevice.size, VolumeType: spec.rootDevice.type as Ec2Sdk.VolumeType, DeleteOnTermination: true,
        ...(spec.rootDevice.iops === undefined ? {} : {Iops: spec.rootDevice.iops}),
        ...(spec.rootDevice.throughput === undefined ? {} : {Throughput: spec.rootDevice.throughput}),
      }}],
      TagSpecifications: [tagSpecification('instance', spec.tags), tagSpecification('volume', spec.tags)],
      Monitoring: {Enabled: spec.monitoring},
      EbsOptimized: spec.ebsOptimized,
      ...(spec.iamInstanceProfile === undefined ? {} : {IamInstanceProfile: {Name: spec.iamInstanceProfile}}),
      ...(spec.userData === undefined ? {} : {UserData: spec.userData}),
      ...(spec.spot === undefined ? {} : {
        InstanceMarketOptions: {MarketType: 'spot', SpotOptions: {SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate', ...(spec.spot.maxPrice === undefined ? {} : {MaxPrice: spec.spot.maxPrice})}},
      }),
    }), options))
    const instance = answer.Instances?.[0]
    if (instance === undefined) throw new Ec2CallError('RunInstances', 'EmptyAnswer', 'EC2 launched no instance', 200, 1, {cause: answer})
    return instanceView(instance)
  }

  /** Instances by id; an id EC2 does not know fails the call (InvalidInstanceID.NotFound). */
  async instancesById(ids: string[], signal: AbortSignal): Promise<InstanceView[]> {
    const {sdk} = load()
    const answer = await this.send('DescribeInstances', (client, options) => client.send(new sdk.DescribeInstancesCommand({InstanceIds: ids}), options), signal)
    return (answer.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []).map(instanceView)
  }

  /** Instances matching filters, all pages; unknown ids in a filter are simply not listed. */
  async instancesByFilter(filters: {name: string; values: string[]}[], signal: AbortSignal): Promise<InstanceView[]> {
    const {sdk} = load()
    const found: InstanceView[] = []
    let nextToken: string | undefined
    do {
      const answer = await this.send('DescribeInstances', (client, options) => client.send(new sdk.DescribeInstancesCommand({
        Filters: filters.map((filter) => ({Name: filter.name, Values: filter.values})),
        MaxResults: PAGE_SIZE,
        ...(nextToken === undefined ? {} : {NextToken: nextToken}),
      }), options), signal)
      found.push(...(answer.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []).map(instanceView))
      nextToken = answer.NextToken
    } while (nextToken !== undefined && nextToken !== '')
    return found
  }

  async startInstance(id: string): Promise<void> {
    const {sdk} = load()
    await this.send('StartInstances', (client, options) => client.send(new sdk.StartInstancesCommand({InstanceIds: [id]}), options))
  }

  async stopInstance(id: string, force: boolean): Promise<void> {
    const {sdk} = load()
    await this.send('StopInstances', (client, options) => client.send(new sdk.StopInstancesCommand({InstanceIds: [id], Force: force}), options))
  }

  async rebootInstance(id: string): Promise<void> {
    const {sdk} = load()
    await this.send('RebootInstances', (client, options) => client.send(new sdk.RebootInstancesCommand({InstanceIds: [id]}), options))
  }

  async terminateInstance(id: string): Promise<void> {
    const {sdk} = load()
    await this.send('TerminateInstances', (client, options) => client.send(new sdk.TerminateInstancesCommand({InstanceIds: [id]}), options))
  }

  destroy(): void {
    this.client.destroy()
  }

  /**
   * One call. Reads take the signal; calls that make or change something do not, so a Ctrl-C never leaves a
   * resource made but unrecorded: the caller records what the call made, then checks the signal.
   */
  private async send<Output>(action: string, call: (client: Ec2Sdk.EC2Client, options: {abortSignal?: AbortSignal}) => Promise<Output>, signal?: AbortSignal): Promise<Output> {
    try {
      return await call(this.client, signal === undefined ? {} : {abortSignal: signal})
    } catch (error) {
      if (signal?.aborted === true) throw signal.reason
      throw callError(action, error)
    }
  }
}

function callError(action: string, error: unknown): Ec2CallError {
  const details = error as {name?: string; code?: string; message?: string; $metadata?: {httpStatusCode?: number; attempts?: number}}
  // Network failures carry a Node error code (ENOTFOUND, ECONNREFUSED); EC2's own errors their code as the name.
  const code = typeof details.code === 'string' && /^E[A-Z]+$/.test(details.code) ? details.code : details.name ?? 'Error'
  return new Ec2CallError(action, code, details.message ?? String(error), details.$metadata?.httpStatusCode, details.$metadata?.attempts ?? 1, {cause: error})
}

function instanceView(instance: Ec2Sdk.Instance): InstanceView {
  return {
    id: instance.InstanceId ?? '',
    state: instance.State?.Name ?? 'unknown',
    ...(instance.PublicIpAddress === undefined ? {} : {publicIp: instance.PublicIpAddress}),
    ...(instance.PrivateIpAddress === undefined ? {} : {privateIp: instance.PrivateIpAddress}),
    ...(instance.StateReason?.Message === undefined ? {} : {stateReason: instance.StateReason.Message}),
    spot: instance.InstanceLifecycle === 'spot',
  }
}

function tagSpecification(type: Ec2Sdk.ResourceType, tags: Tag[]): Ec2Sdk.TagSpecification {
  return {ResourceType: type, Tags: tags.map((tag) => ({Key: tag.key, Value: tag.value}))}
}
