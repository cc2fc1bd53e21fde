import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {open, rm, stat} from 'node:fs/promises'
import {join, sep} from 'node:path'
import {BerthError, type Driver, type DriverSetup, type MachineState, type OperationContext, prose, type ResourceRecord, run, type SshEndpoint, writeSeedIso} from '../../src/driver-kit/index.js'
import {vtxFacts, vtxProblem} from './host.js'
import {ensureInterface, listHostOnlyInterfaces, previewNetwork, releaseNetwork, reserveNetwork, reserveSshPort, type Reserved} from './hostonly.js'
import type {VBoxSettings} from './settings.js'
import {type VBoxManage, isNotFound, parseBlocks, parseMachineReadable, parseVersion, versionAtLeast} from './vboxmanage.js'
import {INSTALL_HINT, SSH_RULE, deleteVm, forwardSshPort, powerOffVm, sshPortOf, stopVm, vboxFor, vmInfo, vmState} from './vm-control.js'

const CONTROLLER = 'SATA'

export const VM = 'virtualbox-vm'
export const DISK = 'virtualbox-disk'
export const SEED = 'virtualbox-seed'
export const ADDRESS = 'virtualbox-hostonly-address'

/** What a machine stores in config.json. */
export interface VBoxState {
  settings: VBoxSettings
  vmUuid?: string
  network?: Reserved
}

/** A VirtualBox VM booted from a cloud image, with a NAT NIC for SSH and a host-only NIC at a fixed address. */
export class VirtualBoxDriver implements Driver {
  private runner?: VBoxManage
  private version?: string

  constructor(private readonly stored: VBoxState, private readonly setup: DriverSetup) {}

  private get settings(): VBoxSettings {
    return this.stored.settings
  }

  private get name(): string {
    return this.setup.machineName
  }

  async preCreateCheck(ctx: OperationContext): Promise<void> {
    const vbox = this.vbox()
    const version = await this.vboxVersion(ctx.signal)
    if (!versionAtLeast(version, 6, 1)) throw new BerthError(`VirtualBox ${version} is too old: berth needs 6.1 or later.`, {code: 'hypervisor', hint: INSTALL_HINT})
    if (!this.settings.noVtxCheck) {
      const problem = vtxProblem(process.platform, await vtxFacts(process.platform))
      if (problem !== undefined) throw new BerthError(problem.message, {code: 'hypervisor', hint: problem.hint})
    }
    const vms = await vbox.query(['list', 'vms'], ctx.signal)
    if (vms.split('\n').some((line) => line.startsWith(`"${this.name}" {`))) {
      throw new BerthError(`VirtualBox already has a VM named "${this.name}".`, {code: 'hypervisor', hint: 'Choose another machine name, or remove that VM in VirtualBox.'})
    }
    if (!/^(https?|file):\/\//i.test(this.settings.imageUrl) && !existsSync(this.settings.imageUrl)) {
      throw new BerthError(`The image file ${this.settings.imageUrl} does not exist.`, {code: 'hypervisor', hint: 'Pass --virtualbox-image-url with an image file, a file:// URL or an http(s) URL.'})
    }
    await previewNetwork(vbox, this.networkRequest(version), ctx.signal)
  }

