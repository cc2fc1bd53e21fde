import {execFile} from 'node:child_process'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, repoRoot, type RunResult} from '../harness/berth.js'
import {CloudMachineFiles, enginePid, issueDockerMachineServerCert, makeDockerMachinePki, setUpAsDockerMachine, sshShell, writeDockerMachineStore, type RootShell} from '../harness/docker-machine.js'
import {issueTestCert, makeTestCa} from '../harness/openssl.js'
import {snapshotTree} from '../harness/tree-snapshot.js'
import {startDigitalOceanSimulator, type DigitalOceanSimulator} from '../simulators/digitalocean/index.js'
import {TEST_CREDENTIALS, startEc2Simulator, type Ec2Simulator} from '../simulators/ec2/index.js'
import {TestHostPool} from '../hosts/index.js'
import {makeAsDockerMachine} from '../simulators/azure/docker-machine.js'
import {EngineInstall} from '../simulators/azure/engine-install.js'
import {startAzureSimulator, type AzureSimulator} from '../simulators/azure/index.js'

const FIXTURE = join(repoRoot, 'test', 'fixtures', 'docker-machine-store')

/**
 * A Docker Machine store whose one machine has the fixture's generic config.json with `driverName` and the given
 * Driver object instead: Docker Machine's HostOptions (engine, auth paths) are the same for every driver.
 */
async function dockerMachineStore(root: string, name: string, driverName: string, driver: Record<string, unknown>): Promise<void> {
  const ca = await makeTestCa({cn: 'tester'})
  const [server, client] = await Promise.all([issueTestCert(ca, 'server', {sans: ['IP:198.18.0.1'], days: 30}), issueTestCert(ca, 'client', {days: 30})])
  await mkdir(join(root, 'certs'), {recursive: true, mode: 0o700})
  const dir = join(root, 'machines', name)
  await mkdir(dir, {recursive: true, mode: 0o700})
  const files: Record<string, string> = {
    'certs/ca.pem': ca.certPem, 'certs/ca-key.pem': ca.keyPem, 'certs/cert.pem': client.certPem, 'certs/key.pem': client.keyPem,
    [`machines/${name}/server.pem`]: server.certPem, [`machines/${name}/server-key.pem`]: server.keyPem,
  }
  for (const [path, content] of Object.entries(files)) await writeFile(join(root, path), content, {mode: 0o600})
  await promisify(execFile)('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', join(dir, 'id_rsa')])
  const config = JSON.parse((await readFile(join(FIXTURE, 'machines', 'legacy-generic', 'config.json'), 'utf8')).replaceAll('/home/user/.docker/machine', root).replaceAll('legacy-generic', name)) as Record<string, unknown>
  const base = {IPAddress: '198.18.0.1', MachineName: name, SSHUser: 'ubuntu', SSHPort: 22, SSHKeyPath: join(dir, 'id_rsa'), StorePath: root, SwarmMaster: false, SwarmHost: '', SwarmDiscovery: ''}
  await writeFile(join(dir, 'config.json'), JSON.stringify({...config, DriverName: driverName, Driver: {...base, ...driver}}, null, 4), {mode: 0o600})
}

