import {request} from 'node:https'
import {createRequire} from 'node:module'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, type RunResult} from '../harness/berth.js'
import {snapshotTree} from '../harness/tree-snapshot.js'
import {TestHostPool} from '../hosts/index.js'
import {startAzureSimulator, type AzureSimulator} from '../simulators/azure/index.js'
import {startDigitalOceanSimulator, type DigitalOceanSimulator} from '../simulators/digitalocean/index.js'
import type {DropletHost, HostSource} from '../simulators/digitalocean/model.js'
import {IMAGES, SESSION_CREDENTIALS, TEST_CREDENTIALS, imageId, startEc2Simulator, type Ec2Simulator, type SimulatorCredentials} from '../simulators/ec2/index.js'

/**
 * What a cloud would refuse, caught by the pre-create check: for every value, berth refuses `create` with exit 3
 * and one line naming the flag, the value, the rule and the fix, having made nothing (the simulator logged no
 * call that makes or changes anything, and the sandbox is byte for byte as it was). Then the same value goes to
 * the simulator's mutating call directly, as if berth had not checked it: the simulator refuses it as the cloud
 * does, which is what keeps the check and the cloud in step.
 */

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
const ec2Sdk = createRequire(import.meta.url)('@aws-sdk/client-ec2') as typeof import('@aws-sdk/client-ec2')
type RootEbs = Pick<import('@aws-sdk/client-ec2').EbsBlockDevice, 'VolumeSize' | 'VolumeType' | 'Iops' | 'Throughput'>

/** What create prints before the check's verdict. */
const PREAMBLE = [/^Running pre-create checks: failed \(\d+(\.\d+)?s\)$/]

/** create must exit 3 with the preamble and exactly this error line, print nothing on stdout, and change nothing in the sandbox. */
async function expectRefused(sandbox: BerthSandbox, create: () => Promise<RunResult>, line: string | RegExp): Promise<void> {
  const before = await snapshotTree(sandbox.dir)
  const result = await create()
  const lines = result.stderr.split('\n')
  expect(lines.pop(), 'stderr ends with a newline').toBe('')
  expect(lines, result.stderr).toHaveLength(PREAMBLE.length + 1)
  PREAMBLE.forEach((pattern, index) => expect(lines[index]).toMatch(pattern))
  if (typeof line === 'string') expect(lines.at(-1)).toBe(line)
  else expect(lines.at(-1)).toMatch(line)
  expect(result.stdout).toBe('')
  expect(result.code).toBe(3)
  expect(await snapshotTree(sandbox.dir)).toEqual(before)
}