  async create(ctx: OperationContext): Promise<void> {
    const {signal} = ctx
    const vbox = this.vbox()
    const version = await this.vboxVersion(signal)

    ctx.progress(`Getting the image ${this.settings.imageUrl}`)
    const image = await this.setup.images.ensure({
      source: this.settings.imageUrl,
      ...(this.settings.imageChecksum === undefined ? {} : {checksum: /^sha(256|512):[0-9a-f]+$/.test(this.settings.imageChecksum) ? this.settings.imageChecksum : {file: this.settings.imageChecksum}}),
    }, ctx)
    const key = await this.setup.sshKey.create()

    const network = await reserveNetwork(vbox, {...this.networkRequest(version), noDhcp: this.settings.hostOnlyNoDhcp}, ctx)
    this.stored.network = network
    await ctx.record({kind: ADDRESS, id: network.address, interface: network.interfaceName, cidr: network.cidr})
    signal.throwIfAborted()

    ctx.progress(`Creating the VirtualBox VM ${this.name}`)
    // VirtualBox's guest type for berth's default Ubuntu image, else a generic 64-bit Linux.
    const osType = this.settings.defaultImage ? 'Ubuntu_64' : 'Linux_64'
    const created = await vbox.mutate(['createvm', '--name', this.name, '--basefolder', this.setup.machineDir, '--ostype', osType, '--register'], signal)
    const uuid = /^UUID:\s*([0-9a-f-]+)/im.exec(created)?.[1]
    if (uuid === undefined) throw new BerthError('VBoxManage createvm did not say the UUID of the VM it made.', {code: 'hypervisor'})
    this.stored.vmUuid = uuid
    await ctx.record({kind: VM, id: uuid, name: this.name})

    const disk = join(this.setup.machineDir, 'disk.vdi')
    await ctx.record({kind: DISK, id: disk})
    ctx.progress(`Converting the image into the VM's disk (${this.settings.diskSizeMb} MB)`)
    let capacity: number | undefined
    if (await imageFormat(image) === 'raw') {
      // VirtualBox opens raw disks only through convertfromraw; the new disk is as large as the raw image.
      await vbox.mutate(['convertfromraw', image, disk, '--format', 'VDI'], signal)
      capacity = Math.ceil((await stat(image)).size / 2 ** 20)
    } else {
      await vbox.locked(async () => {
        const registeredBefore = await this.mediumRegistered('hdds', image, signal)
        await vbox.mutate(['clonemedium', 'disk', image, disk, '--format', 'VDI'], signal)
        // Cloning opened the cached image in VirtualBox's media registry; it stays in the cache, not in VirtualBox.
        if (!registeredBefore) await vbox.mutate(['closemedium', 'disk', image], signal).catch(() => undefined)
      }, signal)
      capacity = await this.capacityMb(disk, signal)
    }
    if (capacity === undefined || capacity < this.settings.diskSizeMb) await vbox.mutate(['modifymedium', 'disk', disk, '--resize', String(this.settings.diskSizeMb)], signal)
    else if (capacity > this.settings.diskSizeMb) ctx.progress(`The image is already ${capacity} MB, more than --virtualbox-disk-size ${this.settings.diskSizeMb}: the disk keeps the image's size`)

    const seed = join(this.setup.machineDir, 'seed.iso')
    await ctx.record({kind: SEED, id: seed})
    const natMac = newMac()
    const hostOnlyMac = newMac()
    await writeSeedIso(seed, {
      hostname: this.name,
      user: this.settings.sshUser,
      sshPublicKey: key.publicKey,
      nics: [{mac: natMac}, {mac: hostOnlyMac, address: `${network.address}/${network.prefix}`}],
    })

    const sshPort = await reserveSshPort(vbox, this.setup.shared, this.name, signal)
    const onOff = (value: boolean) => (value ? 'on' : 'off')
    await vbox.mutate(['modifyvm', uuid,
      '--firmware', 'bios', '--bioslogofadein', 'off', '--bioslogofadeout', 'off', '--bioslogodisplaytime', '0', '--biosbootmenu', 'disabled',
      '--ostype', osType, '--cpus', String(this.settings.cpus), '--memory', String(this.settings.memory),
      '--acpi', 'on', '--ioapic', 'on', '--rtcuseutc', 'on', '--cpuhotplug', 'off', '--pae', 'on', '--hpet', 'on',
      '--hwvirtex', 'on', '--nestedpaging', 'on', '--largepages', 'on', '--vtxvpid', 'on', '--accelerate3d', 'off',
      '--boot1', 'disk', '--boot2', 'dvd', '--boot3', 'none', '--boot4', 'none',
      // Cloud images write their console to the first serial port: berth keeps it as the machine's console log.
      '--uart1', '0x3F8', '4', '--uartmode1', 'file', join(this.setup.machineDir, 'console.log'),
    ], signal)
    await vbox.mutate(['modifyvm', uuid,
      '--nic1', 'nat', '--nictype1', this.settings.natNicType, '--macaddress1', natMac, '--cableconnected1', 'on',
      '--natdnshostresolver1', onOff(this.settings.hostDnsResolver), '--natdnsproxy1', onOff(!this.settings.noDnsProxy),
      '--natpf1', `${SSH_RULE},tcp,127.0.0.1,${sshPort},,22`,
      '--nic2', 'hostonly', '--hostonlyadapter2', network.interfaceName, '--nictype2', this.settings.hostOnlyNicType,
      '--nicpromisc2', this.settings.hostOnlyNicPromisc, '--macaddress2', hostOnlyMac, '--cableconnected2', 'on',
    ], signal)
    await vbox.mutate(['storagectl', uuid, '--name', CONTROLLER, '--add', 'sata', '--hostiocache', 'on'], signal)
    await vbox.mutate(['storageattach', uuid, '--storagectl', CONTROLLER, '--port', '0', '--device', '0', '--type', 'hdd', '--medium', disk], signal)
    await vbox.mutate(['storageattach', uuid, '--storagectl', CONTROLLER, '--port', '1', '--device', '0', '--type', 'dvddrive', '--medium', seed], signal)
    await this.share(uuid, ctx)

    signal.throwIfAborted()
    ctx.progress(`Starting the VM (${this.settings.uiType}); SSH is forwarded from 127.0.0.1:${sshPort}, the engine will listen on ${network.address}:${this.setup.enginePort}`)
    await vbox.mutate(['startvm', uuid, '--type', this.settings.uiType], signal)
  }

