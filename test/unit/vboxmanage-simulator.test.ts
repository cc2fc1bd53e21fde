import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, readFile, symlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {VBOXMANAGE_BIN, makeVBoxSimulator, type VBoxSimulator} from '../simulators/vboxmanage/index.js'

// The VBoxManage simulator as a driver meets it: a separate process per call, state in a directory.
// It runs the compiled simulator (dist/), so `npm run build` (or `tsc -b`) must have run.

/** `showvminfo --machinereadable` as key -> value, with the quotes around storage keys and values removed. */
function machineReadable(text: string): Record<string, string> {
  const info: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const match = /^"?([^"=]+)"?=(.*)$/.exec(line)
    if (match) info[match[1]!] = match[2]!.replace(/^"(.*)"$/, '$1')
  }
  return info
}

describe('VBoxManage simulator', () => {
  let sim: VBoxSimulator
  let vmFolder: string
  beforeEach(async () => {
    sim = await makeVBoxSimulator()
    vmFolder = join(sim.dir, 'machines')
  })
  afterEach(async () => {
    await sim.remove()
  })

  const ok = async (...args: string[]) => {
    const result = await sim.run(...args)
    expect(result.stderr.split('\n').filter((line) => line.includes('error')), `${args.join(' ')}`).toEqual([])
    expect(result.code).toBe(0)
    return result.stdout
  }
  const refused = async (...args: string[]) => {
    const result = await sim.run(...args)
    expect(result.code, `${args.join(' ')} should fail`).not.toBe(0)
    expect(result.stdout).toBe('')
    return result
  }
  const info = async (vm: string) => machineReadable(await ok('showvminfo', vm, '--machinereadable'))

  /** What a driver does to make a VM from a cloud image: disk, seed ISO, NAT with SSH forward, host-only NIC. */
  async function makeVm(name: string, sshPort: number, hostonly = 'vboxnet0') {
    const folder = join(vmFolder, name)
    await ok('createvm', '--name', name, '--basefolder', vmFolder, '--ostype', 'Ubuntu_64', '--register')
    await ok('modifyvm', name, '--firmware', 'bios', '--memory', '1024', '--cpus', '2', '--ioapic', 'on', '--acpi', 'on', '--rtcuseutc', 'on', '--boot1', 'disk', '--uart1', '0x3F8', '4', '--uartmode1', 'disconnected')
    await ok('modifyvm', name, '--nic1', 'nat', '--nictype1', '82540EM', '--cableconnected1', 'on', '--natpf1', `ssh,tcp,127.0.0.1,${sshPort},,22`)
    await ok('modifyvm', name, '--nic2', 'hostonly', '--nictype2', '82540EM', '--hostonlyadapter2', hostonly, '--cableconnected2', 'on')
    await ok('storagectl', name, '--name', 'SATA', '--add', 'sata', '--portcount', '2', '--hostiocache', 'on')
    const image = join(sim.dir, 'jammy.qcow2')
    if (!existsSync(image)) await writeFile(image, Buffer.concat([Buffer.from('QFI\xfb', 'latin1'), Buffer.alloc(4096, 7)]))
    expect(await ok('clonemedium', 'disk', image, join(folder, 'disk.vdi'), '--format', 'VDI')).toMatch(/^Clone medium created in format 'VDI'\. UUID: [0-9a-f-]{36}\n$/)
    await ok('storageattach', name, '--storagectl', 'SATA', '--port', '0', '--device', '0', '--type', 'hdd', '--medium', join(folder, 'disk.vdi'))
    await writeFile(join(folder, 'seed.iso'), 'CD001')
    await ok('storageattach', name, '--storagectl', 'SATA', '--port', '1', '--device', '0', '--type', 'dvddrive', '--medium', join(folder, 'seed.iso'))
  }

  async function makeNetwork() {
    expect(await ok('hostonlyif', 'create')).toBe("Interface 'vboxnet0' was successfully created\n")
    await ok('hostonlyif', 'ipconfig', 'vboxnet0', '--ip', '192.168.56.1', '--netmask', '255.255.255.0')
    await ok('dhcpserver', 'add', '--interface=vboxnet0', '--server-ip=192.168.56.2', '--netmask=255.255.255.0', '--lower-ip=192.168.56.100', '--upper-ip=192.168.56.254', '--enable')
  }

  it('runs the sequence a driver runs, from create to rm, and leaves nothing behind', async () => {
    expect(await ok('--version')).toMatch(/^7\.0\.\d+r\d+\n$/)
    expect(await ok('list', 'hostonlyifs')).toBe('')
    expect(await ok('list', 'systemproperties')).toContain(`Default machine folder:          ${join(sim.dir, 'VirtualBox VMs')}\n`)
    await makeNetwork()
    const interfaces = await ok('list', 'hostonlyifs')
    expect(interfaces).toMatch(/^Name: +vboxnet0\nGUID: +[0-9a-f-]{36}\nDHCP: +Disabled\nIPAddress: +192\.168\.56\.1\nNetworkMask: +255\.255\.255\.0\n/)
    expect(interfaces).toContain('VBoxNetworkName: HostInterfaceNetworking-vboxnet0\n')
    expect(await ok('list', 'dhcpservers')).toMatch(/^NetworkName: +HostInterfaceNetworking-vboxnet0\nDhcpd IP: +192\.168\.56\.2\nLowerIPAddress: +192\.168\.56\.100\nUpperIPAddress: +192\.168\.56\.254\nNetworkMask: +255\.255\.255\.0\nEnabled: +Yes\n/)

    await makeVm('berth-a', 40022)
    const folder = join(vmFolder, 'berth-a')
    const created = await info('berth-a')
    expect(created).toMatchObject({
      name: 'berth-a', VMState: 'poweroff', CfgFile: join(folder, 'berth-a.vbox'), memory: '1024', cpus: '2', firmware: 'BIOS', ioapic: 'on',
      nic1: 'nat', 'Forwarding(0)': 'ssh,tcp,127.0.0.1,40022,,22', nic2: 'hostonly', hostonlyadapter2: 'vboxnet0', nic3: 'none',
      storagecontrollername0: 'SATA', 'SATA-0-0': join(folder, 'disk.vdi'), 'SATA-1-0': join(folder, 'seed.iso'), uart1: '0x3F8 4',
    })
    expect(created.macaddress2).toMatch(/^080027[0-9A-F]{6}$/)
    expect(await readFile(join(folder, 'disk.vdi'), 'latin1')).toMatch(/^QFI\xfb/)
    const disks = await ok('list', 'hdds')
    expect(disks).toContain(`Location:       ${join(folder, 'disk.vdi')}\nStorage format: VDI\n`)
    expect(disks).toContain(`Location:       ${join(sim.dir, 'jammy.qcow2')}\nStorage format: qcow2\n`)
    expect(await ok('list', 'vms')).toBe(`"berth-a" {${created.UUID}}\n`)
    expect(await ok('list', 'runningvms')).toBe('')

    expect(await ok('startvm', 'berth-a', '--type', 'headless')).toBe('Waiting for VM "berth-a" to power on...\nVM "berth-a" has been successfully started.\n')
    expect((await info('berth-a')).VMState).toBe('running')
    expect(await ok('list', 'runningvms')).toBe(`"berth-a" {${created.UUID}}\n`)
    expect(await ok('guestproperty', 'get', 'berth-a', '/VirtualBox/GuestInfo/Net/1/V4/IP')).toBe('No value set!\n')
    await ok('guestproperty', 'set', 'berth-a', '/VirtualBox/GuestInfo/Net/1/V4/IP', '192.168.56.101')
    expect(await ok('guestproperty', 'get', 'berth-a', '/VirtualBox/GuestInfo/Net/1/V4/IP')).toBe('Value: 192.168.56.101\n')
    await ok('controlvm', 'berth-a', 'natpf1', 'docker,tcp,127.0.0.1,42376,,2376')
    await ok('controlvm', 'berth-a', 'natpf1', 'delete', 'docker')
    await ok('controlvm', 'berth-a', 'reset')
    await ok('controlvm', 'berth-a', 'acpipowerbutton')
    expect((await info('berth-a')).VMState).toBe('poweroff')
    await ok('startvm', 'berth-a', '--type', 'headless')
    await ok('controlvm', 'berth-a', 'poweroff')
    expect((await info('berth-a')).VMState).toBe('poweroff')

    // rm: detach and forget the seed, delete the VM with its disk, then the network berth made.
    await ok('storageattach', 'berth-a', '--storagectl', 'SATA', '--port', '1', '--device', '0', '--type', 'dvddrive', '--medium', 'none')
    await ok('closemedium', 'dvd', join(folder, 'seed.iso'), '--delete')
    await ok('unregistervm', 'berth-a', '--delete')
    await ok('closemedium', 'disk', join(sim.dir, 'jammy.qcow2'))
    await ok('dhcpserver', 'remove', '--interface=vboxnet0')
    await ok('hostonlyif', 'remove', 'vboxnet0')
    expect(existsSync(folder)).toBe(false)
    expect(existsSync(join(sim.dir, 'jammy.qcow2'))).toBe(true)
    expect(await sim.world()).toMatchObject({vms: [], media: [], hostonlyifs: [], hostonlynets: [], dhcpservers: []})
    const calls = await sim.calls()
    expect(calls.map((call) => call.argv[0])).toContain('storagectl')
    expect(calls.find((call) => call.argv[0] === 'startvm')).toMatchObject({argv: ['startvm', 'berth-a', '--type', 'headless'], exitCode: 0})
    expect(calls.at(-1)).toMatchObject({argv: ['hostonlyif', 'remove', 'vboxnet0'], exitCode: 0})
  })

  it('refuses unknown machines, duplicate names and changes to a running machine with VirtualBox\'s messages', async () => {
    for (const args of [['showvminfo', 'ghost', '--machinereadable'], ['modifyvm', 'ghost', '--memory', '512'], ['startvm', 'ghost'], ['controlvm', 'ghost', 'poweroff'], ['unregistervm', 'ghost', '--delete']]) {
      const result = await refused(...args)
      expect(result.code).toBe(1)
      expect(result.stderr.split('\n')[0]).toBe("VBoxManage: error: Could not find a registered machine named 'ghost'")
      expect(result.stderr).toContain('VBOX_E_OBJECT_NOT_FOUND (0x80bb0001)')
    }
    await makeNetwork()
    await makeVm('berth-b', 40023)
    const duplicate = await refused('createvm', '--name', 'berth-b', '--basefolder', vmFolder, '--register')
    expect(duplicate.stderr).toContain(`VBoxManage: error: Machine settings file '${join(vmFolder, 'berth-b', 'berth-b.vbox')}' already exists`)
    expect((await refused('createvm', '--name', 'berth-b', '--register')).stderr).toContain("A machine named 'berth-b' is already registered")
    expect((await refused('controlvm', 'berth-b', 'poweroff')).stderr).toBe("VBoxManage: error: Machine 'berth-b' is not currently running\n")

    await ok('startvm', 'berth-b', '--type', 'headless')
    const locked = "VBoxManage: error: The machine 'berth-b' is already locked for a session (or being unlocked)"
    expect((await refused('modifyvm', 'berth-b', '--memory', '2048')).stderr.split('\n')[0]).toBe(locked)
    expect((await refused('modifyvm', 'berth-b', '--natpf1', 'delete', 'ssh')).stderr.split('\n')[0]).toBe(locked)
    expect((await refused('storagectl', 'berth-b', '--name', 'IDE', '--add', 'ide')).stderr.split('\n')[0]).toBe(locked)
    const attach = await refused('storageattach', 'berth-b', '--storagectl', 'SATA', '--port', '1', '--device', '0', '--type', 'dvddrive', '--medium', 'none')
    expect(attach.stderr).toContain("VBoxManage: error: Controller 'SATA' does not support hotplugging\nVBoxManage: error: Details: code VBOX_E_INVALID_VM_STATE (0x80bb0002)")
    expect((await refused('startvm', 'berth-b')).stderr.split('\n')[0]).toBe("VBoxManage: error: The machine 'berth-b' is already locked by a session (or being locked or unlocked)")
    expect((await refused('unregistervm', 'berth-b', '--delete')).stderr.split('\n')[0]).toBe("VBoxManage: error: Cannot unregister the machine 'berth-b' while it is locked")
    expect((await info('berth-b')).memory).toBe('1024')
    await ok('controlvm', 'berth-b', 'poweroff')

    expect((await refused('closemedium', 'disk', join(vmFolder, 'berth-b', 'disk.vdi'))).stderr).toContain('because it is still attached to 1 virtual machines')
    expect((await refused('modifyvm', 'berth-b', '--natpf1', 'ssh,tcp,127.0.0.1,40099,,22')).stderr.split('\n')[0]).toBe('VBoxManage: error: A NAT rule of this name already exists')
    expect((await refused('modifyvm', 'berth-b', '--natpf1', 'other,tcp,127.0.0.1,40023,,22')).stderr.split('\n')[0]).toBe('VBoxManage: error: A NAT rule for this host port and this host IP already exists')
    expect((await refused('storageattach', 'berth-b', '--storagectl', 'NVMe', '--port', '0', '--device', '0', '--type', 'hdd', '--medium', 'none')).stderr).toBe("VBoxManage: error: Could not find a controller named 'NVMe'\n")
    expect((await refused('storageattach', 'berth-b', '--storagectl', 'SATA', '--port', '1', '--device', '0', '--type', 'hdd', '--medium', '/nonexistent.vdi')).stderr.split('\n')[0]).toBe("VBoxManage: error: Could not find file for the medium '/nonexistent.vdi' (VERR_FILE_NOT_FOUND)")

    // A disk belongs to one machine.
    await ok('createvm', '--name', 'berth-c', '--basefolder', vmFolder, '--register')
    await ok('storagectl', 'berth-c', '--name', 'SATA', '--add', 'sata')
    expect((await refused('storageattach', 'berth-c', '--storagectl', 'SATA', '--port', '0', '--device', '0', '--type', 'hdd', '--medium', join(vmFolder, 'berth-b', 'disk.vdi'))).stderr).toContain('medium is already associated with the current state of machine')
    // A host-only adapter that does not exist stops the VM from starting.
    await ok('modifyvm', 'berth-c', '--nic2', 'hostonly', '--hostonlyadapter2', 'vboxnet7')
    // VBoxManage has said it is waiting before the VM fails to power on.
    expect(await sim.run('startvm', 'berth-c', '--type', 'headless')).toMatchObject({code: 1, stdout: 'Waiting for VM "berth-c" to power on...\n'})
    expect((await sim.run('startvm', 'berth-c', '--type', 'headless')).stderr).toContain("VBoxManage: error: Nonexistent host networking interface, name 'vboxnet7' (VERR_INTERNAL_ERROR)")
    expect((await info('berth-c')).VMState).toBe('poweroff')

    // Syntax errors exit 2, as VBoxManage's RTEXITCODE_SYNTAX.
    expect(await sim.run('modifyvm', 'berth-c', '--no-such-option', 'x')).toMatchObject({code: 2, stderr: 'VBoxManage: error: Unknown option: --no-such-option\n'})
    expect((await sim.run('frobnicate')).code).toBe(2)
  })

  it('keeps host-only networks inside the allowed ranges and apart from each other', async () => {
    await ok('hostonlyif', 'create')
    expect(await ok('hostonlyif', 'create')).toBe("Interface 'vboxnet1' was successfully created\n")
    // DM's old default, 192.168.99.0/24, is outside VirtualBox >= 6.1.28's default 192.168.56.0/21.
    const denied = await refused('hostonlyif', 'ipconfig', 'vboxnet0', '--ip', '192.168.99.1', '--netmask', '255.255.255.0')
    expect(denied.stderr).toBe('VBoxManage: error: Code E_ACCESSDENIED (0x80070005) - Access denied (extended info not available)\n')
    expect((await refused('hostonlyif', 'ipconfig', 'vboxnet0', '--ip', '192.168.60.1', '--netmask', '255.255.248.0')).code).toBe(1)
    // A new interface has VirtualBox's default address, 192.168.(56+N).1/24, which counts as taken.
    expect(await ok('list', 'hostonlyifs')).toContain('IPAddress:       192.168.57.1\n')
    expect((await refused('hostonlyif', 'ipconfig', 'vboxnet0', '--ip', '192.168.57.2', '--netmask', '255.255.255.0')).stderr).toContain("overlaps the network of 'vboxnet1'")
    await ok('hostonlyif', 'ipconfig', 'vboxnet0', '--ip', '192.168.59.1', '--netmask', '255.255.255.0')
    expect((await refused('hostonlyif', 'ipconfig', 'vboxnet1', '--ip', '192.168.59.20', '--netmask', '255.255.255.0')).stderr.split('\n')[0]).toContain("overlaps the network of 'vboxnet0'")
    expect((await refused('hostonlynet', 'add', '--name', 'n1', '--netmask', '255.255.254.0', '--lower-ip', '192.168.58.10', '--upper-ip', '192.168.59.200')).stderr).toContain("overlaps the network of 'vboxnet0'")
    await ok('hostonlynet', 'add', '--name', 'n1', '--netmask', '255.255.255.0', '--lower-ip', '192.168.60.10', '--upper-ip', '192.168.60.200', '--enable')
    expect(await ok('list', 'hostonlynets')).toMatch(/^Name: +n1\nGUID: +[0-9a-f-]{36}\n\nState: +Enabled\nNetworkMask: +255\.255\.255\.0\nLowerIP: +192\.168\.60\.10\nUpperIP: +192\.168\.60\.200\nVBoxNetworkName: hostonly-n1\n/)
    await ok('hostonlynet', 'remove', '--name', 'n1')
    expect(await ok('list', 'hostonlynets')).toBe('')
    // /etc/vbox/networks.conf (here: networks.conf in the state directory) widens the ranges.
    await sim.networksConf('* 10.0.0.0/8 192.168.0.0/16\n')
    await ok('hostonlyif', 'ipconfig', 'vboxnet1', '--ip', '192.168.99.1', '--netmask', '255.255.255.0')
    await ok('hostonlyif', 'ipconfig', 'vboxnet0', '--ip', '10.20.30.1', '--netmask', '255.255.255.0')
    expect((await refused('hostonlyif', 'ipconfig', 'vboxnet0', '--ip', '172.16.0.1', '--netmask', '255.255.255.0')).stderr).toContain('E_ACCESSDENIED')
    expect((await refused('hostonlyif', 'remove', 'vboxnet9')).stderr.split('\n')[0]).toBe("VBoxManage: error: The host network interface named 'vboxnet9' could not be found")
    await ok('dhcpserver', 'add', '--netname', 'HostInterfaceNetworking-vboxnet1', '--ip', '192.168.99.2', '--netmask', '255.255.255.0', '--lowerip', '192.168.99.100', '--upperip', '192.168.99.254', '--enable')
    expect((await refused('dhcpserver', 'add', '--interface=vboxnet1', '--server-ip=192.168.99.3', '--netmask=255.255.255.0', '--lower-ip=192.168.99.10', '--upper-ip=192.168.99.20')).stderr.split('\n')[0]).toBe('VBoxManage: error: DHCP server already exists')
    await ok('dhcpserver', 'modify', '--interface=vboxnet1', '--disable')
    expect(await ok('list', 'dhcpservers')).toContain('Enabled:        No\n')
    await ok('dhcpserver', 'remove', '--interface=vboxnet1')
    expect((await refused('dhcpserver', 'remove', '--interface=vboxnet1')).stderr.split('\n')[0]).toBe('VBoxManage: error: DHCP server does not exist')
  })

  it('keeps one consistent state when ten processes create machines and interfaces at once', async () => {
    const names = Array.from({length: 10}, (_, index) => `par-${index}`)
    const results = await Promise.all([
      ...names.map((name) => sim.run('createvm', '--name', name, '--basefolder', vmFolder, '--register')),
      ...names.map(() => sim.run('hostonlyif', 'create')),
    ])
    expect(results.map((result) => result.code)).toEqual(Array.from({length: 20}, () => 0))
    const world = await sim.world()
    expect(world.vms.map((vm) => vm.name).sort()).toEqual([...names].sort())
    expect(new Set(world.vms.map((vm) => vm.uuid)).size).toBe(10)
    expect(world.hostonlyifs.map((hif) => hif.name).sort()).toEqual(Array.from({length: 10}, (_, index) => `vboxnet${index}`).sort())
    expect((await ok('list', 'vms')).trim().split('\n')).toHaveLength(10)
    expect(await sim.calls()).toHaveLength(21)
    // Ten more at once, half of them duplicates: exactly the new names succeed.
    const again = await Promise.all([...names.slice(0, 5), 'par-10', 'par-11', 'par-12', 'par-13', 'par-14'].map((name) => sim.run('createvm', '--name', name, '--basefolder', vmFolder, '--register')))
    expect(again.map((result) => result.code)).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
    expect((await sim.world()).vms).toHaveLength(15)
  })

  it('fails the Nth call of a subcommand on request, changing nothing, and logs it', async () => {
    await ok('createvm', '--name', 'berth-f', '--basefolder', vmFolder, '--register')
    await ok('storagectl', 'berth-f', '--name', 'SATA', '--add', 'sata')
    await mkdir(join(vmFolder, 'berth-f'), {recursive: true})
    await writeFile(join(vmFolder, 'berth-f', 'a.iso'), 'CD001')
    await sim.inject({command: 'storageattach', call: 2}, {command: 'startvm', call: 1, times: 2, message: ['The object is not ready']})
    const attach = (port: string) => sim.run('storageattach', 'berth-f', '--storagectl', 'SATA', '--port', port, '--device', '0', '--type', 'dvddrive', '--medium', join(vmFolder, 'berth-f', 'a.iso'))
    expect((await attach('0')).code).toBe(0)
    const failed = await attach('1')
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(/^VBoxManage: error: Injected failure of 'storageattach' \(call 2\)\n/)
    expect((await info('berth-f'))['SATA-1-0']).toBe('none')
    expect((await attach('1')).code).toBe(0)
    expect((await info('berth-f'))['SATA-1-0']).toBe(join(vmFolder, 'berth-f', 'a.iso'))

    expect(await sim.run('startvm', 'berth-f', '--type', 'headless')).toEqual({code: 1, stdout: '', stderr: 'VBoxManage: error: The object is not ready\n'})
    expect((await sim.run('startvm', 'berth-f', '--type', 'headless')).code).toBe(1)
    expect((await info('berth-f')).VMState).toBe('poweroff')
    await ok('startvm', 'berth-f', '--type', 'headless')
    expect((await sim.calls()).filter((call) => call.argv[0] === 'startvm').map((call) => call.exitCode)).toEqual([1, 1, 0])
  })

  it('lets a guest ignore the ACPI power button, so a driver can fall back to power off', async () => {
    await ok('createvm', '--name', 'stubborn', '--basefolder', vmFolder, '--register')
    await ok('startvm', 'stubborn', '--type', 'headless')
    await sim.ignoreAcpi('stubborn')
    await ok('controlvm', 'stubborn', 'acpipowerbutton')
    expect((await info('stubborn')).VMState).toBe('running')
    await ok('controlvm', 'stubborn', 'poweroff')
    expect((await info('stubborn')).VMState).toBe('poweroff')
  })

  it('grows a disk with modifymedium --resize, refusing to shrink it, deletes a NAT rule by name, and keeps permanent shared folders', async () => {
    await makeNetwork()
    await makeVm('grown', 40_001)
    const disk = join(vmFolder, 'grown', 'disk.vdi')
    await ok('modifymedium', 'disk', disk, '--resize', '20000')
    expect(await ok('list', 'hdds')).toContain(`Location:       ${disk}\nStorage format: VDI\nCapacity:       20000 MBytes\n`)
    expect((await refused('modifymedium', 'disk', disk, '--resize', '100')).stderr).toContain(`VBoxManage: error: Shrinking is not yet supported for medium '${disk}'`)
    // convertfromraw writes a VDI that nothing has opened yet; modifymedium opens it by its path.
    const raw = join(sim.dir, 'disk.raw')
    await writeFile(raw, Buffer.alloc(3 * 2 ** 20, 1))
    const converted = join(vmFolder, 'converted.vdi')
    await ok('convertfromraw', raw, converted, '--format', 'VDI')
    expect(await ok('list', 'hdds')).not.toContain(converted)
    await ok('modifymedium', 'disk', converted, '--resize', '4096')
    expect(await ok('list', 'hdds')).toContain(`Location:       ${converted}\nStorage format: VDI\nCapacity:       4096 MBytes\n`)
    await ok('modifyvm', 'grown', '--natpf1', 'delete', 'ssh')
    expect(await info('grown')).not.toHaveProperty('Forwarding(0)')
    await ok('modifyvm', 'grown', '--natpf1', 'ssh,tcp,127.0.0.1,40002,,22')
    expect((await info('grown'))['Forwarding(0)']).toBe('ssh,tcp,127.0.0.1,40002,,22')
    await ok('modifyvm', 'grown', '--uart1', '0x3F8', '4', '--uartmode1', 'file', join(vmFolder, 'console.log'))
    expect((await info('grown')).uart1).toBe('0x3F8 4')
    await ok('sharedfolder', 'add', 'grown', '--name', 'hosthome', '--hostpath', '/home', '--automount')
    expect(await info('grown')).toMatchObject({SharedFolderNameMachineMapping1: 'hosthome', SharedFolderPathMachineMapping1: '/home'})
    expect((await refused('sharedfolder', 'add', 'grown', '--name', 'hosthome', '--hostpath', '/srv')).stderr).toContain("Shared folder named 'hosthome' already exists")
    await ok('startvm', 'grown', '--type', 'headless')
    expect((await refused('sharedfolder', 'remove', 'grown', '--name', 'hosthome')).stderr).toContain('is already locked for a session')
    await ok('controlvm', 'grown', 'poweroff')
    await ok('sharedfolder', 'remove', 'grown', '--name', 'hosthome')
    expect(await info('grown')).not.toHaveProperty('SharedFolderNameMachineMapping1')
  })

  it('runs as plain VBoxManage from a PATH directory that links to it', async () => {
    const binDir = join(sim.dir, 'bin')
    await mkdir(binDir)
    await symlink(VBOXMANAGE_BIN, join(binDir, 'VBoxManage'))
    const result = await new Promise<{error: Error | null; stdout: string}>((done) => {
      execFile('VBoxManage', ['--version'], {env: {...sim.env, PATH: `${binDir}:${process.env.PATH ?? ''}`}}, (error, stdout) => done({error, stdout}))
    })
    expect(result.error).toBeNull()
    expect(result.stdout).toMatch(/^7\.0\.\d+r\d+\n$/)
  })

  it('refuses to run without a state directory', async () => {
    const env = {...process.env}
    delete env.BERTH_VBOX_SIM_DIR
    const result = await new Promise<{code: number; stderr: string}>((done) => {
      execFile(VBOXMANAGE_BIN, ['list', 'vms'], {env}, (error, _stdout, stderr) => done({code: error ? Number(error.code) : 0, stderr}))
    })
    expect(result).toEqual({code: 1, stderr: 'VBoxManage simulator: set BERTH_VBOX_SIM_DIR to an absolute directory for its state\n'})
  })
})
