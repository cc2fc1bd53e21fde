import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {writeSeedIso} from '../../src/core/vm/cloud-init.js'
import {freeLoopbackPort} from '../harness/free-port.js'
import {tcpConnect} from '../harness/tcp-probe.js'
import {TestHostPool} from '../hosts/index.js'
import {run, runOk} from '../hosts/run.js'
import {makeVBoxSimulator, startVBoxBacking, type VBoxBacking, type VBoxSimulator} from '../simulators/vboxmanage/index.js'

// The VBoxManage simulator backed by real test hosts (root): a VM made the way a virtualbox driver makes one,
// with a cloud-init seed ISO in its DVD drive, boots a host configured from that seed, reachable through its NAT
// forward and on its static host-only address. Needs the compiled simulator (npm run build).
/** Host boots, reboots and power cycles under one test: generous, for a machine shared with other runs. */
const HOST_STEP_MS = 300_000

describe('VBoxManage simulator backed by test hosts', () => {
  const vm = 'berth-vbox1'
  const hostname = 'vbox-seeded'
  const staticIp = '192.168.56.10'
  let dir: string
  let sim: VBoxSimulator
  let pool: TestHostPool
  let backing: VBoxBacking | undefined
  let key: string
  let port: number

  const ok = async (...args: string[]) => {
    const result = await sim.run(...args)
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
    return result.stdout
  }
  const info = async (name: string) => {
    const values: Record<string, string> = {}
    for (const line of (await ok('showvminfo', name, '--machinereadable')).split('\n')) {
      const match = /^"?([^"=]+)"?="?(.*?)"?$/.exec(line)
      if (match) values[match[1]!] = match[2]!
    }
    return values
  }
  const ssh = (address: string, sshPort: number, command: string) => run('ssh', [
    '-i', key, '-p', String(sshPort),
    '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
    '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5',
    `docker@${address}`, command,
  ], {timeoutMs: 60_000})

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-vbox-backing-'))
    sim = await makeVBoxSimulator()
    pool = new TestHostPool()
    key = join(dir, 'id_ed25519')
    await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'berth-vbox-test', '-f', key])
    port = await freeLoopbackPort()
    backing = await startVBoxBacking({simulator: sim, pool})
  })

  afterAll(async () => {
    // Each step runs even when one before it failed; the first failure is reported.
    const results = await Promise.allSettled([backing?.stop()])
    results.push(...await Promise.allSettled([pool?.dispose()]))
    results.push(...await Promise.allSettled([sim?.remove(), dir === undefined ? undefined : rm(dir, {recursive: true, force: true})]))
    const failed = results.find((result) => result.status === 'rejected')
    if (failed) throw failed.reason
  }, HOST_STEP_MS)

  /**
   * A VM as a virtualbox driver makes one: NAT with an SSH forward on sshPort, optionally a host-only NIC with a
   * static address in the seed, a SATA disk and the seed ISO (user docker, the test's key) in the DVD drive.
   */
  async function makeVm(name: string, options: {hostname: string, sshPort: number, staticIp?: string}) {
    const folder = join(sim.dir, 'machines')
    await ok('createvm', '--name', name, '--basefolder', folder, '--ostype', 'Ubuntu_64', '--register')
    await ok('modifyvm', name, '--memory', '1024', '--cpus', '1', '--acpi', 'on', '--boot1', 'disk', '--boot2', 'dvd')
    await ok('modifyvm', name, '--nic1', 'nat', '--nictype1', '82540EM', '--cableconnected1', 'on', '--natpf1', `ssh,tcp,127.0.0.1,${options.sshPort},,22`)
    if (options.staticIp !== undefined) {
      if (!(await ok('list', 'hostonlyifs')).includes('vboxnet0')) {
        await ok('hostonlyif', 'create')
        await ok('hostonlyif', 'ipconfig', 'vboxnet0', '--ip', '192.168.56.1', '--netmask', '255.255.255.0')
      }
      await ok('modifyvm', name, '--nic2', 'hostonly', '--nictype2', '82540EM', '--hostonlyadapter2', 'vboxnet0', '--cableconnected2', 'on')
    }
    const mac = (await info(name)).macaddress2
    const seed = join(folder, name, 'seed.iso')
    await writeSeedIso(seed, {
      hostname: options.hostname,
      user: 'docker',
      sshPublicKey: await readFile(`${key}.pub`, 'utf8'),
      ...(options.staticIp === undefined || mac === undefined ? {} : {nics: [{mac, address: `${options.staticIp}/24`}]}),
    })
    await ok('storagectl', name, '--name', 'SATA', '--add', 'sata', '--portcount', '2')
    await ok('createmedium', 'disk', '--filename', join(folder, name, 'disk.vdi'), '--size', '64', '--format', 'VDI')
    await ok('storageattach', name, '--storagectl', 'SATA', '--port', '0', '--device', '0', '--type', 'hdd', '--medium', join(folder, name, 'disk.vdi'))
    await ok('storageattach', name, '--storagectl', 'SATA', '--port', '1', '--device', '0', '--type', 'dvddrive', '--medium', seed)
  }

  it('boots a host from the seed on startvm, reachable through the NAT forward and on the static address', async () => {
    await makeVm(vm, {hostname, sshPort: port, staticIp})
    expect(await ok('startvm', vm, '--type', 'headless')).toContain(`VM "${vm}" has been successfully started.`)
    expect((await info(vm)).VMState).toBe('running')

    const viaForward = await ssh('127.0.0.1', port, 'hostname; id -un')
    expect(viaForward.code, viaForward.stderr).toBe(0)
    expect(viaForward.stdout).toBe(`${hostname}\ndocker\n`)
    const viaStatic = await ssh(staticIp, 22, 'hostname')
    expect(viaStatic.code, viaStatic.stderr).toBe(0)
    expect(viaStatic.stdout.trim()).toBe(hostname)
    expect(backing!.forwards()).toEqual([expect.objectContaining({rule: 'ssh', hostIp: '127.0.0.1', hostPort: port})])
  }, HOST_STEP_MS)

  it('stops the host on acpipowerbutton and brings it back with the same address on startvm', async () => {
    await ok('controlvm', vm, 'acpipowerbutton')
    expect((await info(vm)).VMState).toBe('poweroff')
    expect(backing!.host(vm)?.running).toBe(false)
    expect(await tcpConnect('127.0.0.1', port)).toBe('ECONNREFUSED')
    expect((await ssh('127.0.0.1', port, 'true')).code).not.toBe(0)

    await ok('startvm', vm, '--type', 'headless')
    const viaForward = await ssh('127.0.0.1', port, 'hostname')
    expect(viaForward.code, viaForward.stderr).toBe(0)
    expect(viaForward.stdout.trim()).toBe(hostname)
    const viaStatic = await ssh(staticIp, 22, 'ip -4 -o addr show dev eth0')
    expect(viaStatic.code, viaStatic.stderr).toBe(0)
    expect(viaStatic.stdout).toContain(`${staticIp}/32`)
  }, HOST_STEP_MS)

  it('fails startvm with E_FAIL and leaves the VM powered off when the backing cannot boot it', async () => {
    await ok('createvm', '--name', 'no-seed', '--basefolder', join(sim.dir, 'machines'), '--register')
    const result = await sim.run('startvm', 'no-seed', '--type', 'headless')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('VBoxManage: error: Host backing: no-seed has no seed ISO in a DVD drive')
    expect(result.stderr).toContain('Details: code E_FAIL (0x80004005), component ConsoleWrap, interface IConsole')
    expect((await info('no-seed')).VMState).toBe('poweroff')
    await ok('unregistervm', 'no-seed', '--delete')
  })

  it('reboots the host on reset, forwards rules added while running, keeps running when ACPI is ignored, and powers off on savestate', async () => {
    const second = 'berth-vbox2'
    const sshPort = await freeLoopbackPort()
    await makeVm(second, {hostname: 'vbox-second', sshPort})
    // startvm of two VMs where the second cannot start fails as a whole, yet the first one's host came up:
    // starting the first again takes that host as it is.
    await ok('createvm', '--name', 'seedless', '--basefolder', join(sim.dir, 'machines'), '--register')
    expect((await sim.run('startvm', second, 'seedless', '--type', 'headless')).code).toBe(1)
    expect((await info(second)).VMState).toBe('poweroff')
    await ok('startvm', second, '--type', 'headless')
    await ok('unregistervm', 'seedless', '--delete')
    const host = backing!.host(second)!
    expect(host.boots).toBe(1)
    expect(backing!.forwards().filter((forward) => forward.hostPort === sshPort)).toHaveLength(1)

    await ok('controlvm', second, 'reset')
    expect(host.boots).toBe(2)
    expect((await ssh('127.0.0.1', sshPort, 'hostname')).stdout.trim()).toBe('vbox-second')

    const extra = await freeLoopbackPort()
    await ok('controlvm', second, 'natpf1', `extra,tcp,127.0.0.1,${extra},,22`)
    const viaExtra = await ssh('127.0.0.1', extra, 'hostname')
    expect(viaExtra.code, viaExtra.stderr).toBe(0)
    expect(viaExtra.stdout.trim()).toBe('vbox-second')
    await ok('controlvm', second, 'natpf1', 'delete', 'extra')
    expect(await tcpConnect('127.0.0.1', extra)).toBe('ECONNREFUSED')
    expect(backing!.forwards().filter((forward) => forward.hostPort === sshPort)).toHaveLength(1)

    await sim.ignoreAcpi(second)
    await ok('controlvm', second, 'acpipowerbutton')
    expect((await info(second)).VMState).toBe('running')
    expect(host.running).toBe(true)
    expect((await ssh('127.0.0.1', sshPort, 'true')).code).toBe(0)
    await sim.ignoreAcpi()

    // A NAT port something else holds: the start fails as a whole and the host is left powered off.
    await ok('controlvm', second, 'poweroff')
    expect(host.running).toBe(false)
    const squatter = createServer()
    await new Promise<void>((resolve) => squatter.listen(sshPort, '127.0.0.1', () => resolve()))
    try {
      const refused = await sim.run('startvm', second, '--type', 'headless')
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain(`cannot listen on 127.0.0.1:${sshPort}`)
      expect(refused.stderr).toContain('Details: code E_FAIL (0x80004005)')
      expect((await info(second)).VMState).toBe('poweroff')
      expect(host.running).toBe(false)
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()))
    }
    await ok('startvm', second, '--type', 'headless')
    expect((await ssh('127.0.0.1', sshPort, 'hostname')).stdout.trim()).toBe('vbox-second')

    // A saved VM answers nothing; its next start boots the host again.
    await ok('controlvm', second, 'savestate')
    expect((await info(second)).VMState).toBe('saved')
    expect(host.running).toBe(false)
    expect(await tcpConnect('127.0.0.1', sshPort)).toBe('ECONNREFUSED')
    await ok('startvm', second, '--type', 'headless')
    expect((await ssh('127.0.0.1', sshPort, 'hostname')).stdout.trim()).toBe('vbox-second')
    await ok('controlvm', second, 'poweroff')
    await ok('unregistervm', second, '--delete')
    expect(backing!.host(second)).toBeUndefined()
  }, HOST_STEP_MS)

  it('removes the host and its forward on unregistervm --delete', async () => {
    await ok('controlvm', vm, 'poweroff')
    expect((await info(vm)).VMState).toBe('poweroff')
    await ok('unregistervm', vm, '--delete')
    expect(backing!.host(vm)).toBeUndefined()
    expect(backing!.forwards()).toEqual([])
    expect(await tcpConnect('127.0.0.1', port)).toBe('ECONNREFUSED')
    // Nothing routes the static address to a test host any more (a TCP probe would prove nothing: where this
    // machine's default route leads, something may accept any connection).
    expect((await run('ip', ['-o', 'route', 'show', `${staticIp}/32`])).stdout.trim()).toBe('')
    expect((await run('ip', ['route', 'get', staticIp])).stdout).not.toMatch(/dev berth-v/)
  }, HOST_STEP_MS)

  it('removes every host and forwarder it made on stop(), and the simulator then stops reporting', async () => {
    const third = 'berth-vbox3'
    const sshPort = await freeLoopbackPort()
    await makeVm(third, {hostname: 'vbox-third', sshPort})
    await ok('startvm', third, '--type', 'headless')
    const host = backing!.host(third)!
    const hostIp = host.ip
    expect((await ssh('127.0.0.1', sshPort, 'hostname')).stdout.trim()).toBe('vbox-third')

    await backing!.stop()
    expect(host.running).toBe(false)
    expect((await run('ip', ['route', 'get', hostIp])).stdout).not.toMatch(/dev berth-v/)
    expect(await tcpConnect('127.0.0.1', sshPort)).toBe('ECONNREFUSED')
    expect(backing!.forwards()).toEqual([])
    expect((await run('test', ['-e', join(sim.dir, 'backing.sock')])).code).not.toBe(0)
    // Without the socket the simulator only keeps state again.
    await ok('controlvm', third, 'poweroff')
    await ok('unregistervm', third, '--delete')
  }, HOST_STEP_MS)
})