describe('amazonec2: what EC2 would refuse', () => {
  let sandbox: BerthSandbox
  let sim: Ec2Simulator

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    sim = await startEc2Simulator()
  })

  afterAll(async () => {
    await sim?.stop()
    await sandbox?.dispose()
  })

  const keys = (credentials: SimulatorCredentials): NodeJS.ProcessEnv => ({
    AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_SESSION_TOKEN: credentials.sessionToken ?? '',
  })
  const create = (flags: readonly string[], env: NodeJS.ProcessEnv = keys(TEST_CREDENTIALS)) => () =>
    sandbox.run(['create', '-d', 'amazonec2', '--amazonec2-endpoint', sim.endpoint, ...flags, 'cc'], {env})
  const ec2 = (region = 'us-east-1', credentials: SimulatorCredentials = TEST_CREDENTIALS) => new ec2Sdk.EC2Client({
    region, endpoint: sim.endpoint, maxAttempts: 1,
    credentials: {accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, ...(credentials.sessionToken === undefined ? {} : {sessionToken: credentials.sessionToken})},
  })
  const refusal = async (call: Promise<unknown>): Promise<{code: string; status: number | undefined}> => {
    const error = await call.then(() => undefined, (caught: unknown) => caught as {name: string; $metadata?: {httpStatusCode?: number}})
    expect(error, 'EC2 should have refused the call').toBeDefined()
    return {code: error!.name, status: error!.$metadata?.httpStatusCode}
  }
  /** The image berth chooses by default (the newest Ubuntu LTS build for x86_64), and what the check may call. */
  const defaultImage = imageId('us-east-1', IMAGES.filter((image) => /resolute-26\.04-amd64-server/.test(image.name) && image.deprecated !== true).at(-1)!.name)
  const launch = (volume: RootEbs) => ec2().send(new ec2Sdk.RunInstancesCommand({
    ImageId: defaultImage, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, BlockDeviceMappings: [{DeviceName: '/dev/sda1', Ebs: {...volume, DeleteOnTermination: true}}],
  }))

  /** A root volume EC2 would refuse: berth's line, and the same volume at RunInstances with EC2's error code. */
  const volumes: {what: string; flags: string[]; line: string; volume: RootEbs; code: string}[] = [
    {what: 'an st1 root volume (not bootable)', flags: ['--amazonec2-volume-type', 'st1', '--amazonec2-root-size', '500'], volume: {VolumeType: 'st1', VolumeSize: 500}, code: 'InvalidParameterCombination',
      line: 'Error: --amazonec2-volume-type st1 cannot hold the root volume: EC2 boots only from gp3, gp2, io1, io2 and standard volumes. Use --amazonec2-volume-type gp3 (the default) or another of those types.'},
    {what: 'an sc1 root volume (not bootable)', flags: ['--amazonec2-volume-type', 'sc1'], volume: {VolumeType: 'sc1', VolumeSize: 16}, code: 'InvalidParameterCombination',
      line: 'Error: --amazonec2-volume-type sc1 cannot hold the root volume: EC2 boots only from gp3, gp2, io1, io2 and standard volumes. Use --amazonec2-volume-type gp3 (the default) or another of those types.'},
    {what: 'io1 without IOPS', flags: ['--amazonec2-volume-type', 'io1'], volume: {VolumeType: 'io1', VolumeSize: 16}, code: 'InvalidParameterCombination',
      line: 'Error: --amazonec2-volume-type io1 needs --amazonec2-volume-iops: EC2 requires provisioned IOPS for io1 volumes (100 to 64000, at most 50 per GiB). Pass --amazonec2-volume-iops 800, for instance, or choose --amazonec2-volume-type gp3 (the default).'},
    {what: 'io2 without IOPS', flags: ['--amazonec2-volume-type', 'io2', '--amazonec2-root-size', '100'], volume: {VolumeType: 'io2', VolumeSize: 100}, code: 'InvalidParameterCombination',
      line: 'Error: --amazonec2-volume-type io2 needs --amazonec2-volume-iops: EC2 requires provisioned IOPS for io2 volumes (100 to 256000, at most 1000 per GiB). Pass --amazonec2-volume-iops 3000, for instance, or choose --amazonec2-volume-type gp3 (the default).'},
    {what: 'io1 with more than 50 IOPS per GiB', flags: ['--amazonec2-volume-type', 'io1', '--amazonec2-volume-iops', '1000'], volume: {VolumeType: 'io1', VolumeSize: 16, Iops: 1000}, code: 'InvalidParameterValue',
      line: 'Error: --amazonec2-volume-iops 1000 is too many for a 16 GiB io1 volume: EC2 allows at most 50 IOPS per GiB (800 here). Lower --amazonec2-volume-iops to 800, or raise --amazonec2-root-size to 20.'},
    {what: 'a standard volume above 1024 GiB', flags: ['--amazonec2-volume-type', 'standard', '--amazonec2-root-size', '2000'], volume: {VolumeType: 'standard', VolumeSize: 2000}, code: 'InvalidParameterValue',
      line: 'Error: --amazonec2-root-size 2000 is out of range for standard volumes: EC2 makes them from 1 to 1024 GiB. Pass --amazonec2-root-size 1024 or less, or choose a type that takes it (gp3, gp2, io1, io2).'},
    {what: 'IOPS for a gp2 volume', flags: ['--amazonec2-volume-type', 'gp2', '--amazonec2-volume-iops', '3000'], volume: {VolumeType: 'gp2', VolumeSize: 16, Iops: 3000}, code: 'InvalidParameterCombination',
      line: 'Error: --amazonec2-volume-iops does not apply to gp2 volumes: EC2 provisions IOPS only for gp3, io1 and io2. Leave out --amazonec2-volume-iops, or choose one of those with --amazonec2-volume-type.'},
    {what: 'gp3 IOPS above 80000', flags: ['--amazonec2-volume-iops', '90000', '--amazonec2-root-size', '500'], volume: {VolumeType: 'gp3', VolumeSize: 500, Iops: 90000}, code: 'InvalidParameterValue',
      line: 'Error: --amazonec2-volume-iops 90000 is out of range for gp3: EC2 allows 3000 to 80000. Pass --amazonec2-volume-iops with a value in that range.'},
    {what: 'gp3 throughput above 0.25 MiB/s per IOPS', flags: ['--amazonec2-volume-throughput', '1000'], volume: {VolumeType: 'gp3', VolumeSize: 16, Throughput: 1000}, code: 'InvalidParameterValue',
      line: 'Error: --amazonec2-volume-throughput 1000 is too high for 3000 IOPS: EC2 allows at most 0.25 MiB/s per IOPS (750 here). Lower --amazonec2-volume-throughput to 750, or raise --amazonec2-volume-iops to 4000.'},
    {what: 'throughput for an io2 volume', flags: ['--amazonec2-volume-type', 'io2', '--amazonec2-volume-iops', '3000', '--amazonec2-volume-throughput', '500'], volume: {VolumeType: 'io2', VolumeSize: 16, Iops: 3000, Throughput: 500}, code: 'InvalidParameterCombination',
      line: 'Error: --amazonec2-volume-throughput does not apply to io2 volumes: EC2 provisions throughput only for gp3. Leave out --amazonec2-volume-throughput, or choose --amazonec2-volume-type gp3.'},
    {what: 'a root volume smaller than the AMI\'s snapshot', flags: ['--amazonec2-root-size', '6'], volume: {VolumeType: 'gp3', VolumeSize: 6}, code: 'InvalidBlockDeviceMapping',
      line: `Error: --amazonec2-root-size 6 is smaller than the root snapshot of ${defaultImage} (8 GiB), which EC2 makes the root volume from. Pass --amazonec2-root-size 8 or more.`},
  ]

  it.each(volumes)('$what: exit 3 and one line before anything is made', async ({flags, line}) => {
    const callsBefore = sim.calls.length
    await expectRefused(sandbox, create(flags), line)
    expect(sim.calls.slice(callsBefore).map((call) => call.action).filter((action) => !action.startsWith('Describe'))).toEqual([])
    expect(sim.leftovers()).toEqual([])
  })

  it.each(volumes)('$what: EC2 refuses the same root volume at RunInstances', async ({volume, code}) => {
    expect(await refusal(launch(volume))).toEqual({code, status: 400})
    expect(sim.leftovers()).toEqual([])
  })

  it('EC2 launches what the check lets through: io1 with IOPS, gp3 with IOPS and throughput at the ratios\' limits', async () => {
    const fitting: RootEbs[] = [{VolumeType: 'io1', VolumeSize: 16, Iops: 800}, {VolumeType: 'gp3', VolumeSize: 16, Iops: 8000, Throughput: 2000}]
    for (const volume of fitting) {
      const launched = await launch(volume)
      const id = launched.Instances![0]!.InstanceId!
      await ec2().send(new ec2Sdk.TerminateInstancesCommand({InstanceIds: [id]}))
    }
    await sim.settle()
    expect(sim.leftovers()).toEqual([])
  })

  const NOT_ENABLED = 'Error: The region af-south-1 is not enabled for this AWS account. Enable it in the AWS console (Account, AWS Regions) or with "aws account enable-region --region-name af-south-1", which takes a few minutes, or choose another region with --amazonec2-region.'
  const regions: {what: string; flags: string[]; env?: NodeJS.ProcessEnv; line: string}[] = [
    {what: 'a region the account has not enabled', flags: ['--amazonec2-region', 'af-south-1'], line: NOT_ENABLED},
    {what: 'wrong keys in a region the account has not enabled', flags: ['--amazonec2-region', 'af-south-1'], env: {...keys(TEST_CREDENTIALS), AWS_SECRET_ACCESS_KEY: 'not-the-secret'},
      line: 'Error: AWS did not accept the credentials (AuthFailure). Set --amazonec2-access-key and --amazonec2-secret-key (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), or name a profile of the shared AWS files with --amazonec2-profile (AWS_PROFILE).'},
    {what: 'a global STS session token in an enabled opt-in region', flags: ['--amazonec2-region', 'ap-east-1'], env: keys(SESSION_CREDENTIALS),
      line: 'Error: AWS did not accept the credentials in ap-east-1 (AuthFailure), though it does in us-east-1. A region enabled in the last minutes may not take them yet; session tokens from the global STS endpoint work only in regions enabled by default, so get them from the STS endpoint of ap-east-1.'},
  ]

  it.each(regions)('$what: exit 3, one line that names the region\'s state rather than blaming good credentials', async ({flags, env, line}) => {
    const callsBefore = sim.calls.length
    await expectRefused(sandbox, create(flags, env), line)
    expect(sim.calls.slice(callsBefore).map((call) => call.action).filter((action) => !action.startsWith('Describe'))).toEqual([])
  })

  it('EC2 answers every call in a region the account has not enabled as to wrong keys, and lists the region as not opted in elsewhere', async () => {
    const refused = {code: 'AuthFailure', status: 401}
    expect(await refusal(ec2('af-south-1').send(new ec2Sdk.DescribeRegionsCommand({AllRegions: true})))).toEqual(refused)
    expect(await refusal(ec2('af-south-1').send(new ec2Sdk.ImportKeyPairCommand({KeyName: 'k', PublicKeyMaterial: Buffer.from('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB2dfyW3o4bqQOh9wTqZK7vK7LS9h2f2l3q0r6kJ8v0F')})))).toEqual(refused)
    expect(await refusal(ec2('ap-east-1', SESSION_CREDENTIALS).send(new ec2Sdk.DescribeVpcsCommand({})))).toEqual(refused)
    const listed = await ec2().send(new ec2Sdk.DescribeRegionsCommand({AllRegions: true, Filters: [{Name: 'region-name', Values: ['af-south-1', 'ap-east-1']}]}))
    expect(listed.Regions?.map((region) => [region.RegionName, region.OptInStatus])).toEqual([['ap-east-1', 'opted-in'], ['af-south-1', 'not-opted-in']])
    expect(sim.leftovers()).toEqual([])
  })
})