  /** Docker Machine shared the home folder; that needs VirtualBox's guest additions, which cloud images lack. */
  private async share(uuid: string, ctx: OperationContext): Promise<void> {
    const share = this.settings.share
    if (share === undefined) return
    if (this.settings.defaultImage) {
      ctx.progress(prose`Not sharing ${share.hostPath}: the cloud image has no VirtualBox guest additions to mount it. Use ${run('mount', undefined, [`${this.name}:DIR`, 'LOCAL'])} to mount folders over SSH (--virtualbox-no-share silences this)`)
      return
    }
    if (!existsSync(share.hostPath)) {
      ctx.progress(`Not sharing ${share.hostPath}: it does not exist`)
      return
    }
    const vbox = this.vbox()
    await vbox.mutate(['guestproperty', 'set', uuid, '/VirtualBox/GuestAdd/SharedFolders/MountPrefix', '/'], ctx.signal)
    await vbox.mutate(['guestproperty', 'set', uuid, '/VirtualBox/GuestAdd/SharedFolders/MountDir', '/'], ctx.signal)
    await vbox.mutate(['sharedfolder', 'add', uuid, '--name', share.name, '--hostpath', share.hostPath, '--automount'], ctx.signal)
    ctx.progress(prose`Sharing ${share.hostPath} as "${share.name}": the image's VirtualBox guest additions mount it, if it has them; otherwise use ${run('mount')}`)
  }

  async start(ctx: OperationContext): Promise<void> {
    const vbox = this.vbox()
    const uuid = this.uuid()
    const info = await this.info(ctx.signal)
    if (info.VMState === 'running') return
    if (info.VMState === 'paused') {
      await vbox.mutate(['controlvm', uuid, 'resume'], ctx.signal)
      return
    }
    const network = this.stored.network
    if (network !== undefined && !(await listHostOnlyInterfaces(vbox, ctx.signal)).some((hif) => hif.name === info.hostonlyadapter2)) {
      const name = await ensureInterface(vbox, this.setup.shared, network.interfaceName, network.cidr, ctx.signal)
      ctx.progress(`The host-only network ${network.cidr} was gone; it is ${name} again`)
      await vbox.mutate(['modifyvm', uuid, '--hostonlyadapter2', name], ctx.signal)
    }
    await forwardSshPort(vbox, this.setup, uuid, info, ctx)
    await vbox.mutate(['startvm', uuid, '--type', this.settings.uiType], ctx.signal)
  }