describe('import docker-machine: an amazonec2 machine, through the EC2 simulator', () => {
  let sandbox: BerthSandbox
  let sim: Ec2Simulator
  let source: string
  let instanceId: string
  let groupId: string

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    sim = await startEc2Simulator()
    // What Docker Machine made: an instance, the key pair it imported for it and its "docker-machine" group.
    const [instance] = sim.addInstances(1)
    instanceId = instance!.id
    const region = sim.region('us-east-1')
    groupId = 'sg-0d0c4e2a1b3f5a6c7'
    region.groups.push({id: groupId, name: 'docker-machine', description: 'Docker Machine', vpcId: instance!.vpcId, ingress: [], tags: [], isDefault: false})
    instance!.groupIds = [groupId]
    region.keyPairs.push({id: 'key-0a1b2c3d4e5f60718', name: 'aws1', publicKey: 'ssh-rsa AAAA', fingerprint: '00', type: 'rsa', tags: [], created: new Date()})
    source = join(sandbox.dir, 'docker-machine')
    await dockerMachineStore(source, 'aws1', 'amazonec2', {
      Id: 'b5f0c1d2', AccessKey: TEST_CREDENTIALS.accessKeyId, SecretKey: TEST_CREDENTIALS.secretAccessKey, SessionToken: '',
      Region: 'us-east-1', AMI: 'ami-0123456789abcdef0', SSHKeyID: 0, ExistingKey: false, KeyName: 'aws1', InstanceId: instanceId,
      InstanceType: 't3.micro', PrivateIPAddress: instance!.privateIp, SecurityGroupId: '', SecurityGroupIds: [groupId],
      SecurityGroupName: '', SecurityGroupNames: ['docker-machine'], SecurityGroupReadOnly: false, OpenPorts: null, Tags: '',
      ReservationId: instance!.reservationId, DeviceName: '/dev/sda1', RootSize: 16, VolumeType: 'gp2', IamInstanceProfile: '',
      VpcId: instance!.vpcId, SubnetId: instance!.subnetId, Zone: 'a', RequestSpotInstance: false, SpotPrice: '0.50',
      BlockDurationMinutes: 0, PrivateIPOnly: false, UsePrivateIP: false, UseEbsOptimizedInstance: false, Monitoring: false,
      SSHPrivateKeyPath: '', RetryCount: 5, Endpoint: sim.endpoint, DisableSSL: false, UserDataFile: '',
    })
  })

  afterAll(async () => {
    await sim?.stop()
    await sandbox?.dispose()
  })

  it('imports the machine: its address from EC2, its credentials in the 0600 credentials file and nowhere else', async () => {
    const before = await snapshotTree(source)
    const imported = await sandbox.run(['import', 'docker-machine', '--source', source])
    expect(imported.stderr).toBe('')
    expect(imported.code).toBe(0)
    const address = sim.region('us-east-1').instances[0]!.publicIp!
    expect(imported.stdout).toBe(`Imported "aws1" (amazonec2, tcp://${address}:2376)\n`)
    const machineDir = join(sandbox.storePath, 'machines', 'aws1')
    const config = await readFile(join(machineDir, 'config.json'), 'utf8')
    expect(config).not.toContain(TEST_CREDENTIALS.secretAccessKey)
    expect(config).not.toContain(TEST_CREDENTIALS.accessKeyId)
    expect((JSON.parse(config) as {resources: unknown}).resources).toEqual([{kind: 'instance', id: instanceId}, {kind: 'key-pair', id: 'aws1'}, {kind: 'security-group', id: groupId, name: 'docker-machine'}])
    expect(JSON.parse(await readFile(join(machineDir, 'credentials.json'), 'utf8'))).toEqual({'amazonec2-access-key': TEST_CREDENTIALS.accessKeyId, 'amazonec2-secret-key': TEST_CREDENTIALS.secretAccessKey})
    expect((await snapshotTree(machineDir))['credentials.json']).toMatch(/^600 /)
    expect((await sandbox.run(['inspect', 'aws1'])).stdout).not.toContain(TEST_CREDENTIALS.secretAccessKey)
    expect(await snapshotTree(source)).toEqual(before)
    // Later commands take the kept credentials: none are in the environment.
    expect((await sandbox.run(['status', 'aws1'])).stdout).toBe('Running\n')
    expect((await sandbox.run(['ip', 'aws1'])).stdout).toBe(`${address}\n`)
  })

  it('rm terminates the instance and removes the key pair and the group Docker Machine made', async () => {
    const removed = await sandbox.run(['rm', '-y', 'aws1'])
    expect(removed.stderr).not.toMatch(/^Error/m)
    expect(removed.code).toBe(0)
    await sim.settle()
    expect(sim.leftovers()).toEqual([])
  })
})