describe('digitalocean: what the API would refuse', () => {
  const TOKEN = 'dop_v1_dddd4444dddd4444dddd4444dddd4444dddd4444dddd4444dddd4444dddd4444'
  // No droplet is made here: a droplet that got this far would stay "new".
  const noHosts: HostSource = {up: () => Promise.reject(new Error('no test hosts in this file'))}
  let sandbox: BerthSandbox
  let sim: DigitalOceanSimulator<DropletHost>

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    sim = await startDigitalOceanSimulator({hosts: noHosts, tokens: [TOKEN]})
  })

  afterAll(async () => {
    await sim?.stop()
    await sandbox?.dispose()
  })

  const create = (flags: readonly string[]) => () => sandbox.run(['create', '-d', 'digitalocean', '--digitalocean-api-url', sim.endpoint, ...flags, 'cc'], {env: {DIGITALOCEAN_ACCESS_TOKEN: TOKEN}})
  const post = async (path: string, body: unknown): Promise<{status: number; json: Record<string, unknown>}> => {
    const response = await fetch(`${sim.endpoint}${path}`, {method: 'POST', headers: {'content-type': 'application/json', authorization: `Bearer ${TOKEN}`}, body: JSON.stringify(body)})
    return {status: response.status, json: await response.json() as Record<string, unknown>}
  }
  const droplet = {name: 'cc', region: 'nyc3', size: 's-1vcpu-2gb', image: 'ubuntu-24-04-x64'}
  const SNAPSHOT = 163_481_722

  const cases: {what: string; flags: string[]; line: string | RegExp; request: Record<string, unknown>; message: string}[] = [
    {what: 'a region that takes no new droplets', flags: ['--digitalocean-region', 'sfo1'], request: {region: 'sfo1'}, message: 'You specified an invalid region for Droplet creation.',
      line: /^Error: The DigitalOcean region sfo1 takes no new droplets\. Pass --digitalocean-region with one of: ams3, /},
    {what: 'a size the region does not offer', flags: ['--digitalocean-size', 'so-2vcpu-16gb', '--digitalocean-region', 'ams3'], request: {size: 'so-2vcpu-16gb', region: 'ams3'}, message: 'Size is not available in this region.',
      line: /^Error: The droplet size so-2vcpu-16gb is not available in ams3\. Choose another --digitalocean-size or --digitalocean-region\. Sizes in ams3 include: s-1vcpu-1gb, /},
    {what: 'a size sold out everywhere', flags: ['--digitalocean-size', 'gd-40vcpu-160gb'], request: {size: 'gd-40vcpu-160gb'}, message: 'Size is not available in this region.',
      line: /^Error: The droplet size gd-40vcpu-160gb is not available in nyc3\. /},
    {what: 'an image the region does not have', flags: ['--digitalocean-image', 'fedora-40-x64', '--digitalocean-region', 'fra1'], request: {image: 'fedora-40-x64', region: 'fra1'},
      message: 'The image you specified is not available in the selected region, you can transfer it to this region from the images pages.',
      line: /^Error: The image fedora-40-x64 is not available in fra1\. Choose another --digitalocean-region \(it is in: nyc3, ams3\) or another --digitalocean-image\.$/},
    {what: 'a snapshot that needs a larger disk than the size has', flags: ['--digitalocean-image', String(SNAPSHOT)], request: {image: SNAPSHOT},
      message: 'The image requires a disk of at least 80 GB; size s-1vcpu-2gb has 50 GB.',
      line: `Error: The image ${SNAPSHOT} needs a disk of at least 80 GB, and size s-1vcpu-2gb has 50 GB. Pass --digitalocean-size with one that does, such as s-2vcpu-4gb, s-4vcpu-8gb, so-2vcpu-16gb, s-8vcpu-16gb.`},
  ]

  it.each(cases)('$what: exit 3 and one line before anything is made', async ({flags, line}) => {
    const before = sim.calls.length
    await expectRefused(sandbox, create(flags), line)
    expect(sim.calls.slice(before).filter((call) => call.method !== 'GET')).toEqual([])
    expect(sim.droplets()).toEqual([])
    expect(sim.keys()).toEqual([])
  })

  it.each(cases)('$what: the API refuses the same droplet at POST /v2/droplets', async ({request: change, message}) => {
    expect(await post('/v2/droplets', {...droplet, ...change})).toEqual({status: 422, json: {id: 'unprocessable_entity', message}})
    expect(sim.droplets()).toEqual([])
  })

  it('the API takes the snapshot on a size with disk enough', async () => {
    const made = await post('/v2/droplets', {...droplet, image: SNAPSHOT, size: 's-2vcpu-4gb'})
    expect(made.status).toBe(202)
    const id = (made.json.droplet as {id: number}).id
    expect((await fetch(`${sim.endpoint}/v2/droplets/${id}`, {method: 'DELETE', headers: {authorization: `Bearer ${TOKEN}`}})).status).toBe(204)
    await sim.settle()
    expect(sim.droplets()).toEqual([])
  })
})