  /** The ACPI power button, then a hard power-off when the guest has not shut down within the stop timeout. */
  async stop(ctx: OperationContext): Promise<void> {
    await stopVm(this.vbox(), this.uuid(), this.settings.stopTimeoutSeconds, ctx)
  }

  async kill(ctx: OperationContext): Promise<void> {
    await powerOffVm(this.vbox(), this.uuid(), ctx.signal)
  }

  async restart(ctx: OperationContext): Promise<void> {
    await this.stop(ctx)
    await this.start(ctx)
  }

  /** The VM with its disk and seed, then the machine's address, and the host-only network if berth made it and nothing else uses it. */
  async remove(ctx: OperationContext, resources: readonly ResourceRecord[]): Promise<void> {
    if (resources.length === 0) return
    const vbox = this.vbox()
    const {signal} = ctx
    const vms = resources.filter((candidate) => candidate.kind === VM)
    // A create cut off between createvm and its record leaves a VM of the machine's name in the machine's directory.
    if (vms.length === 0) {
      const orphan = await this.vmInMachineDir(signal)
      if (orphan !== undefined) vms.push({kind: VM, id: orphan, name: this.name})
    }
    for (const resource of vms) {
      ctx.progress(`Removing the VirtualBox VM ${typeof resource.name === 'string' ? resource.name : resource.id}`)
      await deleteVm(vbox, resource.id, signal)
      await rm(join(this.setup.machineDir, this.name), {recursive: true, force: true})
    }
    for (const resource of resources.filter((candidate) => candidate.kind === DISK || candidate.kind === SEED)) {
      const kind = resource.kind === DISK ? 'disk' : 'dvd'
      if (await this.mediumRegistered(resource.kind === DISK ? 'hdds' : 'dvds', resource.id, signal)) {
        await vbox.mutate(['closemedium', kind, resource.id, '--delete'], signal)
      }
      await rm(resource.id, {force: true})
    }
    const address = resources.find((candidate) => candidate.kind === ADDRESS)
    if (address !== undefined) await releaseNetwork(vbox, this.setup.shared, this.name, typeof address.interface === 'string' ? address.interface : undefined, ctx)
  }

  async state(signal: AbortSignal): Promise<MachineState> {
    if (this.stored.vmUuid === undefined) return 'NotFound'
    return vmState(this.vbox(), this.stored.vmUuid, signal)
  }

  async address(): Promise<string> {
    if (this.stored.network === undefined) throw new BerthError(`Machine "${this.name}" has no host-only address (its creation did not finish).`, {code: 'creation-unfinished', data: {machine: this.name, missing: 'host-only address'}, fixes: [run('rm', this.name)]})
    return this.stored.network.address
  }

  async dockerUrl(): Promise<string> {
    return `tcp://${await this.address()}:${this.setup.enginePort}`
  }

  /** SSH goes through the NAT rule's loopback port, which start moves when another program took it. */
  async sshEndpoint(signal: AbortSignal): Promise<SshEndpoint> {
    const port = sshPortOf(await this.info(signal))
    if (port === undefined) throw new BerthError(`The VM of "${this.name}" has no SSH port forward (NAT rule "${SSH_RULE}").`, {code: 'ssh-port-missing', data: {machine: this.name, rule: SSH_RULE}, fixes: [run('restart', this.name)]})
    return {host: '127.0.0.1', port, user: this.settings.sshUser, keyPath: this.setup.sshKey.path}
  }

