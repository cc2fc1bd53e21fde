import {createRequire} from 'node:module'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, type RunResult} from '../harness/berth.js'
import {CloudMachineFiles, enginePid, issueDockerMachineServerCert, makeDockerMachinePki, setUpAsDockerMachine, sshShell, writeDockerMachineStore, type DockerMachinePki, type RootShell} from '../harness/docker-machine.js'
import {snapshotTree} from '../harness/tree-snapshot.js'
import {TestHostPool} from '../hosts/index.js'
import {makeAsDockerMachine} from '../simulators/azure/docker-machine.js'
import {EngineInstall} from '../simulators/azure/engine-install.js'
import {startAzureSimulator, type AzureSimulator} from '../simulators/azure/index.js'
import {startDigitalOceanSimulator, type DigitalOceanSimulator} from '../simulators/digitalocean/index.js'
import {TEST_CREDENTIALS, imageId, startEc2Simulator, type Ec2Simulator} from '../simulators/ec2/index.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
const ec2Sdk = createRequire(import.meta.url)('@aws-sdk/client-ec2') as typeof import('@aws-sdk/client-ec2')

// Each cloud driver's machine as Docker Machine left it, through the cloud's simulator: the instance Docker Machine
// made (with its key, under its names), whose test host runs the engine Docker Machine configured
// (installed from the install server as from get.docker.com, its drop-in, certificates from the store's CA, the
// server key 0644), and a store whose config.json points at the simulator. Then, for each: import, env and the
// real docker CLI at once with the engine's process unchanged, provision taking the host over, rm leaving nothing
// of what Docker Machine made; the source store byte for byte as it was.

/** One cloud machine made as Docker Machine made it, and what the shared steps below need of it. */
interface CloudMachine {
  sandbox: BerthSandbox
  name: string
  provider: string
  source: string
  sourceBefore: Record<string, string>
  /** Root on the instance, as Docker Machine reached it. */
  shell: RootShell
  enginePidBefore: string
  /** What every berth command needs to reach the simulator (its CA). */
  env: NodeJS.ProcessEnv
}

/** What each cloud's test needs besides its simulator: a sandbox, test hosts, the engine's install server, a store. */
interface TestBed {
  sandbox: BerthSandbox
  pool: TestHostPool
  install: EngineInstall
  source: string
  pki: DockerMachinePki
  /** The machine's key, made before the cloud makes the instance with it. */
  files: CloudMachineFiles
}

async function testBed(name: string): Promise<TestBed> {
  const sandbox = await BerthSandbox.create()
  const pool = new TestHostPool()
  const install = await EngineInstall.start(pool)
  const source = join(sandbox.dir, 'docker-machine')
  const pki = await makeDockerMachinePki()
  await writeDockerMachineStore(source, pki)
  return {sandbox, pool, install, source, pki, files: await CloudMachineFiles.generateKey(source, name)}
}

async function disposeTestBed(bed: TestBed | undefined, sim: {stop(): Promise<void>} | undefined): Promise<void> {
  await sim?.stop()
  await bed?.install.close()
  await bed?.pool.dispose()
  await bed?.sandbox.dispose()
}

/**
 * The instance at `address` finished as Docker Machine left it: its engine installed and configured over SSH as
 * `user`, the machine's config.json (the Driver object given) and server certificate in the store.
 */
async function readyToImport(bed: TestBed, instance: {address: string; user: string}, driverName: string, driver: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): Promise<CloudMachine> {
  const {sandbox, source, pki, files} = bed
  const server = await issueDockerMachineServerCert(pki, files.name, instance.address)
  const shell = sshShell(instance.user, instance.address, files.keyPath)
  await setUpAsDockerMachine(shell, {ca: pki.ca, server}, {hostname: files.name, provider: driverName, installUrl: bed.install.url})
  await files.write(driverName, driver, server, instance.address)
  return {sandbox, name: files.name, provider: driverName, source, sourceBefore: await snapshotTree(source), shell, enginePidBefore: await enginePid(shell), env}
}