describe('azure: what ARM would refuse', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let sim: AzureSimulator

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    // No VM boots here; the simulator wants a pool all the same.
    pool = new TestHostPool()
    sim = await startAzureSimulator({hosts: pool})
  })

  afterAll(async () => {
    await sim?.stop()
    await pool?.dispose()
    await sandbox?.dispose()
  })

  const create = (flags: readonly string[]) => () => sandbox.run(['create', '-d', 'azure', ...flags, 'cc'], {env: {
    NODE_EXTRA_CA_CERTS: sim.caFile, AZURE_SUBSCRIPTION_ID: sim.subscriptionId, AZURE_RESOURCE_MANAGER_ENDPOINT: sim.endpoint, AZURE_AUTHORITY_HOST: sim.authorityHost,
    AZURE_TENANT_ID: sim.principal.tenantId, AZURE_CLIENT_ID: sim.principal.clientId, AZURE_CLIENT_SECRET: sim.principal.clientSecret,
  }})
  /** One ARM request over the simulator's TLS, with a token of the directory. */
  const arm = (method: string, path: string, body: unknown): Promise<{status: number; json: {error?: {code: string; message: string}}}> => new Promise((resolve, reject) => {
    const payload = JSON.stringify(body)
    const url = new URL(`${sim.endpoint}/subscriptions/${sim.subscriptionId}${path}?api-version=2024-07-01`)
    const sent = request(url, {method, ca: sim.caPem, headers: {'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Bearer ${sim.userToken().accessToken}`}}, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {error?: {code: string; message: string}}}))
    })
    sent.on('error', reject)
    sent.end(payload)
  })
  /** The VM berth would ask for (its network interface never made: ARM checks the size, image and disk first). */
  const vm = (change: {location?: string; size?: string; image?: string; storageType?: string}) => {
    const [publisher, offer, sku, version] = (change.image ?? 'canonical:ubuntu-24_04-lts:server:latest').split(':')
    return {
      location: change.location ?? 'westus2',
      properties: {
        hardwareProfile: {vmSize: change.size ?? 'Standard_D2s_v5'},
        storageProfile: {imageReference: {publisher, offer, sku, version}, osDisk: {createOption: 'FromImage', managedDisk: {storageAccountType: change.storageType ?? 'StandardSSD_LRS'}}},
        osProfile: {computerName: 'cc', adminUsername: 'docker-user', linuxConfiguration: {disablePasswordAuthentication: true, ssh: {publicKeys: [{path: '/home/docker-user/.ssh/authorized_keys', keyData: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB2dfyW3o4bqQOh9wTqZK7vK7LS9h2f2l3q0r6kJ8v0F cc'}]}}},
        networkProfile: {networkInterfaces: [{id: `/subscriptions/${sim.subscriptionId}/resourceGroups/cc-direct/providers/Microsoft.Network/networkInterfaces/cc-nic`}]},
      },
    }
  }
  const putVm = async (change: Parameters<typeof vm>[0]): Promise<{status: number; code: string | undefined}> => {
    const answer = await arm('PUT', '/resourceGroups/cc-direct/providers/Microsoft.Compute/virtualMachines/cc', vm(change))
    return {status: answer.status, code: answer.json.error?.code}
  }

  const cases: {what: string; flags: string[]; change: Parameters<typeof vm>[0]; line: RegExp; refused: {status: number; code: string}}[] = [
    {what: 'a size the location does not offer', flags: ['--azure-size', 'Standard_HB120rs_v3'], change: {size: 'Standard_HB120rs_v3'}, refused: {status: 400, code: 'InvalidParameter'},
      line: /^Error: Azure offers no VM size "Standard_HB120rs_v3" in westus2\. Choose another --azure-size/},
    {what: 'a size not available to the subscription', flags: ['--azure-size', 'Standard_NC6s_v3'], change: {size: 'Standard_NC6s_v3'}, refused: {status: 409, code: 'SkuNotAvailable'},
      line: /^Error: VM size Standard_NC6s_v3 is not available to subscription [\w-]+ in westus2 \(SkuNotAvailable: NotAvailableForSubscription\)\. /},
    {what: 'a zone-redundant disk where there are no zones', flags: ['--azure-location', 'northcentralus', '--azure-storage-type', 'Premium_ZRS'], change: {location: 'northcentralus', storageType: 'Premium_ZRS'},
      refused: {status: 400, code: 'InvalidParameter'},
      line: /^Error: --azure-storage-type Premium_ZRS is not offered in northcentralus \(its OS disk types are Standard_LRS, StandardSSD_LRS, Premium_LRS\)\. Choose one of those with --azure-storage-type, or a location with availability zones for a zone-redundant disk\.$/},
    {what: 'Premium SSD on a size without premium storage', flags: ['--azure-size', 'Standard_D2_v5', '--azure-storage-type', 'Premium_LRS'], change: {size: 'Standard_D2_v5', storageType: 'Premium_LRS'},
      refused: {status: 400, code: 'InvalidParameter'},
      line: /^Error: --azure-storage-type Premium_LRS needs a VM size with premium storage, and Standard_D2_v5 has none\. Use --azure-storage-type StandardSSD_LRS \(the default\)/},
    {what: 'a Gen2 image on a size that boots only Gen1', flags: ['--azure-size', 'Standard_A2_v2'], change: {size: 'Standard_A2_v2'}, refused: {status: 400, code: 'BadRequest'},
      line: /^Error: --azure-image canonical:ubuntu-24_04-lts:server:latest is a Gen2 image, and VM size Standard_A2_v2 boots only Gen1\. Choose a Gen1 image/},
    {what: 'an x64 image on an Arm64 size', flags: ['--azure-size', 'Standard_D2ps_v5'], change: {size: 'Standard_D2ps_v5'}, refused: {status: 400, code: 'BadRequest'},
      line: /^Error: --azure-image canonical:ubuntu-24_04-lts:server:latest is for x64, and VM size Standard_D2ps_v5 runs Arm64\. Choose an image and a size of the same architecture/},
    {what: 'an Arm64 image on an x64 size', flags: ['--azure-image', 'canonical:ubuntu-24_04-lts:server-arm64:latest'], change: {image: 'canonical:ubuntu-24_04-lts:server-arm64:latest'}, refused: {status: 400, code: 'BadRequest'},
      line: /^Error: --azure-image canonical:ubuntu-24_04-lts:server-arm64:latest is for Arm64, and VM size Standard_D2s_v5 runs x64\. /},
  ]

  it.each(cases)('$what: exit 3 and one line before anything is made', async ({flags, line}) => {
    const before = sim.calls.length
    const resources = sim.resourceIds()
    await expectRefused(sandbox, create(flags), line)
    expect(sim.calls.slice(before).filter((call) => call.method !== 'GET' && call.method !== 'HEAD' && !call.operation.startsWith('identity.'))).toEqual([])
    expect(sim.resourceIds()).toEqual(resources)
  })

  describe('the same VM asked of ARM directly', () => {
    beforeAll(async () => {
      expect((await arm('PUT', '/resourcegroups/cc-direct', {location: 'westus2'})).status).toBe(201)
    })

    it.each(cases)('$what: ARM refuses the VM', async ({change, refused}) => {
      expect(await putVm(change)).toEqual(refused)
    })

    it('ARM gets past size, image and disk when they go together, to the network interface this test never made', async () => {
      expect(await putVm({storageType: 'Premium_LRS'})).toEqual({status: 400, code: 'InvalidResourceReference'})
      expect(await putVm({size: 'Standard_D2ps_v5', image: 'canonical:ubuntu-24_04-lts:server-arm64:latest'})).toEqual({status: 400, code: 'InvalidResourceReference'})
      expect(await putVm({size: 'Standard_A2_v2', image: 'canonical:ubuntu-24_04-lts:server-gen1:latest', storageType: 'Standard_LRS'})).toEqual({status: 400, code: 'InvalidResourceReference'})
      expect(sim.resourceIds().filter((id) => /virtualMachines|disks/i.test(id))).toEqual([])
    })
  })
})
