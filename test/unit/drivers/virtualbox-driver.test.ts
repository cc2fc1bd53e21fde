import {existsSync} from 'node:fs'
import {chmod, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {imageFormat} from '../../../drivers/virtualbox/driver.js'
import {sshPortOf} from '../../../drivers/virtualbox/vm-control.js'
import {DEFAULT_IMAGE} from '../../../drivers/virtualbox/flags.js'
import {vtxFacts, vtxProblem} from '../../../drivers/virtualbox/host.js'
import virtualbox from '../../../drivers/virtualbox/index.js'
import {settingsFromFlags} from '../../../drivers/virtualbox/settings.js'
import {dhcpRanges, listHostOnlyInterfaces, listHostOnlyNetworks} from '../../../drivers/virtualbox/hostonly.js'
import {VBoxManage, VBoxManageError, findVBoxManage, isTransient, parseBlocks, parseMachineReadable, parseVersion, versionAtLeast} from '../../../drivers/virtualbox/vboxmanage.js'
import {UsageError} from '../../../src/core/errors.js'
import {withLock} from '../../../src/core/store/lock.js'
import {makeVBoxSimulator} from '../../simulators/vboxmanage/index.js'

const usageMessage = (work: () => unknown): string => {
  try {
    work()
  } catch (error) {
    if (error instanceof UsageError) return error.message
    throw error
  }
  throw new Error('expected a UsageError')
}

describe('virtualbox settings', () => {
  it('applies Docker Machine\'s defaults where they still fit, and the default cloud image with its SHA256SUMS', () => {
    expect(settingsFromFlags({}, {}, 'linux')).toEqual({
      memory: 2048, cpus: 2, diskSizeMb: 20000, imageUrl: DEFAULT_IMAGE.url, imageChecksum: DEFAULT_IMAGE.checksumFile, defaultImage: true,
      sshUser: 'docker', hostOnlyNicType: '82540EM', hostOnlyNicPromisc: 'deny', hostOnlyNoDhcp: false, natNicType: '82540EM',
      hostDnsResolver: false, noDnsProxy: false, uiType: 'headless', share: {hostPath: '/home', name: 'hosthome'}, noVtxCheck: false, stopTimeoutSeconds: 60,
    })
    expect(settingsFromFlags({}, {}, 'darwin').share).toEqual({hostPath: '/Users', name: 'Users'})
    expect(settingsFromFlags({}, {SystemDrive: 'D:'}, 'win32').share).toEqual({hostPath: 'D:\\Users', name: 'c/Users'})
    expect(settingsFromFlags({'virtualbox-no-share': true}, {}, 'linux').share).toBeUndefined()
    expect(settingsFromFlags({'virtualbox-share-folder': '/srv/data:data'}, {}, 'linux').share).toEqual({hostPath: '/srv/data', name: 'data'})
  })

  it('takes images as URLs, file:// URLs or paths, with a digest or a checksum file', () => {
    const local = settingsFromFlags({'virtualbox-image-url': 'images/debian.qcow2', 'virtualbox-image-checksum': `sha256:${'A'.repeat(64)}`}, {}, 'linux')
    expect(local).toMatchObject({imageUrl: join(process.cwd(), 'images/debian.qcow2'), imageChecksum: `sha256:${'a'.repeat(64)}`, defaultImage: false})
    expect(settingsFromFlags({'virtualbox-image-url': 'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2', 'virtualbox-image-checksum': 'https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS'}, {}, 'linux'))
      .toMatchObject({imageChecksum: 'https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS'})
    expect(settingsFromFlags({'virtualbox-image-url': 'file:///srv/img.vmdk'}, {}, 'linux')).not.toHaveProperty('imageChecksum')
  })

  it('refuses bad values and boot2docker\'s flags in one line each, naming what replaces them', () => {
    expect(usageMessage(() => settingsFromFlags({'virtualbox-boot2docker-url': 'https://example.com/b2d.iso'}, {}, 'linux')))
      .toBe('--virtualbox-boot2docker-url is not supported: boot2docker is gone: berth boots a cloud image; pass it with --virtualbox-image-url (an URL, file:// or a path).')
    expect(usageMessage(() => settingsFromFlags({'virtualbox-import-boot2docker-vm': 'default'}, {}, 'linux'))).toMatch(/^--virtualbox-import-boot2docker-vm is not supported: /)
    expect(usageMessage(() => settingsFromFlags({'virtualbox-hostonly-cidr': '192.168.56.0/24'}, {}, 'linux'))).toMatch(/^--virtualbox-hostonly-cidr: 192.168.56.0\/24 names the network's own address/)
    expect(usageMessage(() => settingsFromFlags({'virtualbox-ui-type': 'vnc'}, {}, 'linux'))).toBe('--virtualbox-ui-type "vnc" is not one of headless, gui, sdl, separate.')
    expect(usageMessage(() => settingsFromFlags({'virtualbox-cpu-count': 0}, {}, 'linux'))).toMatch(/-1 \(all the host's CPUs\)/)
    expect(usageMessage(() => settingsFromFlags({'virtualbox-ssh-user': 'root'}, {}, 'linux'))).toMatch(/not a user name/)
    expect(usageMessage(() => settingsFromFlags({'virtualbox-image-checksum': 'sha256:abc'}, {}, 'linux'))).toMatch(/needs --virtualbox-image-url/)
    expect(usageMessage(() => settingsFromFlags({'virtualbox-image-url': 'ftp://x/y.img'}, {}, 'linux'))).toMatch(/neither an http\(s\) or file:\/\/ URL nor a path/)
    expect(usageMessage(() => settingsFromFlags({'virtualbox-share-folder': 'relative:name'}, {}, 'linux'))).toMatch(/is not DIR:NAME/)
    expect(virtualbox.flags.every((flag) => flag.name.startsWith('virtualbox-'))).toBe(true)
  })
})

describe('virtualbox host facts and VBoxManage output', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-vbox-unit-'))
  })
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('finds VBoxManage on PATH first, then in the usual install locations', async () => {
    const bin = join(dir, 'VBoxManage')
    await writeFile(bin, '#!/bin/sh\n')
    await chmod(bin, 0o755)
    expect(findVBoxManage({PATH: `/nonexistent:${dir}`}, 'linux')).toBe(bin)
    expect(findVBoxManage({PATH: '/nonexistent'}, 'linux')).toBe(['/usr/bin/VBoxManage', '/usr/local/bin/VBoxManage'].find((path) => existsSync(path)))
    expect(findVBoxManage({PATH: '', ProgramFiles: dir}, 'win32')).toBeUndefined()
  })

  it('tells the image formats VirtualBox clones from raw images, which it converts', async () => {
    const file = async (name: string, bytes: Buffer) => {
      await writeFile(join(dir, name), bytes)
      return imageFormat(join(dir, name))
    }
    const vdi = Buffer.alloc(1024)
    vdi.write('<<< Oracle VM VirtualBox Disk Image >>>\n')
    vdi.writeUInt32LE(0xbeda107f, 64)
    const fixedVhd = Buffer.concat([Buffer.alloc(4096, 1), Buffer.from('conectix'), Buffer.alloc(504)])
    expect(await file('a.vmdk', Buffer.concat([Buffer.from('KDMV'), Buffer.alloc(600)]))).toBe('vmdk')
    expect(await file('b.vmdk', Buffer.from('# Disk DescriptorFile\nversion=1\n'))).toBe('vmdk')
    expect(await file('c.qcow2', Buffer.concat([Buffer.from('QFI\xfb', 'latin1'), Buffer.alloc(600)]))).toBe('qcow2')
    expect(await file('d.vdi', vdi)).toBe('vdi')
    expect(await file('e.vhd', fixedVhd)).toBe('vhd')
    expect(await file('f.vhd', Buffer.concat([Buffer.from('conectix'), Buffer.alloc(600)]))).toBe('vhd')
    expect(await file('g.raw', Buffer.alloc(8192, 0))).toBe('raw')
    expect(await file('h.raw', Buffer.alloc(10, 0))).toBe('raw')
  })

  it('reads the version past warnings, and compares it', () => {
    expect(parseVersion('WARNING: The vboxdrv kernel module is not loaded.\n7.0.20r163906\n')).toBe('7.0.20r163906')
    expect(versionAtLeast('6.1.50r161033', 6, 1)).toBe(true)
    expect(versionAtLeast('6.0.24r139119', 6, 1)).toBe(false)
    expect(versionAtLeast('7.1.4r165100', 6, 1)).toBe(true)
  })

  it('finds VT-x/AMD-V, and Hyper-V on Windows, as Docker Machine did', () => {
    expect(vtxProblem('linux', {cpuinfo: 'processor\t: 0\nflags\t\t: fpu vme de pse tsc msr pae\n'})?.message).toMatch(/no vmx or svm flag/)
    expect(vtxProblem('linux', {cpuinfo: 'flags\t\t: fpu vmx ssse3\n'})).toBeUndefined()
    expect(vtxProblem('linux', {cpuinfo: 'flags\t\t: fpu svm\n'})).toBeUndefined()
    expect(vtxProblem('darwin', {macFeatures: 'FPU VME DE PSE TSC MSR PAE MCE CX8 APIC SEP MTRR PGE MCA CMOV PAT PSE36 CLFSH DS ACPI MMX FXSR SSE SSE2 SS HTT TM PBE SSE3 PCLMULQDQ DTES64 MON DSCPL VMX SMX EST'})).toBeUndefined()
    expect(vtxProblem('darwin', {macFeatures: 'FPU VME DE PSE'})?.message).toMatch(/no VMX/)
    expect(vtxProblem('win32', {})).toBeUndefined()
    expect(vtxProblem('win32', {hyperV: false})).toBeUndefined()
    expect(vtxProblem('win32', {hyperV: true})).toEqual({message: expect.stringMatching(/^Hyper-V is installed \(vmms\.exe\)/) as unknown, hint: expect.stringMatching(/hypervisorlaunchtype off.*--virtualbox-no-vtx-check/) as unknown})
  })

  it('takes Hyper-V as installed on Windows when the system has vmms.exe', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-windows-'))
    try {
      expect(await vtxFacts('win32', {SystemRoot: root})).toEqual({hyperV: false})
      await mkdir(join(root, 'System32'))
      await writeFile(join(root, 'System32', 'vmms.exe'), '')
      expect(await vtxFacts('win32', {SystemRoot: root})).toEqual({hyperV: true})
    } finally {
      await rm(root, {recursive: true, force: true})
    }
  })

  it('stops a hanging query when its signal aborts, and lets a change finish', async () => {
    // A VBoxManage that takes 3 s, as one does while VBoxSVC is stuck; it leaves a file when it finishes.
    const slow = join(dir, 'slow-VBoxManage')
    const finished = join(dir, 'finished')
    await writeFile(slow, `#!/bin/sh\nsleep 3\necho "$1" >> ${finished}\necho done\n`)
    await chmod(slow, 0o755)
    const vbox = new VBoxManage({bin: slow, env: {PATH: process.env.PATH}, shared: {withLock: (work, options) => withLock(join(dir, 'vbox.lock'), work, options)}})
    const started = performance.now()
    await expect(vbox.query(['list', 'vms'], AbortSignal.timeout(200))).rejects.toMatchObject({name: 'TimeoutError'})
    expect(performance.now() - started).toBeLessThan(2500)
    const aborted = new AbortController()
    const change = vbox.mutate(['modifyvm', 'm'], aborted.signal)
    setTimeout(() => aborted.abort(), 200)
    expect(await change).toBe('done\n')
    // The query was killed before it could finish; the change ran to its end.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(await readFile(finished, 'utf8')).toBe('modifyvm\n')
  })

  it('retries what passes by itself and nothing else', () => {
    const error = (stderr: string) => new VBoxManageError(['startvm'], stderr, 1)
    expect(isTransient(error('VBoxManage: error: The object is not ready\n'))).toBe(true)
    expect(isTransient(error('VBoxManage: error: The machine \'m\' is already locked for a session (or being unlocked)\n'))).toBe(true)
    expect(isTransient(error('VBoxManage: error: Could not find a registered machine named \'m\'\n'))).toBe(false)
    expect(error('VBoxManage: error: The object is not ready\nVBoxManage: error: Details: code E_FAIL (0x80004005), component SessionMachine\n').message).toBe('VBoxManage startvm failed: The object is not ready')
  })

  it('reads host-only interfaces, VirtualBox 7\'s host-only networks and DHCP servers from the simulator\'s real formats', async () => {
    const sim = await makeVBoxSimulator()
    try {
      const vbox = new VBoxManage({bin: sim.bin, env: sim.env, shared: {withLock: (work, options) => withLock(join(dir, 'vbox.lock'), work, options)}})
      const signal = new AbortController().signal
      expect(await listHostOnlyNetworks(vbox, signal)).toEqual([])
      await vbox.mutate(['hostonlyif', 'create'], signal)
      await vbox.mutate(['hostonlyif', 'ipconfig', 'vboxnet0', '--ip', '192.168.56.1', '--netmask', '255.255.255.0'], signal)
      await vbox.mutate(['hostonlynet', 'add', '--name', 'n1', '--netmask', '255.255.255.0', '--lower-ip', '192.168.60.10', '--upper-ip', '192.168.60.200', '--enable'], signal)
      await vbox.mutate(['hostonlynet', 'add', '--name', 'n2', '--netmask', '255.255.254.0', '--lower-ip', '192.168.62.2', '--upper-ip', '192.168.63.200'], signal)
      expect(await listHostOnlyInterfaces(vbox, signal)).toEqual([{name: 'vboxnet0', ip: '192.168.56.1', netmask: '255.255.255.0'}])
      expect(await listHostOnlyNetworks(vbox, signal)).toEqual([{name: 'n1', ip: '192.168.60.10', netmask: '255.255.255.0'}, {name: 'n2', ip: '192.168.62.2', netmask: '255.255.254.0'}])
      await vbox.mutate(['dhcpserver', 'add', '--interface', 'vboxnet0', '--server-ip', '192.168.56.2', '--netmask', '255.255.255.0', '--lower-ip', '192.168.56.100', '--upper-ip', '192.168.56.254', '--enable'], signal)
      expect(await dhcpRanges(vbox, signal)).toEqual({vboxnet0: {serverIp: '192.168.56.2', lower: '192.168.56.100', upper: '192.168.56.254'}})
    } finally {
      await sim.remove()
    }
  })

  it('parses showvminfo --machinereadable and list blocks', () => {
    const info = parseMachineReadable('name="m1"\nmemory=2048\n"SATA-0-0"="/s/disk.vdi"\nForwarding(0)="ssh,tcp,127.0.0.1,40222,,22"\nhostonlyadapter2="vboxnet0"\n')
    expect(info).toMatchObject({'name': 'm1', 'memory': '2048', 'SATA-0-0': '/s/disk.vdi', 'hostonlyadapter2': 'vboxnet0'})
    expect(sshPortOf(info)).toBe(40222)
    expect(sshPortOf({'Forwarding(0)': 'web,tcp,,8080,,80'})).toBeUndefined()
    const blocks = parseBlocks('Name:            vboxnet0\nIPAddress:       192.168.56.1\nNetworkMask:     255.255.255.0\n\nName:            vboxnet1\nIPAddress:       192.168.57.1\n\n')
    expect(blocks).toEqual([{Name: 'vboxnet0', IPAddress: '192.168.56.1', NetworkMask: '255.255.255.0'}, {Name: 'vboxnet1', IPAddress: '192.168.57.1'}])
  })
})