/** env + the docker CLI at once, the engine untouched; then provision takes the host over. */
function provesEngineTakeOver(machine: () => CloudMachine): void {
  const berth = (args: readonly string[]): Promise<RunResult> => machine().sandbox.run(args, {env: machine().env})
  const dockerLabels = (): Promise<RunResult> => machine().sandbox.sh(`eval "$($BERTH env ${machine().name})" && docker info --format '{{json .Labels}}'`, machine().env)

  it('env and the docker CLI work at once, the engine untouched; ssh reaches the host', async () => {
    const {name, provider, shell, enginePidBefore} = machine()
    const info = await dockerLabels()
    expect(info.code).toBe(0)
    expect(info.stdout).toContain(`provider=${provider}`)
    expect(await enginePid(shell)).toBe(enginePidBefore)
    expect((await berth(['ssh', name, '--', 'hostname'])).stdout).toBe(`${name}\n`)
  })

  it('provision takes the host over: berth\'s drop-in replaces Docker Machine\'s, the key becomes 0600', async () => {
    const {name, provider, shell} = machine()
    const provisioned = await berth(['provision', name])
    expect(provisioned.stderr).not.toMatch(/^Error/m)
    expect(provisioned.code).toBe(0)
    const left = await shell('ls /etc/systemd/system/docker.service.d/ | grep -v testhost; stat -c %a /etc/docker/server-key.pem')
    expect(left.stdout).toBe('10-berth.conf\n600\n')
    const info = await dockerLabels()
    expect(info.code).toBe(0)
    expect(info.stdout).toContain(`provider=${provider}`)
  }, 300_000)
}

/** rm deletes what Docker Machine made (`gone` checks the simulator), and the source store never changed. */
function provesRemoval(machine: () => CloudMachine, what: string, gone: () => Promise<void>): void {
  it(`rm ${what}; the Docker Machine store is byte for byte as it was`, async () => {
    const {sandbox, name, env, source, sourceBefore} = machine()
    const removed = await sandbox.run(['rm', '-y', name], {env})
    expect(removed.stderr).not.toMatch(/^Error/m)
    expect(removed.code).toBe(0)
    await gone()
    expect(await snapshotTree(source)).toEqual(sourceBefore)
  })
}