describe('import docker-machine: a digitalocean droplet, through the DigitalOcean simulator', () => {
  const token = 'dop_v1_dddd4444dddd4444dddd4444dddd4444dddd4444dddd4444dddd4444dddd4444'
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let sim: DigitalOceanSimulator
  let source: string
  let dropletId: number
  let keyId: number

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    sim = await startDigitalOceanSimulator({hosts: pool, tokens: [token]})
    source = join(sandbox.dir, 'docker-machine')
    await dockerMachineStore(source, 'do1', 'digitalocean', {})
    // What Docker Machine made: the machine's key imported into the account, and a droplet with it.
    const publicKey = await readFile(join(source, 'machines', 'do1', 'id_rsa.pub'), 'utf8')
    keyId = sim.addKey('do1', publicKey.trim(), token).id
    const created = await fetch(`${sim.endpoint}/v2/droplets`, {
      method: 'POST',
      headers: {'Authorization': `Bearer ${token}`, 'Content-Type': 'application/json'},
      body: JSON.stringify({name: 'do1', region: 'nyc3', size: 's-1vcpu-2gb', image: 'ubuntu-24-04-x64', ssh_keys: [keyId], tags: ['web']}),
    })
    dropletId = ((await created.json()) as {droplet: {id: number}}).droplet.id
    await sim.settle()
    const configPath = join(source, 'machines', 'do1', 'config.json')
    const config = JSON.parse(await readFile(configPath, 'utf8')) as {Driver: Record<string, unknown>}
    config.Driver = {
      ...config.Driver, IPAddress: sim.droplets()[0]!.ip, SSHUser: 'root', AccessToken: token, DropletID: dropletId, DropletName: 'do1',
      Image: 'ubuntu-24-04-x64', Region: 'nyc3', SSHKeyID: keyId, SSHKeyFingerprint: '', SSHKey: '', Size: 's-1vcpu-2gb', IPv6: false,
      Backups: false, PrivateNetworking: false, UserDataFile: '', Monitoring: false, Tags: 'web',
    }
    await writeFile(configPath, JSON.stringify(config, null, 4), {mode: 0o600})
  }, 120_000)

  afterAll(async () => {
    await sim?.stop()
    await pool?.dispose()
    await sandbox?.dispose()
  })

  it('imports the droplet with its token kept apart, and rm deletes the droplet and the key Docker Machine imported', async () => {
    const env = {DIGITALOCEAN_API_URL: sim.endpoint}
    const imported = await sandbox.run(['import', 'docker-machine', '--source', source], {env})
    expect(imported.stderr).toBe('')
    expect(imported.code).toBe(0)
    expect(imported.stdout).toBe(`Imported "do1" (digitalocean, tcp://${sim.droplets()[0]!.ip}:2376)\n`)
    const machineDir = join(sandbox.storePath, 'machines', 'do1')
    expect(await readFile(join(machineDir, 'config.json'), 'utf8')).not.toContain(token)
    expect(JSON.parse(await readFile(join(machineDir, 'credentials.json'), 'utf8'))).toEqual({'digitalocean-access-token': token})
    expect((await sandbox.run(['status', 'do1'])).stdout).toBe('Running\n')
    // The machine logs in with berth's copy of Docker Machine's key, the host's key pinned at first contact.
    const ssh = await sandbox.run(['ssh', 'do1', '--', 'hostname'])
    expect(ssh.code).toBe(0)
    expect((await snapshotTree(machineDir))['known_hosts']).toMatch(/^600 /)
    const removed = await sandbox.run(['rm', '-y', 'do1'])
    expect(removed.stderr).not.toMatch(/^Error/m)
    expect(removed.code).toBe(0)
    await sim.settle()
    expect(sim.droplets().filter((droplet) => !droplet.deleting)).toEqual([])
    expect(sim.keys()).toEqual([])
  })
})

