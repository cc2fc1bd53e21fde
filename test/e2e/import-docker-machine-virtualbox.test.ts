import {execFile} from 'node:child_process'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, repoRoot, type RunResult} from '../harness/berth.js'
import {issueTestCert, makeTestCa} from '../harness/openssl.js'
import {snapshotTree} from '../harness/tree-snapshot.js'
import {TestHostPool, type TestHost} from '../hosts/index.js'
import {freeLoopbackPort} from '../../drivers/virtualbox/host.js'
import {makeVBoxSimulator, startVBoxBacking, type VBoxBacking, type VBoxSimulator} from '../simulators/vboxmanage/index.js'

// A boot2docker VM Docker Machine 0.16 made with its virtualbox driver, taken over by `berth import docker-machine`:
// the VM is registered in the VBoxManage simulator with the calls Docker Machine made, and its guest is a test host
// the test sets up as boot2docker was (the engine on 2376 with Docker Machine's certificates in /var/lib/boot2docker,
// SSH for "docker" with Docker Machine's key, the host-only NIC leased an address by DHCP). Needs npm run build.

const FIXTURE = join(repoRoot, 'test', 'fixtures', 'docker-machine-store')
const STEP_MS = 300_000
/** The host-only network Docker Machine made (inside the range VirtualBox >= 6.1.28 allows) and the address its DHCP server leased the VM. */
const HOST_ONLY_IP = '192.168.63.1'
const LEASED = '192.168.63.100'
/** Another lease, as a DHCP server may give after a restart. */
const RELEASED = '192.168.63.101'

const exec = promisify(execFile)

/** A Docker Machine store whose machine `name` has the fixture's HostOptions and the virtualbox driver's Driver struct as 0.16.2 wrote it. */
async function writeStore(root: string, name: string, driver: Record<string, unknown>, files: Record<string, string>): Promise<void> {
  const dir = join(root, 'machines', name)
  await mkdir(join(root, 'certs'), {recursive: true, mode: 0o700})
  await mkdir(dir, {recursive: true, mode: 0o700})
  for (const [path, content] of Object.entries(files)) await writeFile(join(root, path), content, {mode: path.endsWith('.pem') && !path.includes('key') ? 0o644 : 0o600})
  const config = JSON.parse((await readFile(join(FIXTURE, 'machines', 'legacy-generic', 'config.json'), 'utf8')).replaceAll('/home/user/.docker/machine', root).replaceAll('legacy-generic', name)) as Record<string, unknown>
  const base = {
    IPAddress: LEASED, MachineName: name, SSHUser: 'docker', SSHPort: 0, SSHKeyPath: join(dir, 'id_rsa'), StorePath: root,
    SwarmMaster: false, SwarmHost: 'tcp://0.0.0.0:3376', SwarmDiscovery: '', VBoxManager: {}, HostInterfaces: {}, CPU: 1, Memory: 1024,
    DiskSize: 20000, NatNicType: '82540EM', Boot2DockerURL: '', Boot2DockerImportVM: '', HostDNSResolver: false, HostOnlyCIDR: `${HOST_ONLY_IP}/24`,
    HostOnlyNicType: '82540EM', HostOnlyPromiscMode: 'deny', UIType: 'headless', HostOnlyNoDHCP: false, NoShare: false, DNSProxy: true,
    NoVTXCheck: false, ShareFolder: '',
  }
  const hostOptions = config.HostOptions as {EngineOptions: {Labels: string[]}}
  hostOptions.EngineOptions.Labels = ['team=web', 'provider=virtualbox']
  await writeFile(join(dir, 'config.json'), JSON.stringify({...config, DriverName: 'virtualbox', Driver: {...base, ...driver}}, null, 4), {mode: 0o600})
}