  toState(): Record<string, unknown> {
    return {...this.stored}
  }

  private vbox(): VBoxManage {
    this.runner ??= vboxFor(this.setup)
    return this.runner
  }

  private async vboxVersion(signal: AbortSignal): Promise<string> {
    if (this.version !== undefined) return this.version
    const output = await this.vbox().query(['--version'], signal)
    const version = parseVersion(output)
    if (version === undefined) throw new BerthError(`VBoxManage --version printed no version: ${output.trim().split('\n')[0] ?? ''}`, {code: 'hypervisor', hint: INSTALL_HINT})
    this.version = version
    return version
  }

  private networkRequest(version: string) {
    return {shared: this.setup.shared, machine: this.name, version, env: this.setup.env, ...(this.settings.hostOnlyCidr === undefined ? {} : {requested: this.settings.hostOnlyCidr})}
  }

  private uuid(): string {
    if (this.stored.vmUuid === undefined) throw new BerthError(`Machine "${this.name}" has no VirtualBox VM (its creation did not finish).`, {code: 'creation-unfinished', data: {machine: this.name, missing: 'VirtualBox VM'}, fixes: [run('rm', this.name)]})
    return this.stored.vmUuid
  }

  private async info(signal: AbortSignal): Promise<Record<string, string>> {
    return vmInfo(this.vbox(), this.uuid(), signal)
  }

  /** The UUID of a VM named after the machine whose settings live in the machine's directory, if VirtualBox has one. */
  private async vmInMachineDir(signal: AbortSignal): Promise<string | undefined> {
    try {
      const info = parseMachineReadable(await this.vbox().query(['showvminfo', this.name, '--machinereadable'], signal))
      return info.CfgFile?.startsWith(`${this.setup.machineDir}${sep}`) === true ? info.UUID : undefined
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw error
    }
  }

  private async mediumRegistered(list: 'hdds' | 'dvds', path: string, signal: AbortSignal): Promise<boolean> {
    return parseBlocks(await this.vbox().query(['list', list], signal)).some((block) => block.Location === path)
  }

  private async capacityMb(path: string, signal: AbortSignal): Promise<number | undefined> {
    const block = parseBlocks(await this.vbox().query(['list', 'hdds'], signal)).find((candidate) => candidate.Location === path)
    const match = /^(\d+)\s*MBytes/.exec(block?.Capacity ?? '')
    return match === null ? undefined : Number(match[1])
  }
}

/**
 * The image's format from its first bytes: the formats VirtualBox clones (VMDK, VDI, VHD, qcow2), or raw, which
 * it takes only through convertfromraw (Debian's .raw images, for instance).
 */
export async function imageFormat(path: string): Promise<'vmdk' | 'vdi' | 'vhd' | 'qcow2' | 'raw'> {
  const handle = await open(path, 'r')
  try {
    const {buffer, bytesRead} = await handle.read(Buffer.alloc(512), 0, 512, 0)
    const head = buffer.subarray(0, bytesRead).toString('latin1')
    if (head.startsWith('KDMV') || head.startsWith('# Disk DescriptorFile')) return 'vmdk'
    if (head.startsWith('QFI\xfb')) return 'qcow2'
    if (head.startsWith('conectix')) return 'vhd'
    if (buffer.readUInt32LE(64) === 0xbeda107f || head.startsWith('<<< Oracle VM VirtualBox Disk Image >>>')) return 'vdi'
    const size = (await handle.stat()).size
    if (size >= 512) {
      const footer = await handle.read(Buffer.alloc(8), 0, 8, size - 512)
      if (footer.buffer.toString('latin1') === 'conectix') return 'vhd'
    }
    return 'raw'
  } finally {
    await handle.close()
  }
}

/** VirtualBox's OUI 08:00:27 and three random bytes, as VBoxManage writes MACs. */
function newMac(): string {
  return `080027${randomBytes(3).toString('hex').toUpperCase()}`
}
