import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {createServer, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {AccelUnavailableError, chooseAccelerator, cpuHasVirtualization, guestArchOf, type HostFacts} from '../../drivers/qemu/accel.js'
import {qemuArgs, qemuValue, type LaunchPlan} from '../../drivers/qemu/args.js'
import {machineState, qemuImgFor} from '../../drivers/qemu/driver.js'
import {probe} from '../../drivers/qemu/index.js'
import {freePort, portFree} from '../../drivers/qemu/ports.js'
import {QmpError, qmpCommand} from '../../drivers/qemu/qmp.js'
import {DEFAULT_IMAGE_CHECKSUMS, DEFAULT_IMAGE_URL, checksumSpec, qemuSettings} from '../../drivers/qemu/settings.js'
import {mbr} from '../harness/vm-image.js'

const linux = (kvmDevice: HostFacts['kvmDevice'], cpuVirtualization: boolean): HostFacts => ({platform: 'linux', kvmDevice, cpuVirtualization, hvSupport: false, arch: 'x64'})
const mac = (hvSupport: boolean, arch = 'x64'): HostFacts => ({platform: 'darwin', kvmDevice: 'missing', cpuVirtualization: false, hvSupport, arch})

describe('qemu accelerator choice', () => {
  it('uses KVM only when /dev/kvm is usable and the CPU advertises vmx or svm', () => {
    expect(chooseAccelerator('auto', linux('usable', true)).accel).toBe('kvm')
    // kvm-pvm: a working /dev/kvm on a CPU without vmx/svm cannot boot a stock kernel.
    const pvm = chooseAccelerator('auto', linux('usable', false))
    expect(pvm.accel).toBe('tcg')
    expect(pvm.reason).toContain('the CPU shows no vmx or svm flag')
    expect(chooseAccelerator('auto', linux('missing', true)).reason).toContain('/dev/kvm does not exist')
    expect(chooseAccelerator('auto', linux('no-access', true)).reason).toContain('not readable and writable')
  })

  it('uses HVF on a Mac that supports it, else TCG', () => {
    expect(chooseAccelerator('auto', mac(true)).accel).toBe('hvf')
    expect(chooseAccelerator('auto', mac(false)).accel).toBe('tcg')
    expect(chooseAccelerator('auto', {platform: 'win32', kvmDevice: 'missing', cpuVirtualization: true, hvSupport: false, arch: 'x64'}).accel).toBe('tcg')
  })

  it('accelerates only a guest of this computer\'s architecture', () => {
    expect(guestArchOf('/opt/qemu/bin/qemu-system-x86_64')).toBe('x64')
    expect(guestArchOf('qemu-system-aarch64')).toBe('arm64')
    expect(guestArchOf('my-qemu')).toBeUndefined()
    // An Apple silicon Mac runs an x86_64 VM under TCG only.
    const foreign = chooseAccelerator('auto', mac(true, 'arm64'), 'x64')
    expect(foreign.accel).toBe('tcg')
    expect(foreign.reason).toContain('the VM\'s architecture (x64) is not this computer\'s (arm64)')
    expect(chooseAccelerator('auto', mac(true, 'arm64'), 'arm64').accel).toBe('hvf')
    expect(() => chooseAccelerator('kvm', {...linux('usable', true), arch: 'arm64'}, 'x64')).toThrow('KVM cannot be used: the VM\'s architecture (x64) is not this computer\'s (arm64).')
  })

  it('refuses an explicit accelerator that cannot work, with a fix', () => {
    expect(() => chooseAccelerator('kvm', linux('usable', false))).toThrow(AccelUnavailableError)
    try {
      chooseAccelerator('kvm', linux('no-access', true))
    } catch (error) {
      expect((error as AccelUnavailableError).fix).toContain('kvm group')
    }
    expect(() => chooseAccelerator('hvf', linux('usable', true))).toThrow('HVF cannot be used: HVF exists only on macOS.')
    expect(chooseAccelerator('tcg', linux('usable', true)).accel).toBe('tcg')
    expect(chooseAccelerator('kvm', linux('usable', true)).accel).toBe('kvm')
  })

  it('reads vmx and svm from /proc/cpuinfo flags only', () => {
    expect(cpuHasVirtualization('processor\t: 0\nflags\t\t: fpu vme sse2 vmx ept\n')).toBe(true)
    expect(cpuHasVirtualization('flags\t\t: fpu svm lm\n')).toBe(true)
    expect(cpuHasVirtualization('flags\t\t: fpu sse2 hypervisor lm\nmodel name\t: vmx-like\n')).toBe(false)
    expect(cpuHasVirtualization('')).toBe(false)
  })
})

const plan: LaunchPlan = {
  name: 'm1', accel: 'tcg', memory: 1024, cpuCount: 2, disk: '/store/machines/m1/disk.qcow2', seed: '/store/machines/m1/seed.iso',
  sshPort: 40022, enginePort: 40376, qmpSocket: '/store/machines/m1/qmp.sock', pidFile: '/store/machines/m1/qemu.pid',
  consoleLog: '/store/machines/m1/console.log', isolated: false,
}

function option(args: string[], name: string): string[] {
  return args.flatMap((value, index) => (args[index - 1] === name ? [value] : []))
}

describe('qemu arguments', () => {
  it('runs a detached VM with a pidfile, a QMP socket, the disk, the seed as a CD-ROM and forwarded loopback ports', () => {
    const args = qemuArgs(plan)
    expect(option(args, '-accel')).toEqual(['tcg,tb-size=256'])
    expect(args).not.toContain('-cpu')
    expect(option(args, '-m')).toEqual(['1024'])
    expect(option(args, '-smp')).toEqual(['2'])
    expect(option(args, '-drive')).toEqual([
      'file=/store/machines/m1/disk.qcow2,if=virtio,format=qcow2,discard=unmap',
      'file=/store/machines/m1/seed.iso,media=cdrom,format=raw,readonly=on',
    ])
    expect(option(args, '-netdev')).toEqual(['user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22,hostfwd=tcp:127.0.0.1:40376-:40376'])
    expect(option(args, '-qmp')).toEqual(['unix:/store/machines/m1/qmp.sock,server=on,wait=off'])
    expect(option(args, '-pidfile')).toEqual(['/store/machines/m1/qemu.pid'])
    expect(option(args, '-serial')).toEqual(['file:/store/machines/m1/console.log'])
    expect(args).toContain('-daemonize')
    expect(args).toContain('-nodefaults')
  })

  it('gives KVM and HVF guests the host CPU, and an isolated VM restrict=on', () => {
    for (const accel of ['kvm', 'hvf'] as const) {
      const args = qemuArgs({...plan, accel})
      expect(option(args, '-accel')).toEqual([accel])
      expect(option(args, '-cpu')).toEqual(['host'])
    }
    expect(option(qemuArgs({...plan, isolated: true}), '-netdev')[0]).toMatch(/^user,id=net0,restrict=on,hostfwd=/)
  })

  it('doubles commas in paths inside option lists', () => {
    expect(qemuValue('/a,b/disk.qcow2')).toBe('/a,,b/disk.qcow2')
    expect(option(qemuArgs({...plan, disk: '/x,y/disk.qcow2'}), '-drive')[0]).toBe('file=/x,,y/disk.qcow2,if=virtio,format=qcow2,discard=unmap')
  })
})

describe('qemu settings', () => {
  it('applies defaults and checks values', () => {
    const settings = qemuSettings({})
    expect(settings).toMatchObject({imageUrl: DEFAULT_IMAGE_URL, memory: 2048, cpuCount: 2, diskSize: 20000, accel: 'auto', binary: 'qemu-system-x86_64', sshUser: 'berth', isolated: false})
    expect(checksumSpec(settings)).toEqual({file: DEFAULT_IMAGE_CHECKSUMS})
    expect(() => qemuSettings({'qemu-accel': 'xen'})).toThrow('--qemu-accel "xen" is not one of auto, kvm, hvf, tcg.')
    expect(() => qemuSettings({'qemu-memory': 64})).toThrow('--qemu-memory must be a whole number of at least 128.')
    expect(() => qemuSettings({'qemu-ssh-user': 'root'})).toThrow('not a user name')
  })

  it('reads the checksum as a digest or a checksum file, and none for another image unless given', () => {
    expect(checksumSpec(qemuSettings({'qemu-image-url': '/images/a.qcow2'}))).toBeUndefined()
    expect(checksumSpec(qemuSettings({'qemu-image-url': '/images/a.qcow2', 'qemu-image-checksum': 'sha256:ab'}))).toBe('sha256:ab')
    expect(checksumSpec(qemuSettings({'qemu-image-url': '/images/a.qcow2', 'qemu-image-checksum': '/images/SHA256SUMS'}))).toEqual({file: '/images/SHA256SUMS'})
  })

  it('loads the same settings from what a machine stored', () => {
    const settings = qemuSettings({'qemu-memory': 1024, 'qemu-accel': 'tcg', 'qemu-isolated': true})
    expect(qemuSettings({...settings})).toEqual(settings)
  })
})

describe('qemu-img', () => {
  it('is the one next to a qemu-system given as a path when there is one, else the one on the PATH', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-qemu-img-'))
    try {
      expect(qemuImgFor('qemu-system-x86_64')).toBe('qemu-img')
      expect(qemuImgFor(join(dir, 'qemu-system-x86_64'))).toBe('qemu-img')
      await writeFile(join(dir, 'qemu-img'), '')
      expect(qemuImgFor(join(dir, 'qemu-system-x86_64'))).toBe(join(dir, 'qemu-img'))
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})

describe('qemu states', () => {
  it('maps QMP run states', () => {
    expect(machineState('running')).toBe('Running')
    expect(machineState('prelaunch')).toBe('Starting')
    expect(machineState('shutdown')).toBe('Stopping')
    expect(machineState('paused')).toBe('Paused')
    expect(machineState('guest-panicked')).toBe('Error')
    expect(machineState(undefined)).toBe('Error')
  })
})

describe('QMP client', () => {
  let dir: string | undefined
  let server: Server | undefined

  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
    server = undefined
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('negotiates capabilities, skips events and returns the answer', async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-qmp-'))
    const socket = join(dir, 'qmp.sock')
    const seen: string[] = []
    server = createServer((connection) => {
      connection.write('{"QMP": {"version": {}, "capabilities": []}}\r\n')
      connection.on('data', (data) => {
        for (const line of data.toString().split('\n').filter(Boolean)) {
          const {execute} = JSON.parse(line) as {execute: string}
          seen.push(execute)
          if (execute === 'qmp_capabilities') connection.write('{"return": {}}\r\n')
          else if (execute === 'query-status') connection.write('{"event": "RESUME", "data": {}}\r\n{"return": {"status": "running", "running": true}}\r\n')
          else connection.write('{"error": {"class": "CommandNotFound", "desc": "The command nope has not been found"}}\r\n')
        }
      })
    })
    await new Promise<void>((resolve) => server!.listen(socket, resolve))
    await expect(qmpCommand(socket, 'query-status')).resolves.toEqual({status: 'running', running: true})
    await expect(qmpCommand(socket, 'nope')).rejects.toThrow('QEMU refused nope: The command nope has not been found')
    expect(seen).toEqual(['qmp_capabilities', 'query-status', 'qmp_capabilities', 'nope'])
  })

  it('says unreachable when nothing listens', async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-qmp-'))
    const error = await qmpCommand(join(dir, 'qmp.sock'), 'query-status').catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(QmpError)
    expect((error as QmpError).reason).toBe('unreachable')
  })
})

describe('qemu ports and probe', () => {
  it('finds a free port and sees a taken one', async () => {
    const port = await freePort()
    expect(await portFree(port)).toBe(true)
    const holder = createServer()
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve))
    try {
      expect(await portFree(port)).toBe(false)
      expect(await freePort([port])).not.toBe(port)
    } finally {
      await new Promise((resolve) => holder.close(resolve))
    }
  })

  it('reports a missing qemu-system as not installed, with a fix', async () => {
    const health = await probe({QEMU_BINARY: '/nonexistent/qemu-system-x86_64'})
    expect(health).toMatchObject({installed: false, healthy: false, problem: '/nonexistent/qemu-system-x86_64 is not installed (or does not run)'})
    expect(health.fix).toContain('qemu-system-x86')
  })
})

describe('test image disk layout', () => {
  it('writes an MBR with one active Linux partition from 1 MiB and the boot signature', () => {
    const sector = mbr(Buffer.alloc(440, 0xaa), 1024 * 1024, 3 * 1024 ** 3 - 1024 * 1024)
    expect(sector.length).toBe(512)
    expect(sector[0]).toBe(0xaa)
    expect(sector[446]).toBe(0x80)
    expect(sector[450]).toBe(0x83)
    expect(sector.readUInt32LE(454)).toBe(2048)
    expect(sector.readUInt32LE(458)).toBe((3 * 1024 ** 3 - 1024 * 1024) / 512)
    expect(sector.subarray(510).toString('hex')).toBe('55aa')
  })
})