describe('import docker-machine: an azure VM, through the Azure simulator, from import to rm', () => {
  const group = 'docker-machine'
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let sim: AzureSimulator
  let install: EngineInstall
  let source: string
  let sourceBefore: Record<string, string>
  let shell: RootShell
  let address: string
  let pidBefore: string

  // Where the cloud is: the simulator's CA, its endpoints, and the tenant Docker Machine found by itself.
  const berth = (args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> => sandbox.run(args, {env: {NODE_EXTRA_CA_CERTS: sim.caFile, ...env}})
  const docker = (args: string): Promise<RunResult> => sandbox.sh(`eval "$($BERTH env az1)" && docker ${args}`, {NODE_EXTRA_CA_CERTS: sim.caFile})

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    sim = await startAzureSimulator({hosts: pool})
    install = await EngineInstall.start(pool)
    source = join(sandbox.dir, 'docker-machine')
    const pki = await makeDockerMachinePki()
    await writeDockerMachineStore(source, pki)
    const machine = await CloudMachineFiles.generateKey(source, 'az1')
    await makeAsDockerMachine(sim, {
      group, name: 'az1', location: 'westus2', size: 'Standard_B2s', image: {publisher: 'canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest'},
      adminUser: 'docker-user', publicKey: machine.publicKey, vnet: 'docker-machine-vnet', subnet: 'docker-machine', subnetPrefix: '192.168.0.0/16', availabilitySet: 'docker-machine',
    })
    address = sim.vm(group, 'az1')!.address!
    const server = await issueDockerMachineServerCert(pki, 'az1', address)
    shell = sshShell('docker-user', address, machine.keyPath)
    await setUpAsDockerMachine(shell, {ca: pki.ca, server}, {hostname: 'az1', provider: 'azure', installUrl: install.url})
    await machine.write('azure', {
      ClientID: sim.principal.clientId, ClientSecret: sim.principal.clientSecret, Environment: 'AzurePublicCloud', SubscriptionID: sim.subscriptionId,
      ResourceGroup: group, DockerPort: 2376, Location: 'westus2', Size: 'Standard_B2s', Image: 'canonical:ubuntu-24_04-lts:server:latest',
      VirtualNetwork: 'docker-machine-vnet', SubnetName: 'docker-machine', SubnetPrefix: '192.168.0.0/16', AvailabilitySet: 'docker-machine',
      StorageType: 'Standard_LRS', OpenPorts: null, PrivateIPAddr: '', UsePrivateIP: false, NoPublicIP: false, DNSLabel: '', StaticPublicIP: true,
      CustomDataFile: '', SSHUser: 'docker-user',
    }, server, address)
    sourceBefore = await snapshotTree(source)
    pidBefore = await enginePid(shell)
  }, 400_000)

  afterAll(async () => {
    await sim?.stop()
    await install?.close()
    await pool?.dispose()
    await sandbox?.dispose()
  })

  it('imports the VM: its address from Azure, the client secret in the 0600 credentials file and nowhere else', async () => {
    const imported = await berth(['import', 'docker-machine', '--source', source], {
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
    expect(await snapshotTree(source)).toEqual(sourceBefore)
    // Later commands sign in with what was kept: no service principal, no endpoint in the environment.
    expect((await berth(['status', 'az1'])).stdout).toBe('Running\n')
    expect((await berth(['ip', 'az1'])).stdout).toBe(`${address}\n`)
    const ssh = await berth(['ssh', 'az1', '--', 'hostname'])
    expect(ssh.stdout).toBe('az1\n')
  })

  it('env and the docker CLI work at once, the engine untouched', async () => {
    const info = await docker(`info --format '{{json .Labels}}'`)
    expect(info.code).toBe(0)
    expect(info.stdout).toContain('provider=azure')
    expect(await enginePid(shell)).toBe(pidBefore)
  })

  it('provision takes the host over: berth\'s drop-in replaces Docker Machine\'s, the key becomes 0600; stop and start keep it', async () => {
    const provisioned = await berth(['provision', 'az1'])
    expect(provisioned.stderr).not.toMatch(/^Error/m)
    expect(provisioned.code).toBe(0)
    const left = await shell('ls /etc/systemd/system/docker.service.d/ | grep -v testhost; stat -c %a /etc/docker/server-key.pem')
    expect(left.stdout).toBe('10-berth.conf\n600\n')
    expect((await berth(['stop', 'az1'])).code).toBe(0)
    expect(sim.vm(group, 'az1')?.power).toBe('deallocated')
    const started = await berth(['start', 'az1'])
    expect(started.stderr).not.toMatch(/^Error/m)
    expect(started.code).toBe(0)
    const info = await docker(`info --format '{{json .Labels}}'`)
    expect(info.stdout).toContain('provider=azure')
  }, 300_000)

  it('rm deletes what Docker Machine made and leaves its resource group, as Docker Machine\'s rm did; the source is as it was', async () => {
    const removed = await berth(['rm', '-y', 'az1'])
    expect(removed.stderr).not.toMatch(/^Error/m)
    expect(removed.code).toBe(0)
    await sim.quiet()
    expect(sim.resourceIds()).toEqual([`/subscriptions/${sim.subscriptionId}/resourceGroups/${group}`])
    expect(sim.liveHosts).toEqual([])
    expect(await snapshotTree(source)).toEqual(sourceBefore)
  })
})