describe('import docker-machine: an amazonec2 machine, through the EC2 simulator', () => {
  let bed: TestBed
  let machine: CloudMachine
  let sim: Ec2Simulator
  let instanceId: string
  let groupId: string
  let address: string

  beforeAll(async () => {
    bed = await testBed('aws1')
    sim = await startEc2Simulator({hosts: bed.pool})
    // What Docker Machine made: the key pair it imported, its "docker-machine" group, the instance with both.
    const ec2 = new ec2Sdk.EC2Client({region: 'us-east-1', endpoint: sim.endpoint, credentials: TEST_CREDENTIALS})
    await ec2.send(new ec2Sdk.ImportKeyPairCommand({KeyName: 'aws1', PublicKeyMaterial: Buffer.from(bed.files.publicKey)}))
    const vpcId = (await ec2.send(new ec2Sdk.DescribeVpcsCommand({Filters: [{Name: 'is-default', Values: ['true']}]}))).Vpcs![0]!.VpcId!
    groupId = (await ec2.send(new ec2Sdk.CreateSecurityGroupCommand({GroupName: 'docker-machine', Description: 'Docker Machine', VpcId: vpcId}))).GroupId!
    const ami = imageId('us-east-1', 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261105')
    const launched = await ec2.send(new ec2Sdk.RunInstancesCommand({ImageId: ami, InstanceType: 't3.micro', KeyName: 'aws1', SecurityGroupIds: [groupId], MinCount: 1, MaxCount: 1}))
    instanceId = launched.Instances![0]!.InstanceId!
    ec2.destroy()
    await sim.settle()
    const instance = sim.region('us-east-1').instances.find((candidate) => candidate.id === instanceId)!
    address = instance.publicIp!
    machine = await readyToImport(bed, {address, user: 'ubuntu'}, 'amazonec2', {
      Id: 'b5f0c1d2', AccessKey: TEST_CREDENTIALS.accessKeyId, SecretKey: TEST_CREDENTIALS.secretAccessKey, SessionToken: '',
      Region: 'us-east-1', AMI: ami, SSHKeyID: 0, ExistingKey: false, KeyName: 'aws1', InstanceId: instanceId,
      InstanceType: 't3.micro', PrivateIPAddress: instance.privateIp, SecurityGroupId: '', SecurityGroupIds: [groupId],
      SecurityGroupName: '', SecurityGroupNames: ['docker-machine'], SecurityGroupReadOnly: false, OpenPorts: null, Tags: '',
      ReservationId: instance.reservationId, DeviceName: '/dev/sda1', RootSize: 16, VolumeType: 'gp2', IamInstanceProfile: '',
      VpcId: instance.vpcId, SubnetId: instance.subnetId, Zone: 'a', RequestSpotInstance: false, SpotPrice: '0.50',
      BlockDurationMinutes: 0, PrivateIPOnly: false, UsePrivateIP: false, UseEbsOptimizedInstance: false, Monitoring: false,
      SSHPrivateKeyPath: '', RetryCount: 5, Endpoint: sim.endpoint, DisableSSL: false, UserDataFile: '',
    })
  }, 400_000)

  afterAll(() => disposeTestBed(bed, sim))

  it('imports the machine: its address from EC2, its credentials in the 0600 credentials file and nowhere else', async () => {
    const {sandbox} = machine
    const imported = await sandbox.run(['import', 'docker-machine', '--source', machine.source])
    expect(imported.stderr).toBe('')
    expect(imported.code).toBe(0)
    expect(imported.stdout).toBe(`Imported "aws1" (amazonec2, tcp://${address}:2376)\n`)
    const machineDir = join(sandbox.storePath, 'machines', 'aws1')
    const config = await readFile(join(machineDir, 'config.json'), 'utf8')
    expect(config).not.toContain(TEST_CREDENTIALS.secretAccessKey)
    expect(config).not.toContain(TEST_CREDENTIALS.accessKeyId)
    expect((JSON.parse(config) as {resources: unknown}).resources).toEqual([{kind: 'instance', id: instanceId}, {kind: 'key-pair', id: 'aws1'}, {kind: 'security-group', id: groupId, name: 'docker-machine'}])
    expect(JSON.parse(await readFile(join(machineDir, 'credentials.json'), 'utf8'))).toEqual({'amazonec2-access-key': TEST_CREDENTIALS.accessKeyId, 'amazonec2-secret-key': TEST_CREDENTIALS.secretAccessKey})
    expect((await snapshotTree(machineDir))['credentials.json']).toMatch(/^600 /)
    expect((await sandbox.run(['inspect', 'aws1'])).stdout).not.toContain(TEST_CREDENTIALS.secretAccessKey)
    // Later commands take the kept credentials: none are in the environment.
    expect((await sandbox.run(['status', 'aws1'])).stdout).toBe('Running\n')
    expect((await sandbox.run(['ip', 'aws1'])).stdout).toBe(`${address}\n`)
  })

  provesEngineTakeOver(() => machine)
  provesRemoval(() => machine, 'terminates the instance and removes the key pair and the group Docker Machine made', async () => {
    await sim.settle()
    expect(sim.leftovers()).toEqual([])
  })
})

describe('import docker-machine: a digitalocean droplet, through the DigitalOcean simulator', () => {
  const token = 'dop_v1_dddd4444dddd4444dddd4444dddd4444dddd4444dddd4444dddd4444dddd4444'
  let bed: TestBed
  let machine: CloudMachine
  let sim: DigitalOceanSimulator
  let address: string

  beforeAll(async () => {
    bed = await testBed('do1')
    sim = await startDigitalOceanSimulator({hosts: bed.pool, tokens: [token]})
    // What Docker Machine made: the machine's key imported into the account, and a droplet with it.
    const keyId = sim.addKey('do1', bed.files.publicKey, token).id
    const created = await fetch(`${sim.endpoint}/v2/droplets`, {
      method: 'POST',
      headers: {'Authorization': `Bearer ${token}`, 'Content-Type': 'application/json'},
      body: JSON.stringify({name: 'do1', region: 'nyc3', size: 's-1vcpu-2gb', image: 'ubuntu-24-04-x64', ssh_keys: [keyId], tags: ['web']}),
    })
    const dropletId = ((await created.json()) as {droplet: {id: number}}).droplet.id
    await sim.settle()
    address = sim.droplets()[0]!.ip!
    machine = await readyToImport(bed, {address, user: 'root'}, 'digitalocean', {
      SSHUser: 'root', AccessToken: token, DropletID: dropletId, DropletName: 'do1', Image: 'ubuntu-24-04-x64', Region: 'nyc3', SSHKeyID: keyId,
      SSHKeyFingerprint: '', SSHKey: '', Size: 's-1vcpu-2gb', IPv6: false, Backups: false, PrivateNetworking: false, UserDataFile: '', Monitoring: false, Tags: 'web',
    })
  }, 400_000)

  afterAll(() => disposeTestBed(bed, sim))

  it('imports the droplet with its token kept apart; later commands need no token in the environment', async () => {
    const {sandbox} = machine
    const imported = await sandbox.run(['import', 'docker-machine', '--source', machine.source], {env: {DIGITALOCEAN_API_URL: sim.endpoint}})
    expect(imported.stderr).toBe('')
    expect(imported.code).toBe(0)
    expect(imported.stdout).toBe(`Imported "do1" (digitalocean, tcp://${address}:2376)\n`)
    const machineDir = join(sandbox.storePath, 'machines', 'do1')
    expect(await readFile(join(machineDir, 'config.json'), 'utf8')).not.toContain(token)
    expect(JSON.parse(await readFile(join(machineDir, 'credentials.json'), 'utf8'))).toEqual({'digitalocean-access-token': token})
    expect((await sandbox.run(['status', 'do1'])).stdout).toBe('Running\n')
  })

  provesEngineTakeOver(() => machine)
  provesRemoval(() => machine, 'deletes the droplet and the key Docker Machine imported', async () => {
    await sim.settle()
    expect(sim.droplets().filter((droplet) => !droplet.deleting)).toEqual([])
    expect(sim.keys()).toEqual([])
  })
})

describe('import docker-machine: an azure VM, through the Azure simulator', () => {
  const group = 'docker-machine'
  let bed: TestBed
  let machine: CloudMachine
  let sim: AzureSimulator
  let address: string

  // The simulator's CA, which every process that talks to it must trust from its start.
  const berth = (args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> => machine.sandbox.run(args, {env: {...machine.env, ...env}})

  beforeAll(async () => {
    bed = await testBed('az1')
    sim = await startAzureSimulator({hosts: bed.pool})
    await makeAsDockerMachine(sim, {
      group, name: 'az1', location: 'westus2', size: 'Standard_B2s', image: {publisher: 'canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest'},
      adminUser: 'docker-user', publicKey: bed.files.publicKey, vnet: 'docker-machine-vnet', subnet: 'docker-machine', subnetPrefix: '192.168.0.0/16', availabilitySet: 'docker-machine',
    })
    address = sim.vm(group, 'az1')!.address!
    machine = await readyToImport(bed, {address, user: 'docker-user'}, 'azure', {
      ClientID: sim.principal.clientId, ClientSecret: sim.principal.clientSecret, Environment: 'AzurePublicCloud', SubscriptionID: sim.subscriptionId,
      ResourceGroup: group, DockerPort: 2376, Location: 'westus2', Size: 'Standard_B2s', Image: 'canonical:ubuntu-24_04-lts:server:latest',
      VirtualNetwork: 'docker-machine-vnet', SubnetName: 'docker-machine', SubnetPrefix: '192.168.0.0/16', AvailabilitySet: 'docker-machine',
      StorageType: 'Standard_LRS', OpenPorts: null, PrivateIPAddr: '', UsePrivateIP: false, NoPublicIP: false, DNSLabel: '', StaticPublicIP: true,
      CustomDataFile: '', SSHUser: 'docker-user',
    }, {NODE_EXTRA_CA_CERTS: sim.caFile})
  }, 400_000)

  afterAll(() => disposeTestBed(bed, sim))

  it('without the tenant its service principal needs, the VM is refused in one line naming the fix, and nothing is written', async () => {
    const refused = await berth(['import', 'docker-machine', '--source', machine.source], {AZURE_RESOURCE_MANAGER_ENDPOINT: sim.endpoint, AZURE_AUTHORITY_HOST: sim.authorityHost})
    expect(refused.code).toBe(1)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toBe([
      'Error: Cannot import "az1": its service principal ("Driver.ClientID") needs its tenant, which Docker Machine looked up by itself. Set AZURE_TENANT_ID to the tenant of the subscription and import it again.',
      'Error: 1 of 1 machines could not be imported.',
      '',
    ].join('\n'))
    expect(await snapshotTree(join(machine.sandbox.storePath, 'machines'))).toEqual({})
  })

  it('imports the VM: its address from Azure, the client secret in the 0600 credentials file and nowhere else', async () => {
    const {sandbox} = machine
    // The tenant Docker Machine found by itself, and where this cloud is; later commands read them from the machine.
    const imported = await berth(['import', 'docker-machine', '--source', machine.source], {
      AZURE_TENANT_ID: sim.principal.tenantId, AZURE_RESOURCE_MANAGER_ENDPOINT: sim.endpoint, AZURE_AUTHORITY_HOST: sim.authorityHost,
    })
    expect(imported.stderr).toBe('')
    expect(imported.code).toBe(0)
    expect(imported.stdout).toBe(`Imported "az1" (azure, tcp://${address}:2376)\n`)
    const machineDir = join(sandbox.storePath, 'machines', 'az1')
    const config = await readFile(join(machineDir, 'config.json'), 'utf8')
    expect(config).not.toContain(sim.principal.clientSecret)
    const ids = `/subscriptions/${sim.subscriptionId}/resourceGroups/${group}/providers`
    expect((JSON.parse(config) as {resources: unknown}).resources).toEqual([
      {kind: 'azure-virtual-machine', id: `${ids}/Microsoft.Compute/virtualMachines/az1`},
      {kind: 'azure-os-disk', id: `${ids}/Microsoft.Compute/disks/az1-os-disk`},
      {kind: 'azure-network-interface', id: `${ids}/Microsoft.Network/networkInterfaces/az1-nic`},
      {kind: 'azure-public-ip', id: `${ids}/Microsoft.Network/publicIPAddresses/az1-ip`},
      {kind: 'azure-network-security-group', id: `${ids}/Microsoft.Network/networkSecurityGroups/az1-firewall`},
      {kind: 'azure-subnet', id: `${ids}/Microsoft.Network/virtualNetworks/docker-machine-vnet/subnets/docker-machine`},
      {kind: 'azure-virtual-network', id: `${ids}/Microsoft.Network/virtualNetworks/docker-machine-vnet`},
      {kind: 'azure-availability-set', id: `${ids}/Microsoft.Compute/availabilitySets/docker-machine`},
    ])
    expect(JSON.parse(await readFile(join(machineDir, 'credentials.json'), 'utf8'))).toEqual({'azure-client-secret': sim.principal.clientSecret})
    expect((await snapshotTree(machineDir))['credentials.json']).toMatch(/^600 /)
    const inspect = await berth(['--debug', 'inspect', 'az1'])
    expect(`${inspect.stdout}${inspect.stderr}`).not.toContain(sim.principal.clientSecret)
    expect((await berth(['status', 'az1'])).stdout).toBe('Running\n')
    expect((await berth(['ip', 'az1'])).stdout).toBe(`${address}\n`)
  })

  provesEngineTakeOver(() => machine)

  it('stop deallocates the VM and start brings it and its engine back', async () => {
    expect((await berth(['stop', 'az1'])).code).toBe(0)
    expect(sim.vm(group, 'az1')?.power).toBe('deallocated')
    const started = await berth(['start', 'az1'])
    expect(started.stderr).not.toMatch(/^Error/m)
    expect(started.code).toBe(0)
    expect((await machine.sandbox.sh(`eval "$($BERTH env az1)" && docker version --format '{{.Server.Version}}'`, machine.env)).code).toBe(0)
  }, 300_000)

  provesRemoval(() => machine, 'deletes what Docker Machine made and leaves its resource group, as Docker Machine\'s rm did', async () => {
    await sim.quiet()
    expect(sim.resourceIds()).toEqual([`/subscriptions/${sim.subscriptionId}/resourceGroups/${group}`])
    expect(sim.liveHosts).toEqual([])
  })
})