describe('import docker-machine: a boot2docker VM Docker Machine made, through the VBoxManage simulator', () => {
  let sandbox: BerthSandbox
  let sim: VBoxSimulator
  let pool: TestHostPool
  let backing: VBoxBacking
  let guest: TestHost
  let source: string
  let sourceBefore: Record<string, string>
  let enginePid: string
  let env: NodeJS.ProcessEnv

  const berth = (args: readonly string[]): Promise<RunResult> => sandbox.run(args, {env})
  const dockerd = async (): Promise<string> => (await guest.exec('systemctl show -p MainPID --value docker')).stdout.trim()
  const vbox = async (...args: string[]): Promise<string> => {
    const result = await sim.run(...args)
    expect(result.code, `VBoxManage ${args.join(' ')}: ${result.stderr}`).toBe(0)
    return result.stdout
  }

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    sim = await makeVBoxSimulator()
    pool = new TestHostPool()
    backing = await startVBoxBacking({simulator: sim, pool})
    env = {PATH: `${dirname(sim.bin)}:${process.env.PATH}`, BERTH_VBOX_SIM_DIR: sim.dir}
    source = join(sandbox.dir, 'docker-machine')
    const dir = join(source, 'machines', 'b2d1')
    await mkdir(dir, {recursive: true})
    await exec('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-C', '', '-f', join(dir, 'id_rsa')])

    // The guest, as boot2docker runs: "docker" logs in with Docker Machine's key; the engine listens with TLS on
    // 2376 with the certificates Docker Machine put in /var/lib/boot2docker, started with the host.
    guest = await pool.up('dmb2d', {init: 'systemd'})
    const ca = await makeTestCa({cn: 'tester'})
    const [server, client] = await Promise.all([
      issueTestCert(ca, 'server', {cn: 'tester.b2d1', sans: [`IP:${LEASED}`, 'DNS:localhost'], days: 365}),
      issueTestCert(ca, 'client', {cn: 'tester.client', days: 365}),
    ])
    const put = (path: string, content: string): Promise<unknown> => guest.exec(`mkdir -p "$(dirname ${path})" && cat > ${path}`, {input: content})
    await guest.exec(`useradd --create-home --shell /bin/sh -g docker docker && install -d -m 700 -o docker -g docker /home/docker/.ssh`)
    await put('/home/docker/.ssh/authorized_keys', await readFile(join(dir, 'id_rsa.pub'), 'utf8'))
    await guest.exec('chown docker:docker /home/docker/.ssh/authorized_keys && chmod 600 /home/docker/.ssh/authorized_keys')
    await put('/var/lib/boot2docker/ca.pem', ca.certPem)
    await put('/var/lib/boot2docker/server.pem', server.certPem)
    await put('/var/lib/boot2docker/server-key.pem', server.keyPem)
    await put('/var/lib/boot2docker/profile', "\nEXTRA_ARGS='\n--label team=web\n--label provider=virtualbox\n\n'\nCACERT=/var/lib/boot2docker/ca.pem\nDOCKER_HOST='-H tcp://0.0.0.0:2376'\nDOCKER_STORAGE=overlay2\nDOCKER_TLS=auto\nSERVERKEY=/var/lib/boot2docker/server-key.pem\nSERVERCERT=/var/lib/boot2docker/server.pem\n\n")
    const dockerdPath = (await guest.exec('command -v dockerd')).stdout.trim()
    await put('/etc/systemd/system/docker.service.d/10-boot2docker.conf', [
      '[Service]', 'ExecStart=',
      `ExecStart=${dockerdPath} -H tcp://0.0.0.0:2376 -H unix:///var/run/docker.sock --tlsverify --tlscacert /var/lib/boot2docker/ca.pem --tlscert /var/lib/boot2docker/server.pem --tlskey /var/lib/boot2docker/server-key.pem --label team=web --label provider=virtualbox`,
      '',
    ].join('\n'))
    const started = await guest.exec('systemctl daemon-reload && systemctl enable docker >/dev/null 2>&1; systemctl restart docker && systemctl is-active docker')
    expect(started.stdout.trim()).toBe('active')

    // The VM, made with the calls Docker Machine's virtualbox driver made (create, then start).
    await writeFile(join(dir, 'boot2docker.iso'), Buffer.concat([Buffer.alloc(32768), Buffer.from('\x01CD001\x01')]))
    await writeFile(join(dir, 'disk.vmdk'), Buffer.concat([Buffer.from('KDMV'), Buffer.alloc(4096)]))
    backing.provideGuest('b2d1', {host: guest, address: LEASED})
    const created = await vbox('hostonlyif', 'create')
    const hostOnly = /Interface '([^']+)'/.exec(created)![1]!
    await vbox('hostonlyif', 'ipconfig', hostOnly, '--ip', HOST_ONLY_IP, '--netmask', '255.255.255.0')
    await vbox('dhcpserver', 'add', '--netname', `HostInterfaceNetworking-${hostOnly}`, '--ip', '192.168.63.16', '--netmask', '255.255.255.0', '--lowerip', LEASED, '--upperip', '192.168.63.254', '--enable')
    await vbox('createvm', '--basefolder', dir, '--name', 'b2d1', '--register')
    await vbox('modifyvm', 'b2d1', '--firmware', 'bios', '--bioslogofadein', 'off', '--bioslogofadeout', 'off', '--bioslogodisplaytime', '0', '--biosbootmenu', 'disabled',
      '--ostype', 'Linux26_64', '--cpus', '1', '--memory', '1024', '--acpi', 'on', '--ioapic', 'on', '--rtcuseutc', 'on', '--natdnshostresolver1', 'off', '--natdnsproxy1', 'on',
      '--cpuhotplug', 'off', '--pae', 'on', '--hpet', 'on', '--hwvirtex', 'on', '--nestedpaging', 'on', '--largepages', 'on', '--vtxvpid', 'on', '--accelerate3d', 'off', '--boot1', 'dvd')
    await vbox('modifyvm', 'b2d1', '--nic1', 'nat', '--nictype1', '82540EM', '--cableconnected1', 'on')
    await vbox('storagectl', 'b2d1', '--name', 'SATA', '--add', 'sata', '--hostiocache', 'on')
    await vbox('storageattach', 'b2d1', '--storagectl', 'SATA', '--port', '0', '--device', '0', '--type', 'dvddrive', '--medium', join(dir, 'boot2docker.iso'))
    await vbox('storageattach', 'b2d1', '--storagectl', 'SATA', '--port', '1', '--device', '0', '--type', 'hdd', '--medium', join(dir, 'disk.vmdk'))
    await vbox('modifyvm', 'b2d1', '--nic2', 'hostonly', '--nictype2', '82540EM', '--nicpromisc2', 'deny', '--hostonlyadapter2', hostOnly, '--cableconnected2', 'on')
    await vbox('modifyvm', 'b2d1', '--natpf1', `ssh,tcp,127.0.0.1,${await freeLoopbackPort()},,22`)
    await vbox('startvm', 'b2d1', '--type', 'headless')

    await writeStore(source, 'b2d1', {}, {
      'certs/ca.pem': ca.certPem, 'certs/ca-key.pem': ca.keyPem, 'certs/cert.pem': client.certPem, 'certs/key.pem': client.keyPem,
      'machines/b2d1/ca.pem': ca.certPem, 'machines/b2d1/cert.pem': client.certPem, 'machines/b2d1/key.pem': client.keyPem,
      'machines/b2d1/server.pem': server.certPem, 'machines/b2d1/server-key.pem': server.keyPem,
    })
    sourceBefore = await snapshotTree(source)
    enginePid = await dockerd()
  }, STEP_MS)

  afterAll(async () => {
    const results = await Promise.allSettled([backing?.stop()])
    results.push(...await Promise.allSettled([pool?.dispose()]))
    results.push(...await Promise.allSettled([sim?.remove(), sandbox?.dispose()]))
    const failed = results.find((result) => result.status === 'rejected')
    if (failed) throw failed.reason
  }, STEP_MS)

  it('imports the VM by name; env and the docker CLI reach its engine at once, the engine untouched', async () => {
    const imported = await berth(['import', 'docker-machine', '--source', source])
    expect(imported.stderr).toBe('')
    expect(imported.code).toBe(0)
    expect(imported.stdout).toBe(`Imported "b2d1" (virtualbox, tcp://${LEASED}:2376)\n`)
    const info = await sandbox.sh(`eval "$($BERTH env b2d1)" && docker info --format '{{json .Labels}}'`, env)
    expect(info.stderr).toBe('')
    expect(info.stdout).toContain('team=web')
    expect(await dockerd()).toBe(enginePid)
    expect((await berth(['ls'])).stdout).toMatch(new RegExp(`b2d1\\s+-\\s+virtualbox\\s+Running\\s+tcp://${LEASED.replace(/\./g, '\\.')}:2376`))
    expect((await berth(['ssh', 'b2d1', 'id', '-un'])).stdout.trim()).toBe('docker')
    expect(await snapshotTree(source)).toEqual(sourceBefore)
  }, STEP_MS)

  it('stop, start, restart, kill, status and ip power the VM as Docker Machine did; the engine comes back with it', async () => {
    const stopped = await berth(['stop', 'b2d1'])
    expect(stopped.code, stopped.stderr).toBe(0)
    expect((await berth(['status', 'b2d1'])).stdout).toBe('Stopped\n')
    expect((await sim.world()).vms.find((vm) => vm.name === 'b2d1')?.state).toBe('poweroff')
    expect(guest.running).toBe(false)
    const started = await berth(['start', 'b2d1'])
    expect(started.code, started.stderr).toBe(0)
    expect((await berth(['status', 'b2d1'])).stdout).toBe('Running\n')
    expect((await berth(['ip', 'b2d1'])).stdout).toBe(`${LEASED}\n`)
    const version = await sandbox.sh(`eval "$($BERTH env b2d1)" && docker version --format '{{.Server.Version}}'`, env)
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+/)
    const boots = guest.boots
    const restarted = await berth(['restart', 'b2d1'])
    expect(restarted.code, restarted.stderr).toBe(0)
    expect(guest.boots).toBe(boots + 1)
    const killed = await berth(['kill', 'b2d1'])
    expect(killed.code, killed.stderr).toBe(0)
    expect((await berth(['status', 'b2d1'])).stdout).toBe('Stopped\n')
    expect((await berth(['start', 'b2d1'])).code).toBe(0)
    const again = await sandbox.sh(`eval "$($BERTH env b2d1)" && docker info --format '{{json .Labels}}'`, env)
    expect(again.stdout).toContain('team=web')
    expect(await snapshotTree(source)).toEqual(sourceBefore)
  }, STEP_MS)

  it('a new DHCP lease after a start is followed with a warning, and no certificate is issued', async () => {
    expect((await berth(['stop', 'b2d1'])).code).toBe(0)
    backing.provideGuest('b2d1', {host: guest, address: RELEASED})
    const started = await berth(['start', 'b2d1'])
    expect(started.code, started.stderr).toBe(0)
    expect(started.stderr).toContain(`Warning: Machine "b2d1" has a new address: ${RELEASED} (it was ${LEASED}). Its engine's certificate may not cover it, and berth does not change that engine: it is a boot2docker VM`)
    expect((await berth(['ip', 'b2d1'])).stdout).toBe(`${RELEASED}\n`)
    expect((await berth(['url', 'b2d1'])).stdout).toBe(`tcp://${RELEASED}:2376\n`)
    // Back at the old lease, as the rest of the tests expect.
    expect((await berth(['stop', 'b2d1'])).code).toBe(0)
    backing.provideGuest('b2d1', {host: guest, address: LEASED})
    expect((await berth(['start', 'b2d1'])).code).toBe(0)
    expect((await berth(['url', 'b2d1'])).stdout).toBe(`tcp://${LEASED}:2376\n`)
  }, STEP_MS)

  it('provision, regenerate-certs and upgrade refuse, saying why and what to do instead', async () => {
    const before = await guest.exec('md5sum /var/lib/boot2docker/* /etc/systemd/system/docker.service.d/*')
    const refusal = [
      'Error: berth does not change the engine of "b2d1": it is a boot2docker VM that Docker Machine made: boot2docker runs from a read-only live ISO, and its engine\'s settings live in /var/lib/boot2docker/profile, which berth does not manage.',
      'Its engine keeps the settings and certificates Docker Machine gave it: to change them, edit that file over "berth ssh b2d1" and run "berth restart b2d1"; for a machine whose engine berth manages, create one with "berth create -d virtualbox NAME" and move your images and volumes to it.',
    ].join(' ')
    for (const args of [['provision', 'b2d1'], ['regenerate-certs', '-f', 'b2d1'], ['upgrade', 'b2d1']]) {
      const refused = await berth(args)
      expect(refused.code, args[0]).not.toBe(0)
      expect(refused.stdout).toBe('')
      expect(refused.stderr, args[0]).toBe(`${refusal}\n`)
    }
    expect((await guest.exec('md5sum /var/lib/boot2docker/* /etc/systemd/system/docker.service.d/*')).stdout).toBe(before.stdout)
    expect(await dockerd()).not.toBe('')
  }, STEP_MS)

  it('rm removes the VM as Docker Machine did (poweroff, unregistervm --delete); the rest of the store stays', async () => {
    const removed = await berth(['rm', '-y', 'b2d1'])
    expect(removed.code, removed.stderr).toBe(0)
    expect((await sim.world()).vms).toEqual([])
    const calls = (await sim.calls()).map((call) => call.argv.join(' '))
    expect(calls.slice(-3).filter((call) => /^(controlvm|unregistervm)/.test(call))).toEqual(['controlvm b2d1 poweroff', 'unregistervm b2d1 --delete'])
    expect((await berth(['ls', '-q'])).stdout).toBe('')
    // unregistervm --delete took the VM's folder and its disk, which Docker Machine kept in its machine directory.
    const expected = Object.fromEntries(Object.entries(sourceBefore).filter(([path]) => !path.startsWith('machines/b2d1/b2d1/') && path !== 'machines/b2d1/disk.vmdk'))
    expect(await snapshotTree(source)).toEqual(expected)
  }, STEP_MS)
})

