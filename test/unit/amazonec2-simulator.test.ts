import {createRequire} from 'node:module'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {CANONICAL_OWNER, OTHER_CREDENTIALS, SESSION_CREDENTIALS, TEST_CREDENTIALS, imageId, startEc2Simulator, type Ec2Simulator, type SimulatorCredentials} from '../simulators/ec2/index.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
const sdk = createRequire(import.meta.url)('@aws-sdk/client-ec2') as typeof import('@aws-sdk/client-ec2')

// The simulator against the real SDK, with instances that exist only in its books: wire shapes, validation,
// errors, state transitions and failure injection.
describe('EC2 simulator with the real SDK', () => {
  let sim: Ec2Simulator
  beforeAll(async () => {
    sim = await startEc2Simulator({rules: {instanceLimit: 3}})
  })
  afterAll(async () => {
    await sim?.stop()
  })

  const client = (credentials: Partial<SimulatorCredentials> = TEST_CREDENTIALS, region = 'us-east-1') => new sdk.EC2Client({
    region,
    endpoint: sim.endpoint,
    maxAttempts: 1,
    credentials: {accessKeyId: credentials.accessKeyId!, secretAccessKey: credentials.secretAccessKey!, ...(credentials.sessionToken === undefined ? {} : {sessionToken: credentials.sessionToken})},
  })
  const failure = async (promise: Promise<unknown>): Promise<{name: string; message: string; status: number | undefined}> => {
    const error = await promise.then(() => undefined, (caught: unknown) => caught as {name: string; message: string; $metadata?: {httpStatusCode?: number}})
    expect(error).toBeDefined()
    return {name: error!.name, message: error!.message, status: error!.$metadata?.httpStatusCode}
  }

  it('checks the signature: unknown keys, wrong secrets and missing session tokens are AuthFailure 401', async () => {
    expect((await client().send(new sdk.DescribeRegionsCommand({}))).Regions?.map((region) => region.RegionName)).toContain('us-east-1')
    expect(await failure(client({accessKeyId: 'AKIANOTKNOWN00000000', secretAccessKey: 'x'}).send(new sdk.DescribeRegionsCommand({})))).toEqual({name: 'AuthFailure', message: 'AWS was not able to validate the provided access credentials', status: 401})
    expect((await failure(client({...TEST_CREDENTIALS, secretAccessKey: 'wrong'}).send(new sdk.DescribeRegionsCommand({})))).name).toBe('AuthFailure')
    expect((await failure(client({...SESSION_CREDENTIALS, sessionToken: undefined}).send(new sdk.DescribeRegionsCommand({})))).name).toBe('AuthFailure')
    expect((await client(SESSION_CREDENTIALS).send(new sdk.DescribeVpcsCommand({}))).Vpcs).toHaveLength(1)
  })

  it('refuses a credential scope outside the known regions, and answers in a region the account has not enabled as to wrong keys', async () => {
    expect(await failure(client(TEST_CREDENTIALS, 'xx-nowhere-1').send(new sdk.DescribeRegionsCommand({})))).toEqual({name: 'SignatureDoesNotMatch', message: 'Credential should be scoped to a valid region, not \'xx-nowhere-1\'. ', status: 403})
    const elsewhere = await client(TEST_CREDENTIALS, 'us-east-1').send(new sdk.DescribeRegionsCommand({RegionNames: ['af-south-1'], AllRegions: true}))
    expect(elsewhere.Regions?.[0]?.OptInStatus).toBe('not-opted-in')
    const refused = {name: 'AuthFailure', message: 'AWS was not able to validate the provided access credentials', status: 401}
    expect(await failure(client(TEST_CREDENTIALS, 'af-south-1').send(new sdk.DescribeRegionsCommand({AllRegions: true})))).toEqual(refused)
    expect(await failure(client(TEST_CREDENTIALS, 'af-south-1').send(new sdk.DescribeVpcsCommand({})))).toEqual(refused)
  })

  it('has a default VPC with a default subnet per zone, and finds Canonical\'s images by owner and name', async () => {
    const ec2 = client()
    const vpcs = await ec2.send(new sdk.DescribeVpcsCommand({Filters: [{Name: 'is-default', Values: ['true']}]}))
    expect(vpcs.Vpcs).toHaveLength(1)
    const subnets = await ec2.send(new sdk.DescribeSubnetsCommand({Filters: [{Name: 'vpc-id', Values: [vpcs.Vpcs![0]!.VpcId!]}, {Name: 'availability-zone', Values: ['us-east-1c']}]}))
    expect(subnets.Subnets?.map((subnet) => [subnet.AvailabilityZone, subnet.DefaultForAz])).toEqual([['us-east-1c', true]])
    const images = await ec2.send(new sdk.DescribeImagesCommand({Owners: [CANONICAL_OWNER], Filters: [{Name: 'name', Values: ['ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-*-server-*']}, {Name: 'architecture', Values: ['x86_64']}]}))
    expect(images.Images?.map((image) => image.ImageId).sort()).toEqual([
      imageId('us-east-1', 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20260801'),
      imageId('us-east-1', 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261105'),
    ].sort())
    expect(images.Images?.[0]?.CreationDate).toMatch(/^2026-/)
    expect(await failure(ec2.send(new sdk.DescribeImagesCommand({ImageIds: ['ami-0123456789abcdef0']})))).toMatchObject({name: 'InvalidAMIID.NotFound', status: 400})
    expect((await failure(ec2.send(new sdk.DescribeImagesCommand({ImageIds: ['ubuntu']})))).name).toBe('InvalidAMIID.Malformed')
    expect((await failure(ec2.send(new sdk.DescribeInstanceTypesCommand({InstanceTypes: ['t9.huge' as never]})))).name).toBe('InvalidInstanceType')
    const offered = await ec2.send(new sdk.DescribeInstanceTypeOfferingsCommand({LocationType: 'availability-zone', Filters: [{Name: 'instance-type', Values: ['t3.medium']}]}))
    expect(offered.InstanceTypeOfferings?.map((offering) => offering.Location)).not.toContain('us-east-1e')
  })

  it('imports key pairs and makes security groups once per name and VPC, refusing duplicates as EC2 does', async () => {
    const ec2 = client()
    const imported = await ec2.send(new sdk.ImportKeyPairCommand({KeyName: 'k1', PublicKeyMaterial: Buffer.from('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB2dfyW3o4bqQOh9wTqZK7vK7LS9h2f2l3q0r6kJ8v0F test'), TagSpecifications: [{ResourceType: 'key-pair', Tags: [{Key: 'berth:machine', Value: 'm'}]}]}))
    expect(imported.KeyPairId).toMatch(/^key-0[0-9a-f]{16}$/)
    expect(imported.Tags).toEqual([{Key: 'berth:machine', Value: 'm'}])
    expect((await failure(ec2.send(new sdk.ImportKeyPairCommand({KeyName: 'k1', PublicKeyMaterial: Buffer.from('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB2dfyW3o4bqQOh9wTqZK7vK7LS9h2f2l3q0r6kJ8v0F')})))).name).toBe('InvalidKeyPair.Duplicate')
    expect((await failure(ec2.send(new sdk.ImportKeyPairCommand({KeyName: 'k2', PublicKeyMaterial: Buffer.from('not a key')})))).name).toBe('InvalidKey.Format')
    const group = await ec2.send(new sdk.CreateSecurityGroupCommand({GroupName: 'g1', Description: 'test'}))
    expect((await failure(ec2.send(new sdk.CreateSecurityGroupCommand({GroupName: 'g1', Description: 'test'})))).name).toBe('InvalidGroup.Duplicate')
    const rule = {IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{CidrIp: '0.0.0.0/0'}]}
    await ec2.send(new sdk.AuthorizeSecurityGroupIngressCommand({GroupId: group.GroupId, IpPermissions: [rule]}))
    expect((await failure(ec2.send(new sdk.AuthorizeSecurityGroupIngressCommand({GroupId: group.GroupId, IpPermissions: [rule]})))).name).toBe('InvalidPermission.Duplicate')
    const described = await ec2.send(new sdk.DescribeSecurityGroupsCommand({Filters: [{Name: 'group-name', Values: ['g1']}]}))
    expect(described.SecurityGroups?.[0]?.IpPermissions).toEqual([expect.objectContaining(rule)])
    expect(sim.leftovers().map((left) => [left.keyPairs.length, left.groups.length])).toEqual([[1, 1]])
    await ec2.send(new sdk.DeleteKeyPairCommand({KeyName: 'k1'}))
    await ec2.send(new sdk.DeleteKeyPairCommand({KeyName: 'k1'}))
    await ec2.send(new sdk.DeleteSecurityGroupCommand({GroupId: group.GroupId}))
    expect((await failure(ec2.send(new sdk.DeleteSecurityGroupCommand({GroupId: group.GroupId})))).name).toBe('InvalidGroup.NotFound')
    expect(sim.leftovers()).toEqual([])
  })

  it('launches instances through pending to running, stops, starts with a new address, and terminates', async () => {
    const ec2 = client()
    const ami = imageId('us-east-1', 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261105')
    const launched = await ec2.send(new sdk.RunInstancesCommand({ImageId: ami, InstanceType: 't3.medium', MinCount: 1, MaxCount: 1, ClientToken: 'token-1',
      TagSpecifications: [{ResourceType: 'instance', Tags: [{Key: 'Name', Value: 'm1'}]}], InstanceMarketOptions: undefined}))
    const id = launched.Instances![0]!.InstanceId!
    expect(launched.Instances![0]!.State).toEqual({Code: 0, Name: 'pending'})
    const again = await ec2.send(new sdk.RunInstancesCommand({ImageId: ami, InstanceType: 't3.medium', MinCount: 1, MaxCount: 1, ClientToken: 'token-1'}))
    expect(again.Instances![0]!.InstanceId).toBe(id)
    await sim.settle()
    const running = (await ec2.send(new sdk.DescribeInstancesCommand({InstanceIds: [id]}))).Reservations![0]!.Instances![0]!
    expect(running.State?.Name).toBe('running')
    expect(running.PublicIpAddress).toMatch(/^198\.18\./)
    expect(running.Tags).toEqual([{Key: 'Name', Value: 'm1'}])
    expect(running.Placement?.AvailabilityZone).toBe('us-east-1a')
    expect(running.LaunchTime).toBeInstanceOf(Date)
    const stopping = await ec2.send(new sdk.StopInstancesCommand({InstanceIds: [id]}))
    expect(stopping.StoppingInstances?.[0]).toMatchObject({CurrentState: {Code: 64, Name: 'stopping'}, PreviousState: {Code: 16, Name: 'running'}})
    await sim.settle()
    const stopped = (await ec2.send(new sdk.DescribeInstancesCommand({InstanceIds: [id]}))).Reservations![0]!.Instances![0]!
    expect([stopped.State?.Name, stopped.PublicIpAddress]).toEqual(['stopped', undefined])
    await ec2.send(new sdk.StartInstancesCommand({InstanceIds: [id]}))
    await sim.settle()
    const restarted = (await ec2.send(new sdk.DescribeInstancesCommand({InstanceIds: [id]}))).Reservations![0]!.Instances![0]!
    expect(restarted.State?.Name).toBe('running')
    expect(restarted.PublicIpAddress).not.toBe(running.PublicIpAddress)
    await ec2.send(new sdk.TerminateInstancesCommand({InstanceIds: [id]}))
    await sim.settle()
    expect((await ec2.send(new sdk.DescribeInstancesCommand({InstanceIds: [id]}))).Reservations![0]!.Instances![0]!.State?.Name).toBe('terminated')
    expect((await failure(ec2.send(new sdk.StopInstancesCommand({InstanceIds: [id]})))).name).toBe('IncorrectInstanceState')
    expect(await failure(ec2.send(new sdk.DescribeInstancesCommand({InstanceIds: ['i-0123456789abcdef0']})))).toMatchObject({name: 'InvalidInstanceID.NotFound', message: 'The instance ID \'i-0123456789abcdef0\' does not exist'})
    expect(sim.leftovers()).toEqual([])
  })

  it('validates launches: image, architecture, zone offering, key pair, profile, spot price and the instance limit', async () => {
    const ec2 = client()
    const amd = imageId('us-east-1', 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261105')
    const launch = (input: Partial<ConstructorParameters<typeof sdk.RunInstancesCommand>[0]>) => failure(ec2.send(new sdk.RunInstancesCommand({ImageId: amd, InstanceType: 't3.medium', MinCount: 1, MaxCount: 1, ...input})))
    expect((await launch({ImageId: 'ami-0000000000000000a'})).name).toBe('InvalidAMIID.NotFound')
    expect((await launch({InstanceType: 't4g.medium'})).message).toMatch(/^The architecture 'arm64' of the specified instance type does not match the architecture 'x86_64'/)
    expect((await launch({Placement: {AvailabilityZone: 'us-east-1e'}})).name).toBe('Unsupported')
    expect((await launch({KeyName: 'nope'})).name).toBe('InvalidKeyPair.NotFound')
    expect((await launch({IamInstanceProfile: {Name: 'nope'}})).name).toBe('InvalidParameterValue')
    expect((await launch({InstanceMarketOptions: {MarketType: 'spot', SpotOptions: {MaxPrice: '0.001'}}})).name).toBe('SpotMaxPriceTooLow')
    sim.addInstances(3)
    expect(await launch({})).toMatchObject({name: 'InstanceLimitExceeded', status: 400})
  })

  it('lists many instances in one call, filters by tag, pages with MaxResults, and keeps accounts apart', async () => {
    const tagged = sim.addInstances(40, {region: 'eu-west-1', tags: [{Key: 'berth:machine', Value: 'x'}].map(({Key, Value}) => ({key: Key, value: Value}))})
    sim.addInstances(5, {region: 'eu-west-1'})
    sim.addInstances(2, {region: 'eu-west-1', credentials: OTHER_CREDENTIALS})
    const ec2 = client(TEST_CREDENTIALS, 'eu-west-1')
    const before = sim.callsTo('DescribeInstances', 'eu-west-1').length
    const all = await ec2.send(new sdk.DescribeInstancesCommand({Filters: [{Name: 'tag-key', Values: ['berth:machine']}]}))
    expect(all.Reservations?.flatMap((reservation) => reservation.Instances ?? []).map((instance) => instance.InstanceId).sort()).toEqual(tagged.map((instance) => instance.id).sort())
    expect(sim.callsTo('DescribeInstances', 'eu-west-1').length).toBe(before + 1)
    const page = await ec2.send(new sdk.DescribeInstancesCommand({MaxResults: 30}))
    expect(page.Reservations?.flatMap((reservation) => reservation.Instances ?? [])).toHaveLength(30)
    expect(page.NextToken).toBeDefined()
    const other = await client(OTHER_CREDENTIALS, 'eu-west-1').send(new sdk.DescribeInstancesCommand({}))
    expect(other.Reservations?.flatMap((reservation) => reservation.Instances ?? [])).toHaveLength(2)
    expect((await failure(ec2.send(new sdk.DescribeInstancesCommand({Filters: [{Name: 'no-such-filter', Values: ['x']}]})))).name).toBe('InvalidParameterValue')
  })

  it('injects throttling, server errors and hangs on the calls asked for', async () => {
    const ec2 = client()
    sim.throttle('DescribeVpcs', 1)
    expect(await failure(ec2.send(new sdk.DescribeVpcsCommand({})))).toMatchObject({name: 'RequestLimitExceeded', status: 503})
    expect((await ec2.send(new sdk.DescribeVpcsCommand({}))).Vpcs).toHaveLength(1)
    sim.inject('DescribeSubnets', {code: 'InternalError', nth: 2})
    await ec2.send(new sdk.DescribeSubnetsCommand({}))
    expect(await failure(ec2.send(new sdk.DescribeSubnetsCommand({})))).toMatchObject({name: 'InternalError', status: 500})
    const retrying = new sdk.EC2Client({region: 'us-east-1', endpoint: sim.endpoint, maxAttempts: 3, credentials: {accessKeyId: TEST_CREDENTIALS.accessKeyId, secretAccessKey: TEST_CREDENTIALS.secretAccessKey}})
    sim.throttle('DescribeKeyPairs', 2)
    const answered = await retrying.send(new sdk.DescribeKeyPairsCommand({}))
    expect(answered.$metadata.attempts).toBe(3)
    expect(sim.callsTo('DescribeKeyPairs').map((call) => call.code ?? 'ok')).toEqual(['RequestLimitExceeded', 'RequestLimitExceeded', 'ok'])
    const impatient = new sdk.EC2Client({region: 'us-east-1', endpoint: sim.endpoint, maxAttempts: 1, credentials: {accessKeyId: TEST_CREDENTIALS.accessKeyId, secretAccessKey: TEST_CREDENTIALS.secretAccessKey},
      requestHandler: {requestTimeout: 200, throwOnRequestTimeout: true}})
    sim.inject('DescribeAvailabilityZones', {hangMs: 1000})
    expect((await failure(impatient.send(new sdk.DescribeAvailabilityZonesCommand({})))).name).toBe('TimeoutError')
  })
})
