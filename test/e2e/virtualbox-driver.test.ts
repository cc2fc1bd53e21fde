import {createHash, randomBytes} from 'node:crypto'
import {chmod, mkdir, readFile, writeFile} from 'node:fs/promises'
import {createServer as createHttpServer} from 'node:http'
import {createServer, type AddressInfo} from 'node:net'
import {dirname, join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {rangeOf, overlaps, ipToInt} from '../../drivers/virtualbox/network.js'
import {BerthSandbox, type RunResult} from '../harness/berth.js'
import {busyboxTarball} from '../harness/busybox-image.js'
import {dockerViaEnv, proveDockerWorks} from '../harness/docker-via-env.js'
import {startEngineInstallServer} from '../harness/engine-install.js'
import type {InstallServer} from '../harness/install-server.js'
import {TestHostPool} from '../hosts/index.js'
import {run, runOk} from '../hosts/run.js'
import {makeVBoxSimulator, startVBoxBacking, type VBoxBacking, type VBoxSimulator} from '../simulators/vboxmanage/index.js'

// The virtualbox driver through the real CLI against the VBoxManage simulator backed by test hosts (root): each
// startvm boots a host from the seed ISO berth wrote, its NAT rule becomes a real forwarder on 127.0.0.1 and its
// static host-only address a real one; berth's provisioner installs the engine from the install server. Needs the
// compiled simulator (npm run build).

/** A create or a start boots a host and installs or restarts an engine: generous, for a machine shared with other runs. */
const STEP_MS = 400_000
/**
 * A route the test adds to the host, over the default first choice, on an interface of its own (a veth pair), named
 * after this process so that runs on one machine never meet.
 */
const ROUTE_DEVICE = `bvbx${process.pid}`
const READ_ONLY = new Set(['--version', 'list', 'showvminfo'])

const errorLines = (result: RunResult): string[] => result.stderr.split('\n').filter((line) => line.startsWith('Error'))

describe('virtualbox driver on the VBoxManage simulator', () => {
  let sandbox: BerthSandbox
  let sim: VBoxSimulator
  let pool: TestHostPool
  let backing: VBoxBacking
  let install: {url: string, server: InstallServer}
  let busybox: Awaited<ReturnType<typeof busyboxTarball>>
  /** A raw image (berth converts it with convertfromraw) and a VMDK one (cloned), with their digests. */
  let image: string
  let digest: string
  let vmdk: string
  let vmdkDigest: string
  let callLog: string
  let env: NodeJS.ProcessEnv

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    sim = await makeVBoxSimulator()
    pool = new TestHostPool()
    backing = await startVBoxBacking({simulator: sim, pool})
    // A host whose only job is to give the install server an address every VM's host reaches.
    const anchor = await pool.up('vbox-anchor', {init: 'sysv'})
    install = await startEngineInstallServer(anchor.gateway)
    busybox = await busyboxTarball()
    // The image: any bytes do, the host backing boots a test host whatever the disk holds; berth checks its digest.
    image = join(sandbox.dir, 'cloud.raw')
    const bytes = randomBytes(2 * 2 ** 20)
    await writeFile(image, bytes)
    digest = createHash('sha256').update(bytes).digest('hex')
    vmdk = join(sandbox.dir, 'cloud.vmdk')
    const vmdkBytes = Buffer.concat([Buffer.from('KDMV'), randomBytes(2 ** 20)])
    await writeFile(vmdk, vmdkBytes)
    vmdkDigest = createHash('sha256').update(vmdkBytes).digest('hex')
    // VBoxManage on PATH is a wrapper that notes, for each call, berth's pid and the pid holding the store's lock.
    const bin = join(sandbox.dir, 'vbox-bin')
    await mkdir(bin)
    callLog = join(sandbox.dir, 'vbox-calls.log')
    await writeFile(join(bin, 'VBoxManage'), [
      '#!/bin/sh',
      `owner=$(sed -n 's/.*"pid":\\([0-9]*\\).*/\\1/p' '${join(sandbox.storePath, 'virtualbox', '.lock')}' 2>/dev/null)`,
      `printf '%s %s %s\\n' "$PPID" "\${owner:-none}" "$1" >> '${callLog}'`,
      `exec '${sim.bin}' "$@"`,
      '',
    ].join('\n'))
    await chmod(join(bin, 'VBoxManage'), 0o755)
    env = {PATH: `${bin}:${process.env.PATH}`, BERTH_VBOX_SIM_DIR: sim.dir, BERTH_VIRTUALBOX_NETWORKS_CONF: join(sim.dir, 'networks.conf')}
  }, STEP_MS)

  afterAll(async () => {
    // Each step runs even when one before it failed; the first failure is reported.
    const results = await Promise.allSettled([run('ip', ['link', 'del', ROUTE_DEVICE]), backing?.stop(), install?.server.close()])
    results.push(...await Promise.allSettled([pool?.dispose()]))
    results.push(...await Promise.allSettled([sim?.remove(), busybox?.remove(), sandbox?.dispose()]))
    const failed = results.slice(1).find((result) => result.status === 'rejected')
    if (failed) throw failed.reason
  }, STEP_MS)

  const berth = (args: readonly string[]): Promise<RunResult> => sandbox.run(args, {env})
  const create = (name: string, ...flags: string[]) => berth(['create', '-d', 'virtualbox', '--virtualbox-no-vtx-check',
    ...(flags.includes('--virtualbox-image-url') ? [] : ['--virtualbox-image-url', image, '--virtualbox-image-checksum', `sha256:${digest}`]),
    '--engine-install-url', install.url, ...flags, name])
  const vmInfo = async (name: string): Promise<Record<string, string>> => {
    const result = await sim.run('showvminfo', name, '--machinereadable')
    expect(result.code, result.stderr).toBe(0)
    return Object.fromEntries(result.stdout.split('\n').map((line) => /^"?([^"=]+)"?="?(.*?)"?$/.exec(line)).filter((match) => match !== null).map((match) => [match[1]!, match[2]!]))
  }
  const registry = async () => JSON.parse(await readFile(join(sandbox.storePath, 'virtualbox', 'networks.json'), 'utf8')) as {interfaces: Record<string, {cidr: string}>, leases: Record<string, {machine: string, interface: string}>, ports: Record<string, string>}
  /** Nothing berth made is left in the simulator's world, the host backing or the store's network records. */
  const expectNothingLeft = async () => {
    const world = await sim.world()
    expect({vms: world.vms, media: world.media, hostonlyifs: world.hostonlyifs, dhcpservers: world.dhcpservers}).toEqual({vms: [], media: [], hostonlyifs: [], dhcpservers: []})
    expect(backing.forwards()).toEqual([])
    expect(await registry()).toEqual({interfaces: {}, leases: {}, ports: {}})
  }

  it('berth drivers finds VBoxManage and its version, and says what to do without it or with an old one', async () => {
    const health = async (extra: NodeJS.ProcessEnv) => {
      const listed = await sandbox.run(['drivers', '--json'], {env: {...env, ...extra}})
      expect(listed.code, listed.stderr).toBe(0)
      return (JSON.parse(listed.stdout) as Array<{name: string, health: unknown}>).find((driver) => driver.name === 'virtualbox')?.health
    }
    expect(await health({})).toEqual({installed: true, healthy: true})
    expect(await health({BERTH_VBOX_SIM_VERSION: '6.0.24r139119'})).toEqual({installed: true, healthy: false, problem: 'VirtualBox 6.0.24r139119 is too old: berth needs 6.1 or later.', fix: expect.stringContaining('Install VirtualBox 6.1 or later') as unknown})
    // Only node's own directory on PATH (none of VBoxManage's usual places exists on the test machines).
    expect(await health({PATH: dirname(process.execPath)})).toEqual({installed: false, healthy: false, problem: 'VBoxManage was not found on PATH or in VirtualBox\'s usual install locations.', fix: expect.stringContaining('virtualbox.org') as unknown})
  })

  it('create boots the VM from its seed at a fixed host-only address, retrying "object not ready", and docker runs there', async () => {
    const startvms = (await sim.world()).calls.startvm ?? 0
    await sim.inject({command: 'startvm', call: startvms + 1, times: 2, message: ['The object is not ready', 'Details: code VBOX_E_INVALID_OBJECT_STATE (0x80bb0007), component MachineWrap, interface IMachine']})
    // Without -d, create takes virtualbox: the best local driver, and it works here (the simulator is on PATH).
    const created = await berth(['create', '--virtualbox-no-vtx-check', '--virtualbox-image-url', image, '--virtualbox-image-checksum', `sha256:${digest}`, '--engine-install-url', install.url, 'vb1'])
    expect(errorLines(created), created.stderr).toEqual([])
    expect(created.code).toBe(0)
    expect(created.stderr).toContain('No driver given (-d): using virtualbox, the best local driver that works here.')

    const info = await vmInfo('vb1')
    expect(info).toMatchObject({VMState: 'running', nic1: 'nat', nic2: 'hostonly', memory: '2048', cpus: '2', ostype: 'Linux_64'})
    // The image is not berth's default cloud image, so the home folder is shared as Docker Machine shared it.
    expect(info).toMatchObject({SharedFolderNameMachineMapping1: 'hosthome', SharedFolderPathMachineMapping1: '/home'})
    const world = await sim.world()
    const hif = world.hostonlyifs.find((candidate) => candidate.name === info.hostonlyadapter2)!
    expect(hif.netmask).toBe('255.255.255.0')
    expect(world.dhcpservers.map((server) => server.networkName)).toEqual([`HostInterfaceNetworking-${hif.name}`])
    // The disk is the raw image converted to VDI and grown; the image itself is not opened in VirtualBox.
    expect(world.media.map((medium) => [medium.kind, medium.format, medium.capacityMb])).toEqual([['hdd', 'VDI', 20000], ['dvd', 'RAW', 1]])
    expect((await sim.calls()).filter((call) => call.argv[0] === 'convertfromraw').map((call) => call.argv.slice(1))).toEqual([[image, join(sandbox.storePath, 'machines', 'vb1', 'disk.vdi'), '--format', 'VDI']])
    // The transient failures were retried: two refused startvm calls, then the one that worked.
    const calls = (await sim.calls()).filter((call) => call.argv[0] === 'startvm')
    expect(calls.map((call) => call.exitCode)).toEqual([1, 1, 0])

    const address = (await berth(['ip', 'vb1'])).stdout.trim()
    expect(address).toBe(`${hif.ip.split('.').slice(0, 3).join('.')}.10`)
    expect(backing.host('vb1')).toBeDefined()
    expect(backing.forwards()).toEqual([{vm: info.UUID, rule: 'ssh', hostIp: '127.0.0.1', hostPort: Number(info['Forwarding(0)']!.split(',')[3])}])
    expect((await berth(['url', 'vb1'])).stdout).toBe(`tcp://${address}:2376\n`)
    await proveDockerWorks(sandbox, 'vb1', busybox.path)
  }, STEP_MS)

  it('stop powers the VM off through ACPI; start brings it back at the same address with the certificate still valid, moving SSH off a taken port', async () => {
    const address = (await berth(['ip', 'vb1'])).stdout.trim()
    const certificate = await readFile(join(sandbox.storePath, 'machines', 'vb1', 'server.pem'), 'utf8')
    const stopped = await berth(['stop', 'vb1'])
    expect(errorLines(stopped), stopped.stderr).toEqual([])
    expect((await vmInfo('vb1')).VMState).toBe('poweroff')
    expect(backing.host('vb1')?.running).toBe(false)
    expect((await sim.calls()).some((call) => call.argv.join(' ').endsWith('acpipowerbutton'))).toBe(true)
    expect((await berth(['status', 'vb1'])).stdout).toBe('Stopped\n')

    // Another program took the SSH port while the VM was off: start forwards SSH from a new one.
    const oldPort = Number((await vmInfo('vb1'))['Forwarding(0)']!.split(',')[3])
    const squatter = createServer()
    await new Promise<void>((resolve) => squatter.listen(oldPort, '127.0.0.1', resolve))
    let started: RunResult
    try {
      started = await berth(['start', 'vb1'])
    } finally {
      await new Promise((resolve) => squatter.close(resolve))
    }
    expect(errorLines(started), started.stderr).toEqual([])
    expect(started.stderr).not.toMatch(/regenerat/i)
    expect(started.stderr).toContain(`(127.0.0.1:${oldPort} is taken)`)
    const newPort = Number((await vmInfo('vb1'))['Forwarding(0)']!.split(',')[3])
    expect(newPort).not.toBe(oldPort)
    const ssh = await berth(['ssh', 'vb1', 'hostname'])
    expect(ssh.stdout, ssh.stderr).toBe('vb1\n')
    expect((await berth(['ip', 'vb1'])).stdout.trim()).toBe(address)
    expect((await berth(['ls', '--format', '{{.Name}} {{.DriverName}} {{.State}} {{.URL}}'])).stdout).toBe(`vb1 virtualbox Running tcp://${address}:2376\n`)
    expect(await readFile(join(sandbox.storePath, 'machines', 'vb1', 'server.pem'), 'utf8')).toBe(certificate)
    const version = await dockerViaEnv(sandbox, 'vb1', ['version', '--format', '{{.Server.Version}}'])
    expect(version.stderr).toBe('')
    expect(version.code).toBe(0)
  }, STEP_MS)

  it('rm removes the VM, its disk and seed, the host-only network and the DHCP server berth made', async () => {
    const removed = await berth(['rm', '-y', 'vb1'])
    expect(errorLines(removed), removed.stderr).toEqual([])
    expect(removed.code).toBe(0)
    await expectNothingLeft()
    expect(backing.host('vb1')).toBeUndefined()
    expect((await berth(['ls', '-q'])).stdout).toBe('')
  }, STEP_MS)

  it('restart and kill work; stop powers off a guest that ignores the ACPI button once the stop timeout passes', async () => {
    const created = await create('vb4', '--virtualbox-image-url', vmdk, '--virtualbox-image-checksum', `sha256:${vmdkDigest}`,
      '--virtualbox-stop-timeout', '2', '--virtualbox-no-share', '--virtualbox-memory', '1024', '--virtualbox-cpu-count', '1')
    expect(errorLines(created), created.stderr).toEqual([])
    // A VMDK is cloned into the VM's VDI, and the image is closed again in VirtualBox's registry.
    const clones = (await sim.calls()).filter((call) => call.argv[0] === 'clonemedium')
    expect(clones.map((call) => call.argv.slice(1))).toEqual([['disk', vmdk, join(sandbox.storePath, 'machines', 'vb4', 'disk.vdi'), '--format', 'VDI']])
    expect((await sim.world()).media.map((medium) => [medium.kind, medium.format, medium.location])).toEqual([['hdd', 'VDI', join(sandbox.storePath, 'machines', 'vb4', 'disk.vdi')], ['dvd', 'RAW', join(sandbox.storePath, 'machines', 'vb4', 'seed.iso')]])
    const info = await vmInfo('vb4')
    expect(info).toMatchObject({memory: '1024', cpus: '1'})
    expect(info).not.toHaveProperty('SharedFolderNameMachineMapping1')
    const restarted = await berth(['restart', 'vb4'])
    expect(errorLines(restarted), restarted.stderr).toEqual([])
    expect((await vmInfo('vb4')).VMState).toBe('running')

    await sim.ignoreAcpi('vb4')
    const stopped = await berth(['stop', 'vb4'])
    expect(errorLines(stopped), stopped.stderr).toEqual([])
    expect(stopped.stderr).toContain('did not shut down within 2s of the ACPI power button; powering the VM off')
    expect((await vmInfo('vb4')).VMState).toBe('poweroff')
    await sim.ignoreAcpi()

    expect((await berth(['start', 'vb4'])).code).toBe(0)
    const killed = await berth(['kill', 'vb4'])
    expect(errorLines(killed), killed.stderr).toEqual([])
    expect((await vmInfo('vb4')).VMState).toBe('poweroff')
    const removed = await berth(['rm', '-y', 'vb4'])
    expect(errorLines(removed), removed.stderr).toEqual([])
    await expectNothingLeft()
  }, STEP_MS)

  it('a failing VBoxManage step rolls the create back, leaving nothing', async () => {
    const attaches = (await sim.world()).calls.storageattach ?? 0
    await sim.inject({command: 'storageattach', call: attaches + 2})
    const created = await create('vbfail')
    expect(created.code).toBe(1)
    expect(errorLines(created)).toEqual([expect.stringMatching(/^Error: VBoxManage storageattach failed: Injected failure of 'storageattach'/)])
    expect(created.stderr).toContain('everything made for "vbfail" was removed')
    await expectNothingLeft()
    expect((await berth(['ls', '-q'])).stdout).toBe('')
  }, STEP_MS)

  it('rm finds the VM of a create cut off before it recorded the VM, by its name and folder', async () => {
    const attaches = (await sim.world()).calls.storageattach ?? 0
    await sim.inject({command: 'storageattach', call: attaches + 1})
    const created = await create('vbcut', '--keep-on-failure')
    expect(created.code).toBe(1)
    // As if berth had died right after createvm: the machine's record has everything but the VM.
    const configPath = join(sandbox.storePath, 'machines', 'vbcut', 'config.json')
    const config = JSON.parse(await readFile(configPath, 'utf8')) as {resources: Array<{kind: string}>}
    config.resources = config.resources.filter((resource) => resource.kind !== 'virtualbox-vm')
    await writeFile(configPath, JSON.stringify(config))
    expect((await sim.world()).vms.map((vm) => vm.name)).toEqual(['vbcut'])
    const removed = await berth(['rm', '-y', 'vbcut'])
    expect(errorLines(removed), removed.stderr).toEqual([])
    await expectNothingLeft()
  }, STEP_MS)

  it('refuses a host-only network VirtualBox does not allow in one line, with exit code 3, making nothing', async () => {
    const created = await create('vbrange', '--virtualbox-hostonly-cidr', '192.168.99.1/24')
    expect(created.code).toBe(3)
    expect(errorLines(created)).toEqual([`Error: VirtualBox does not allow the host-only network 192.168.99.1/24: it allows only 192.168.56.0/21. Choose a --virtualbox-hostonly-cidr inside 192.168.56.0/21, or allow the range in ${join(sim.dir, 'networks.conf')} (a line "* 192.168.99.0/24").`])
    // networks.conf widens what VirtualBox allows, and berth reads it as VirtualBox does.
    await sim.networksConf('* 192.168.56.0/21 10.77.0.0/16\n')
    const wider = await create('vbrange', '--virtualbox-hostonly-cidr', '10.88.0.1/24')
    expect(wider.code).toBe(3)
    expect(errorLines(wider)[0]).toMatch(/^Error: VirtualBox does not allow the host-only network 10\.88\.0\.1\/24: it allows only 192\.168\.56\.0\/21, 10\.77\.0\.0\/16\./)
    const world = await sim.world()
    expect(world.vms).toEqual([])
    expect(world.hostonlyifs).toEqual([])
  }, STEP_MS)

  it('the pre-create check refuses an old VirtualBox and, unless told not to check, a CPU without VT-x/AMD-V, with exit code 3', async () => {
    const old = await sandbox.run(['create', '-d', 'virtualbox', '--virtualbox-no-vtx-check', '--virtualbox-image-url', image, 'vbold'], {env: {...env, BERTH_VBOX_SIM_VERSION: '6.0.24r139119'}})
    expect(old.code).toBe(3)
    expect(errorLines(old)).toEqual([expect.stringMatching(/^Error: VirtualBox 6\.0\.24r139119 is too old: berth needs 6\.1 or later\. Install VirtualBox/)])
    // Without --virtualbox-no-vtx-check: a machine whose CPU shows no vmx/svm flag is refused for it; one that
    // shows it passes on to the next check, which this CIDR fails.
    const vtx = /^flags\s*:.*\s(vmx|svm)(\s|$)/m.test(await readFile('/proc/cpuinfo', 'utf8'))
    const checked = await sandbox.run(['create', '-d', 'virtualbox', '--virtualbox-image-url', image, '--virtualbox-hostonly-cidr', '192.168.99.1/24', 'vbvtx'], {env})
    expect(checked.code).toBe(3)
    expect(errorLines(checked)).toEqual([vtx
      ? expect.stringMatching(/^Error: VirtualBox does not allow the host-only network 192\.168\.99\.1\/24/)
      : expect.stringMatching(/^Error: This computer's CPU does not offer VT-x\/AMD-V \(no vmx or svm flag in \/proc\/cpuinfo\).* --virtualbox-no-vtx-check skips this check\.$/)])
    expect((await sim.world()).vms).toEqual([])
    expect((await berth(['ls', '-q'])).stdout).toBe('')
  }, STEP_MS)

  it('two machines created at once from one image URL download it once, and share one new network that avoids a colliding host route, at distinct addresses, under the lock', async () => {
    // The image as a publisher serves it: over HTTP, with a SHA256SUMS file beside it.
    const files: Record<string, Buffer> = {'/cloud.raw': await readFile(image), '/SHA256SUMS': Buffer.from(`${digest}  cloud.raw\n`)}
    const requests: string[] = []
    const server = createHttpServer((request, response) => {
      requests.push(request.url ?? '')
      const body = files[request.url ?? '']
      response.writeHead(body === undefined ? 404 : 200, body === undefined ? {} : {'Content-Length': body.length})
      response.end(body)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const fromUrl = ['--virtualbox-image-url', `${base}/cloud.raw`, '--virtualbox-image-checksum', `${base}/SHA256SUMS`]
    // A route to the first network berth would choose, as a VPN or another hypervisor's network would add.
    await runOk('ip', ['link', 'add', ROUTE_DEVICE, 'type', 'veth', 'peer', 'name', `${ROUTE_DEVICE}p`])
    await runOk('ip', ['link', 'set', ROUTE_DEVICE, 'up'])
    await runOk('ip', ['route', 'add', '192.168.56.0/24', 'dev', ROUTE_DEVICE])
    await writeFile(callLog, '')
    let both: RunResult[]
    try {
      both = await Promise.all([create('vb2', ...fromUrl), create('vb3', ...fromUrl)])
    } finally {
      await runOk('ip', ['link', 'del', ROUTE_DEVICE])
      server.close()
    }
    // One download for both (the image cache's lock), with its progress; the other create used the cached image.
    expect(requests.filter((url) => url === '/cloud.raw')).toEqual(['/cloud.raw'])
    expect(both.filter((result) => result.stderr.includes('Downloading the image: 100% of 2 MB\n'))).toHaveLength(1)
    const [first, second] = both
    for (const result of [first!, second!]) {
      expect(errorLines(result), result.stderr).toEqual([])
      expect(result.code).toBe(0)
    }
    const [a, b] = await Promise.all([berth(['ip', 'vb2']), berth(['ip', 'vb3'])])
    const addresses = [a.stdout.trim(), b.stdout.trim()]
    expect(new Set(addresses).size).toBe(2)
    const world = await sim.world()
    expect(world.hostonlyifs).toHaveLength(1)
    const network = rangeOf(world.hostonlyifs[0]!.ip, 24)
    expect(overlaps(network, rangeOf('192.168.56.0', 24))).toBe(false)
    for (const address of addresses) expect(ipToInt(address)! >= network.start && ipToInt(address)! <= network.end).toBe(true)
    expect(Object.keys((await registry()).leases).sort()).toEqual([...addresses].sort())
    const [two, three] = await Promise.all([vmInfo('vb2'), vmInfo('vb3')])
    expect(two.macaddress2).not.toBe(three.macaddress2)
    expect(two['Forwarding(0)']).not.toBe(three['Forwarding(0)'])
    expect(Object.entries((await registry()).ports).map(([port, machine]) => `${machine}:${port}`).sort())
      .toEqual([`vb2:${two['Forwarding(0)']!.split(',')[3]}`, `vb3:${three['Forwarding(0)']!.split(',')[3]}`])

    // Every call that changed something ran while the calling berth process held the store's lock.
    const calls = (await readFile(callLog, 'utf8')).split('\n').filter(Boolean).map((line) => line.split(' ') as [string, string, string])
    const mutations = calls.filter(([, , command]) => !READ_ONLY.has(command))
    expect(new Set(mutations.map(([caller]) => caller)).size).toBe(2)
    expect(mutations.filter(([caller, owner]) => caller !== owner)).toEqual([])
    expect(mutations.map(([, , command]) => command).filter((command) => command === 'hostonlyif')).toHaveLength(2) // one create, one ipconfig

    for (const name of ['vb2', 'vb3']) {
      const version = await dockerViaEnv(sandbox, name, ['version', '--format', '{{.Server.Version}}'])
      expect(version.code, version.stderr).toBe(0)
    }
    const removed = await Promise.all([berth(['rm', '-y', 'vb2']), berth(['rm', '-y', 'vb3'])])
    for (const result of removed) expect(errorLines(result), result.stderr).toEqual([])
    await expectNothingLeft()
  }, STEP_MS * 2)
})