describe('import docker-machine: virtualbox machines that cannot be taken over', () => {
  let sandbox: BerthSandbox
  let sim: VBoxSimulator
  let source: string

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    sim = await makeVBoxSimulator()
    source = join(sandbox.dir, 'docker-machine')
    const ca = await makeTestCa({cn: 'tester'})
    const [server, client] = await Promise.all([issueTestCert(ca, 'server', {sans: [`IP:${LEASED}`], days: 365}), issueTestCert(ca, 'client', {days: 365})])
    // A VM VirtualBox has, but powered off: its DHCP address cannot be read.
    for (const args of [['createvm', '--name', 'asleep', '--register'], ['modifyvm', 'asleep', '--nic1', 'nat', '--nic2', 'hostonly', '--hostonlyadapter2', 'vboxnet0'], ['modifyvm', 'asleep', '--natpf1', 'ssh,tcp,127.0.0.1,2222,,22']]) {
      expect((await sim.run(...args)).code).toBe(0)
    }
    for (const [name, driver] of [['ghost', {}], ['badname', {MachineName: 42}], ['badui', {UIType: 'fullscreen'}], ['asleep', {}]] as const) {
      await mkdir(join(source, 'machines', name), {recursive: true})
      await exec('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', join(source, 'machines', name, 'id_rsa')])
      await writeStore(source, name, driver, {
        'certs/ca.pem': ca.certPem, 'certs/ca-key.pem': ca.keyPem, 'certs/cert.pem': client.certPem, 'certs/key.pem': client.keyPem,
        [`machines/${name}/server.pem`]: server.certPem, [`machines/${name}/server-key.pem`]: server.keyPem,
      })
    }
  })

  afterAll(async () => {
    await sim?.remove()
    await sandbox?.dispose()
  })

  it('a VM VirtualBox does not have, one that is off, unreadable fields: one line each, nothing written, the source unchanged', async () => {
    const before = await snapshotTree(source)
    const result = await sandbox.run(['import', 'docker-machine', '--source', source], {env: {PATH: `${dirname(sim.bin)}:${process.env.PATH}`, BERTH_VBOX_SIM_DIR: sim.dir}})
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr.trim().split('\n')).toEqual([
      'Error: Cannot import "asleep": the VirtualBox VM asleep of machine "asleep" has no host-only address (it is poweroff).',
      'Error: Cannot import "badname": its "Driver.MachineName" is not a string.',
      'Error: Cannot import "badui": its "Driver.UIType" "fullscreen" is not one of headless, gui, sdl, separate.',
      'Error: Cannot import "ghost": no VirtualBox VM is named "ghost".',
      'Error: 4 of 4 machines could not be imported.',
    ])
    expect(await snapshotTree(source)).toEqual(before)
    expect(Object.keys(await snapshotTree(sandbox.storePath)).filter((path) => path.startsWith('machines/'))).toEqual([])
  })
})
