import {randomBytes, randomUUID} from 'node:crypto'
import {createConnection} from 'node:net'
import {appendFile, copyFile, mkdir, open, readFile, rm, rmdir, stat, writeFile} from 'node:fs/promises'
import {dirname, isAbsolute, join, resolve} from 'node:path'
import {withLock} from '../../../src/core/store/lock.js'
import type {BackingAnswer, BackingRequest} from './backing.js'
import {
  STATE_DIR_ENV, allowedRanges, ipToInt, loadFaults, loadWorld, networkRange, overlaps, paths, readOptional, saveWorld,
  type Attachment, type Medium, type Nic, type NatRule, type Range, type SharedFolder, type Vm, type World,
} from './state.js'

/**
 * VBoxManage, simulated: one process per call, like the real one, over a world kept in $BERTH_VBOX_SIM_DIR.
 * Every call holds the state directory's lock from reading the world to writing it back (VBoxSVC serialises
 * the real API the same way), and is appended to calls.jsonl with its exit code.
 *
 * Output and error texts follow VirtualBox 7.0's VBoxManage. Texts marked "(simulator)" are not VirtualBox's
 * verbatim wording: either the real message could not be established, or VirtualBox does not refuse there and
 * the simulator is stricter on purpose.
 */

const VERSION = process.env.BERTH_VBOX_SIM_VERSION ?? '7.0.20r163906'
const PROGRESS = '0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%'

/** A failure VBoxManage reports: its error lines (without the `VBoxManage: error: ` prefix) and exit code. */
class VBoxError extends Error {
  constructor(readonly lines: string[], readonly exitCode = 1) {
    super(lines[0])
  }
}

interface Details {
  code: string
  hex: string
  component: string
  iface: string
  context?: string
}

const E = {
  notFound: {code: 'VBOX_E_OBJECT_NOT_FOUND', hex: '0x80bb0001'},
  invalidVmState: {code: 'VBOX_E_INVALID_VM_STATE', hex: '0x80bb0002'},
  fileError: {code: 'VBOX_E_FILE_ERROR', hex: '0x80bb0004'},
  invalidObjectState: {code: 'VBOX_E_INVALID_OBJECT_STATE', hex: '0x80bb0007'},
  invalidArg: {code: 'E_INVALIDARG', hex: '0x80070057'},
  fail: {code: 'E_FAIL', hex: '0x80004005'},
}

function fail(message: string | string[], details?: Details): never {
  const lines = Array.isArray(message) ? [...message] : [message]
  if (details) {
    lines.push(`Details: code ${details.code} (${details.hex}), component ${details.component}, interface ${details.iface}, callee nsISupports`)
    if (details.context) lines.push(`Context: "${details.context}"`)
  }
  throw new VBoxError(lines)
}

/** A syntax error: VBoxManage exits 2 (RTEXITCODE_SYNTAX) for these. */
function syntax(message: string): never {
  throw new VBoxError([message], 2)
}

class Out {
  stdout: string[] = []
  stderr: string[] = []
  line(text = '') {
    this.stdout.push(text)
  }
  progress() {
    this.stderr.push(PROGRESS)
  }
}

interface Parsed {
  positional: string[]
  options: Array<[string, string | undefined]>
}

/**
 * Splits argv into positionals and options. `--opt=value` and `--opt value` both work, as with RTGetOpt;
 * `valued` names the options that take a value (every other option is a switch).
 */
function parse(args: string[], valued: Set<string> | ((name: string) => boolean)): Parsed {
  const takes = typeof valued === 'function' ? valued : (name: string) => valued.has(name)
  const parsed: Parsed = {positional: [], options: []}
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (!arg.startsWith('-') || arg === '-') {
      parsed.positional.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const name = (eq === -1 ? arg : arg.slice(0, eq)).replace(/^-+/, '--')
    if (eq !== -1) {
      parsed.options.push([name, arg.slice(eq + 1)])
    } else if (takes(name)) {
      const value = args[++i]
      if (value === undefined) syntax(`Missing value for option ${name}`)
      parsed.options.push([name, value])
    } else {
      parsed.options.push([name, undefined])
    }
  }
  return parsed
}

const option = (parsed: Parsed, ...names: string[]) => parsed.options.findLast(([name]) => names.includes(name))?.[1]
const hasSwitch = (parsed: Parsed, name: string) => parsed.options.some(([option]) => option === name)

function rejectUnknown(parsed: Parsed, known: Set<string>) {
  for (const [name] of parsed.options) if (!known.has(name)) syntax(`Unknown option: ${name}`)
}

function findVm(world: World, nameOrUuid: string | undefined): Vm {
  if (nameOrUuid === undefined) syntax('Missing VM name or UUID')
  const vm = world.vms.find((candidate) => candidate.uuid === nameOrUuid.replace(/^\{|\}$/g, '') || candidate.name === nameOrUuid)
  if (!vm) {
    fail(`Could not find a registered machine named '${nameOrUuid}'`, {
      ...E.notFound, component: 'VirtualBoxWrap', iface: 'IVirtualBox',
      context: 'FindMachine(Bstr(VMNameOrUuid).raw(), machine.asOutParam())',
    })
  }
  return vm
}

const isRunning = (vm: Vm) => vm.state === 'running' || vm.state === 'paused'

/** modifyvm, storagectl and the like take a write lock on the machine, which a running VM's session holds. */
function requireUnlocked(vm: Vm, context: string) {
  if (isRunning(vm)) {
    fail(`The machine '${vm.name}' is already locked for a session (or being unlocked)`, {
      ...E.invalidObjectState, component: 'MachineWrap', iface: 'IMachine', context,
    })
  }
}

function requireRunning(vm: Vm) {
  if (!isRunning(vm)) fail(`Machine '${vm.name}' is not currently running`)
}

const now = () => new Date().toISOString().replace('Z', '000000')
const setState = (vm: Vm, state: Vm['state']) => {
  vm.state = state
  vm.stateChangeTime = now()
}
const mac = () => `080027${randomBytes(3).toString('hex').toUpperCase()}`
const onOff = (value: string | undefined, name: string): 'on' | 'off' => {
  if (value === 'on' || value === 'off') return value
  syntax(`Invalid ${name} argument '${value ?? ''}'`)
}

// --- the subcommands ---------------------------------------------------------------------------------------

async function list(world: World, dir: string, args: string[], out: Out) {
  const what = args.find((arg) => !arg.startsWith('-'))
  switch (what) {
    case 'vms':
    case 'runningvms':
      for (const vm of world.vms) if (what === 'vms' || isRunning(vm)) out.line(`"${vm.name}" {${vm.uuid}}`)
      return
    case 'hostonlyifs':
      for (const hif of world.hostonlyifs) {
        const macText = `0a:00:27:00:00:${world.hostonlyifs.indexOf(hif).toString(16).padStart(2, '0')}`
        out.line(`Name:            ${hif.name}`)
        out.line(`GUID:            ${hif.guid}`)
        out.line(`DHCP:            ${hif.dhcp ? 'Enabled' : 'Disabled'}`)
        out.line(`IPAddress:       ${hif.ip}`)
        out.line(`NetworkMask:     ${hif.netmask}`)
        out.line('IPV6Address:     ')
        out.line('IPV6NetworkMaskPrefixLength: 0')
        out.line(`HardwareAddress: ${macText}`)
        out.line('MediumType:      Ethernet')
        out.line('Wireless:        No')
        out.line('Status:          Up')
        out.line(`VBoxNetworkName: HostInterfaceNetworking-${hif.name}`)
        out.line()
      }
      return
    case 'hostonlynets':
      for (const net of world.hostonlynets) {
        out.line(`Name:            ${net.name}`)
        out.line(`GUID:            ${net.guid}`)
        out.line()
        out.line(`State:           ${net.enabled ? 'Enabled' : 'Disabled'}`)
        out.line(`NetworkMask:     ${net.netmask}`)
        out.line(`LowerIP:         ${net.lowerIp}`)
        out.line(`UpperIP:         ${net.upperIp}`)
        out.line(`VBoxNetworkName: hostonly-${net.name}`)
        out.line()
      }
      return
    case 'dhcpservers':
      for (const server of world.dhcpservers) {
        out.line(`NetworkName:    ${server.networkName}`)
        out.line(`Dhcpd IP:       ${server.ip}`)
        out.line(`LowerIPAddress: ${server.lowerIp}`)
        out.line(`UpperIPAddress: ${server.upperIp}`)
        out.line(`NetworkMask:    ${server.netmask}`)
        out.line(`Enabled:        ${server.enabled ? 'Yes' : 'No'}`)
        out.line('Global Configuration:')
        out.line('    minLeaseTime:     default')
        out.line('    defaultLeaseTime: default')
        out.line('    maxLeaseTime:     default')
        out.line('    Forced options:   None')
        out.line('    Suppressed opts.: None')
        out.line(`        1/legacy: ${server.netmask}`)
        out.line('Groups:               None')
        out.line('Individual Configs:   None')
        out.line()
      }
      return
    case 'hdds':
    case 'dvds':
      for (const medium of world.media.filter((candidate) => candidate.kind === (what === 'hdds' ? 'hdd' : 'dvd'))) {
        const users = world.vms.filter((vm) => vm.attachments.some((attachment) => attachment.medium === medium.location))
        out.line(`UUID:           ${medium.uuid}`)
        if (medium.kind === 'hdd') out.line('Parent UUID:    base')
        out.line('State:          created')
        out.line(`Type:           normal${medium.kind === 'hdd' ? ' (base)' : ''}`)
        out.line(`Location:       ${medium.location}`)
        if (medium.kind === 'hdd') out.line(`Storage format: ${medium.format}`)
        out.line(`Capacity:       ${medium.capacityMb} MBytes`)
        out.line('Encryption:     disabled')
        if (users.length > 0) out.line(`In use by VMs:  ${users.map((vm) => `${vm.name} (UUID: ${vm.uuid})`).join(', ')}`)
        out.line()
      }
      return
    case 'systemproperties':
      out.line('API version:                     7_0')
      out.line('Minimum guest RAM size:          4 Megabytes')
      out.line('Maximum guest RAM size:          2097152 Megabytes')
      out.line('Minimum video RAM size:          0 Megabytes')
      out.line('Maximum video RAM size:          256 Megabytes')
      out.line('Minimum guest CPU count:         1')
      out.line('Maximum guest CPU count:         64')
      out.line('Virtual disk limit (info):       2199022206976 Bytes')
      out.line(`Default machine folder:          ${paths(dir).machineFolder}`)
      out.line('Default hard disk format:        VDI')
      out.line('Default frontend:                ')
      out.line('Default audio driver:            Pulse')
      return
    default:
      syntax(`Unknown subcommand: ${what ?? ''}`)
  }
}

function showvminfo(world: World, args: string[], out: Out) {
  const parsed = parse(args, new Set())
  rejectUnknown(parsed, new Set(['--machinereadable', '--details']))
  const vm = findVm(world, parsed.positional[0])
  if (!hasSwitch(parsed, '--machinereadable')) {
    const human = {poweroff: 'powered off', running: 'running', paused: 'paused', saved: 'saved', aborted: 'aborted'}[vm.state]
    out.line(`Name:                        ${vm.name}`)
    out.line(`UUID:                        ${vm.uuid}`)
    out.line(`Config file:                 ${vm.cfgFile}`)
    out.line(`Memory size:                 ${vm.memory}MB`)
    out.line(`Number of CPUs:              ${vm.cpus}`)
    out.line(`State:                       ${human} (since ${vm.stateChangeTime.slice(0, 23)})`)
    return
  }
  const q = (key: string, value: string | number) => out.line(`${key}="${value}"`)
  // Storage keys are quoted, as VBoxManage prints them: "SATA-0-0"="/path/disk.vdi".
  const qq = (key: string, value: string) => out.line(`"${key}"="${value}"`)
  const n = (key: string, value: number) => out.line(`${key}=${value}`)
  q('name', vm.name)
  q('groups', '/')
  q('ostype', vm.ostype)
  q('UUID', vm.uuid)
  q('CfgFile', vm.cfgFile)
  q('SnapFldr', join(vm.folder, 'Snapshots'))
  q('LogFldr', join(vm.folder, 'Logs'))
  n('memory', vm.memory)
  q('pagefusion', 'off')
  n('vram', Number(vm.extra.vram ?? 16))
  n('cpuexecutioncap', 100)
  q('hpet', vm.extra.hpet ?? 'off')
  q('chipset', 'piix3')
  q('firmware', vm.firmware)
  n('cpus', vm.cpus)
  q('pae', vm.extra.pae ?? 'on')
  q('longmode', 'on')
  q('acpi', vm.acpi)
  q('ioapic', vm.ioapic)
  q('rtcuseutc', vm.rtcuseutc)
  for (let i = 0; i < 4; i++) q(`boot${i + 1}`, vm.boot[i] ?? 'none')
  q('hwvirtex', vm.extra.hwvirtex ?? 'on')
  q('nestedpaging', vm.extra.nestedpaging ?? 'on')
  q('VMState', vm.state)
  q('VMStateChangeTime', vm.stateChangeTime)
  q('graphicscontroller', vm.extra.graphicscontroller ?? 'vmsvga')
  vm.controllers.forEach((controller, index) => {
    q(`storagecontrollername${index}`, controller.name)
    q(`storagecontrollertype${index}`, controller.type)
    q(`storagecontrollerinstance${index}`, '0')
    q(`storagecontrollermaxportcount${index}`, controller.bus === 'sata' ? '30' : controller.bus === 'ide' ? '2' : '16')
    q(`storagecontrollerportcount${index}`, controller.portcount)
    q(`storagecontrollerbootable${index}`, controller.bootable)
    const devices = controller.bus === 'ide' ? 2 : 1
    for (let port = 0; port < controller.portcount; port++) {
      for (let device = 0; device < devices; device++) {
        const attachment = vm.attachments.find((candidate) => candidate.controller === controller.name && candidate.port === port && candidate.device === device)
        qq(`${controller.name}-${port}-${device}`, attachment?.medium ?? 'none')
        if (attachment && attachment.medium !== 'emptydrive') {
          const medium = world.media.find((candidate) => candidate.location === attachment.medium)
          if (medium) qq(`${controller.name}-ImageUUID-${port}-${device}`, medium.uuid)
        }
        if (attachment?.type === 'dvddrive') qq(`${controller.name}-IsEjected`, attachment.medium === 'emptydrive' ? 'on' : 'off')
      }
    }
  })
  for (let slot = 1; slot <= 8; slot++) {
    const nic = vm.nics[slot]
    if (!nic || nic.type === 'none') {
      q(`nic${slot}`, 'none')
      continue
    }
    if (nic.type === 'nat') q(`natnet${slot}`, 'nat')
    if (nic.type === 'hostonly') q(`hostonlyadapter${slot}`, nic.hostonlyadapter ?? '')
    if (nic.type === 'hostonlynet') q(`hostonly-network${slot}`, nic.hostonlynet ?? '')
    q(`macaddress${slot}`, nic.mac)
    q(`cableconnected${slot}`, nic.cableconnected)
    q(`nic${slot}`, nic.type)
    q(`nictype${slot}`, nic.nictype)
    q(`nicspeed${slot}`, '0')
    if (nic.promisc) q(`nicpromisc${slot}`, nic.promisc)
    if (nic.type === 'nat') {
      q(`mtu`, '0')
      q('sockSnd', '64')
      q('sockRcv', '64')
      q('tcpWndSnd', '64')
      q('tcpWndRcv', '64')
      nic.natpf.forEach((rule, index) => q(`Forwarding(${index})`, ruleText(rule)))
    }
  }
  for (const [index, folder] of (vm.sharedFolders ?? []).entries()) {
    q(`SharedFolderNameMachineMapping${index + 1}`, folder.name)
    q(`SharedFolderPathMachineMapping${index + 1}`, folder.hostPath)
  }
  q('uart1', vm.extra.uart1 ?? 'off')
  q('GuestMemoryBalloon', '0')
}

const ruleText = (rule: NatRule) => `${rule.name},${rule.proto},${rule.hostIp},${rule.hostPort},${rule.guestIp},${rule.guestPort}`

function parseRule(text: string): NatRule {
  const fields = text.split(',')
  const [name, proto, hostIp, hostPort, guestIp, guestPort] = fields
  const port = (value: string | undefined) => (value !== undefined && /^\d+$/.test(value) && Number(value) > 0 && Number(value) < 65536 ? Number(value) : undefined)
  if (fields.length !== 6 || !name || (proto !== 'tcp' && proto !== 'udp') || port(hostPort) === undefined || port(guestPort) === undefined) {
    syntax(`Invalid NAT rule '${text}'`) // (simulator) wording
  }
  return {name, proto, hostIp: hostIp ?? '', hostPort: port(hostPort)!, guestIp: guestIp ?? '', guestPort: port(guestPort)!}
}

function addRule(nic: Nic, rule: NatRule) {
  const details = {...E.invalidArg, component: 'NATEngineWrap', iface: 'INATEngine', context: 'AddRedirect(...)'}
  if (nic.natpf.some((existing) => existing.name === rule.name)) fail('A NAT rule of this name already exists', details)
  if (nic.natpf.some((existing) => existing.proto === rule.proto && existing.hostPort === rule.hostPort && existing.hostIp === rule.hostIp)) {
    fail('A NAT rule for this host port and this host IP already exists', details)
  }
  nic.natpf.push(rule)
}

function deleteRule(nic: Nic, name: string) {
  const index = nic.natpf.findIndex((rule) => rule.name === name)
  if (index === -1) fail('A NAT rule of this name does not exist', {...E.invalidArg, component: 'NATEngineWrap', iface: 'INATEngine', context: 'RemoveRedirect(Bstr(ValueUnion.psz).raw())'})
  nic.natpf.splice(index, 1)
}

const newNic = (type = 'none'): Nic => ({type, nictype: '82540EM', mac: mac(), cableconnected: 'on', natpf: [], extra: {}})

async function createvm(world: World, dir: string, args: string[], out: Out) {
  const parsed = parse(args, new Set(['--name', '--basefolder', '--ostype', '--uuid', '--groups', '--default', '--platform-architecture']))
  rejectUnknown(parsed, new Set(['--name', '--basefolder', '--ostype', '--uuid', '--groups', '--register', '--default']))
  const name = option(parsed, '--name')
  if (!name) syntax('Parameter --name is required')
  const base = resolve(option(parsed, '--basefolder') ?? paths(dir).machineFolder)
  const folder = join(base, name)
  const cfgFile = join(folder, `${name}.vbox`)
  if (await exists(cfgFile)) {
    fail(`Machine settings file '${cfgFile}' already exists`, {
      ...E.fileError, component: 'MachineWrap', iface: 'IMachine',
      context: 'CreateMachine(bstrSettingsFile.raw(), bstrName.raw(), enmPlatformArchitecture, ComSafeArrayAsInParam(groups), bstrOsTypeId.raw(), createFlags.raw(), bstrCipher.raw(), bstrPasswordId.raw(), Bstr(strPassword).raw(), machine.asOutParam())',
    })
  }
  const register = hasSwitch(parsed, '--register')
  if (register && world.vms.some((vm) => vm.name === name)) {
    // (simulator) VirtualBox lets two VMs in different folders share a name; berth must never rely on that.
    fail(`A machine named '${name}' is already registered`, {...E.fileError, component: 'VirtualBoxWrap', iface: 'IVirtualBox', context: 'RegisterMachine(machine)'})
  }
  const vm: Vm = {
    uuid: option(parsed, '--uuid') ?? randomUUID(), name, folder, cfgFile, state: 'poweroff', stateChangeTime: now(),
    ostype: option(parsed, '--ostype') ?? 'Other', memory: 128, cpus: 1, firmware: 'BIOS', ioapic: 'on', acpi: 'on', rtcuseutc: 'off',
    boot: ['floppy', 'dvd', 'disk', 'none'], nics: {1: newNic('nat')}, controllers: [], attachments: [], guestProperties: {}, extra: {},
  }
  await mkdir(folder, {recursive: true})
  await writeFile(cfgFile, `<?xml version="1.0"?>\n<!-- VBoxManage simulator: the machine lives in state.json -->\n<VirtualBox><Machine uuid="{${vm.uuid}}" name="${name}"/></VirtualBox>\n`)
  if (register) world.vms.push(vm)
  out.line(`Virtual machine '${name}' is created${register ? ' and registered' : ''}.`)
  out.line(`UUID: ${vm.uuid}`)
  out.line(`Settings file: '${cfgFile}'`)
}

/** modifyvm options that take a value and are only recorded. */
const RECORDED = new Set([
  '--pae', '--hpet', '--hwvirtex', '--nestedpaging', '--largepages', '--vtxvpid', '--vtxux', '--accelerate3d', '--vram',
  '--graphicscontroller', '--bioslogofadein', '--bioslogofadeout', '--bioslogodisplaytime', '--biosbootmenu', '--cpuhotplug',
  '--description', '--audio', '--audio-driver', '--audio-enabled', '--audioout', '--usb', '--usbohci', '--usbehci', '--usbxhci',
  '--clipboard', '--clipboard-mode', '--draganddrop', '--paravirtprovider', '--nested-hw-virt', '--vrde', '--uartmode1',
  '--chipset', '--mouse', '--keyboard', '--x2apic', '--long-mode', '--longmode', '--apic', '--triple-fault-reset',
])
const NIC_OPTION = /^--(nic|nictype|cableconnected|hostonlyadapter|hostonly-network|nicpromisc|macaddress|natpf|natdnshostresolver|natdnsproxy|natdnspassdomain|natnet|nicspeed|nic-property)([1-8])$/

function modifyvm(world: World, args: string[]) {
  const parsed = parseModifyvm(args)
  const vm = findVm(world, parsed.positional[0])
  requireUnlocked(vm, 'LockMachine(a->session, LockType_Write)')
  for (const [name, value = ''] of parsed.options) {
    const nicMatch = NIC_OPTION.exec(name)
    if (nicMatch) {
      const [, key, slot] = nicMatch as unknown as [string, string, string]
      const nic = (vm.nics[slot] ??= newNic())
      switch (key) {
        case 'nic':
          if (!['none', 'null', 'nat', 'bridged', 'intnet', 'hostonly', 'hostonlynet', 'generic', 'natnetwork', 'cloud'].includes(value)) syntax(`Invalid type '${value}' specfied for NIC ${slot}`)
          nic.type = value
          break
        case 'nictype':
          nic.nictype = value
          break
        case 'cableconnected':
          nic.cableconnected = onOff(value, name)
          break
        case 'hostonlyadapter':
          nic.hostonlyadapter = value
          break
        case 'hostonly-network':
          nic.hostonlynet = value
          break
        case 'nicpromisc':
          nic.promisc = value
          break
        case 'macaddress':
          nic.mac = value === 'auto' ? mac() : value.toUpperCase()
          break
        case 'natpf': {
          const words = value.split(/\s+/)
          if (words[0] === 'delete') deleteRule(nic, words[1] ?? '')
          else addRule(nic, parseRule(value))
          break
        }
        default:
          nic.extra[key] = value
      }
      continue
    }
    switch (name) {
      case '--memory':
      case '--cpus': {
        if (!/^\d+$/.test(value) || Number(value) < 1) syntax(`Invalid ${name.slice(2)} value '${value}'`)
        if (name === '--memory') vm.memory = Number(value)
        else vm.cpus = Number(value)
        break
      }
      case '--firmware': {
        const firmware = ({bios: 'BIOS', efi: 'EFI', efi32: 'EFI32', efi64: 'EFI64', efidual: 'EFIDUAL'} as const)[value.toLowerCase() as 'bios']
        if (!firmware) syntax(`Invalid --firmware argument '${value}'`)
        vm.firmware = firmware
        break
      }
      case '--ioapic':
        vm.ioapic = onOff(value, name)
        break
      case '--acpi':
        vm.acpi = onOff(value, name)
        break
      case '--rtcuseutc':
        vm.rtcuseutc = onOff(value, name)
        break
      case '--ostype':
        vm.ostype = value
        break
      case '--name':
        if (world.vms.some((other) => other !== vm && other.name === value)) fail(`A machine named '${value}' is already registered`) // (simulator)
        vm.name = value
        break
      case '--boot1':
      case '--boot2':
      case '--boot3':
      case '--boot4':
        vm.boot[Number(name.slice(-1)) - 1] = value
        break
      case '--uart1':
        vm.extra.uart1 = value
        break
      default:
        if (!RECORDED.has(name)) syntax(`Unknown option: ${name}`)
        vm.extra[name.slice(2)] = value
    }
  }
}

/**
 * Every modifyvm option takes a value; --uart1 takes two (`--uart1 0x3F8 4`) or `off`, --uartmode1 two when its
 * mode names a file, pipe or TCP endpoint (`--uartmode1 file /path/console.log`), and --natpfN two to delete a rule
 * (`--natpf1 delete ssh`).
 */
function parseModifyvm(args: string[]): Parsed {
  const joined: string[] = []
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--uart1' && args[i + 1] !== 'off' && args[i + 2] !== undefined) {
      joined.push('--uart1', `${args[i + 1]} ${args[i + 2]}`)
      i += 2
    } else if (args[i] === '--uartmode1' && ['file', 'server', 'client', 'tcpserver', 'tcpclient'].includes(args[i + 1] ?? '') && args[i + 2] !== undefined) {
      joined.push('--uartmode1', `${args[i + 1]} ${args[i + 2]}`)
      i += 2
    } else if (/^--natpf[1-8]$/.test(args[i]!) && args[i + 1] === 'delete' && args[i + 2] !== undefined) {
      // `--natpfN delete NAME`: the rule's name is the next argument, as VBoxManage fetches it.
      joined.push(args[i]!, `delete ${args[i + 2]}`)
      i += 2
    } else {
      joined.push(args[i]!)
    }
  }
  return parse(joined, () => true)
}

function storagectl(world: World, args: string[]) {
  const known = new Set(['--name', '--add', '--controller', '--portcount', '--hostiocache', '--bootable', '--remove', '--rename'])
  const parsed = parse(args, (name) => name !== '--remove' && known.has(name))
  rejectUnknown(parsed, known)
  const vm = findVm(world, parsed.positional[0])
  requireUnlocked(vm, 'LockMachine(a->session, LockType_Write)')
  const name = option(parsed, '--name')
  if (!name) syntax('Storage controller name not specified')
  const existing = vm.controllers.find((controller) => controller.name === name)
  if (hasSwitch(parsed, '--remove')) {
    if (!existing) fail(`Could not find a storage controller named '${name}'`, {...E.notFound, component: 'SessionMachine', iface: 'IMachine', context: 'RemoveStorageController(Bstr(pszCtl).raw())'})
    vm.controllers = vm.controllers.filter((controller) => controller !== existing)
    vm.attachments = vm.attachments.filter((attachment) => attachment.controller !== name)
    return
  }
  const add = option(parsed, '--add')
  if (add) {
    if (existing) fail(`Storage controller named '${name}' already exists`, {...E.invalidObjectState, component: 'SessionMachine', iface: 'IMachine', context: 'AddStorageController(Bstr(pszCtl).raw(), StorageBus_SATA, ctl.asOutParam())'})
    const defaults: Record<string, [string, number]> = {ide: ['PIIX4', 2], sata: ['IntelAhci', 30], scsi: ['LsiLogic', 16], sas: ['LsiLogicSas', 8], floppy: ['I82078', 1], usb: ['USB', 8], pcie: ['NVMe', 1], virtio: ['VirtioSCSI', 1]}
    const found = defaults[add]
    if (!found) syntax(`Invalid --add argument '${add}'`)
    vm.controllers.push({name, bus: add as 'sata', type: option(parsed, '--controller') ?? found[0], portcount: found[1], bootable: 'on', hostiocache: 'off'})
  } else if (!existing) {
    fail(`Could not find a storage controller named '${name}'`, {...E.notFound, component: 'SessionMachine', iface: 'IMachine', context: 'GetStorageControllerByName(Bstr(pszCtl).raw(), ctl.asOutParam())'})
  }
  const controller = vm.controllers.find((candidate) => candidate.name === name)!
  const portcount = option(parsed, '--portcount')
  if (portcount !== undefined) controller.portcount = Number(portcount)
  const hostiocache = option(parsed, '--hostiocache')
  if (hostiocache !== undefined) controller.hostiocache = onOff(hostiocache, '--hostiocache')
  const bootable = option(parsed, '--bootable')
  if (bootable !== undefined) controller.bootable = onOff(bootable, '--bootable')
}

const hasMedium = (attachment: Attachment) => attachment.medium !== 'emptydrive'

async function storageattach(world: World, args: string[]) {
  const known = new Set(['--storagectl', '--port', '--device', '--type', '--medium', '--mtype', '--nonrotational', '--discard', '--hotpluggable', '--comment', '--setuuid', '--forceunmount'])
  const parsed = parse(args, (name) => name !== '--forceunmount' && known.has(name))
  rejectUnknown(parsed, known)
  const vm = findVm(world, parsed.positional[0])
  const ctlName = option(parsed, '--storagectl')
  if (!ctlName) syntax('Storage controller name not specified')
  const controller = vm.controllers.find((candidate) => candidate.name === ctlName)
  if (!controller) fail(`Could not find a controller named '${ctlName}'`)
  const port = Number(option(parsed, '--port') ?? '0')
  const device = Number(option(parsed, '--device') ?? '0')
  if (!Number.isInteger(port) || port < 0 || port >= controller.portcount) {
    fail(`The port and/or device parameter are out of range: port=${port} (must be in range [0, ${controller.portcount - 1}])`)
  }
  const mediumArg = option(parsed, '--medium')
  if (mediumArg === undefined) syntax('Missing --medium argument')
  const type = option(parsed, '--type') as Attachment['type'] | undefined
  if (isRunning(vm)) {
    // VirtualBox hot-plugs only onto ports marked hot-pluggable; the simulator marks none.
    fail(`Controller '${ctlName}' does not support hotplugging`, {
      ...E.invalidVmState, component: 'SessionMachine', iface: 'IMachine',
      context: `AttachDevice(Bstr(pszCtl).raw(), port, device, DeviceType_${type === 'dvddrive' ? 'DVD' : 'HardDisk'}, pMedium2Mount)`,
    })
  }
  const slot = (attachment: Attachment) => attachment.controller === ctlName && attachment.port === port && attachment.device === device
  if (mediumArg === 'none') {
    vm.attachments = vm.attachments.filter((attachment) => !slot(attachment))
    return
  }
  if (type !== 'hdd' && type !== 'dvddrive' && type !== 'fdd') syntax(`Invalid --type argument '${type ?? ''}'`)
  let location = 'emptydrive'
  if (mediumArg !== 'emptydrive') {
    location = resolve(mediumArg)
    if (!(await exists(location))) {
      fail(`Could not find file for the medium '${location}' (VERR_FILE_NOT_FOUND)`, {
        ...E.fileError, component: 'MediumWrap', iface: 'IMedium', context: 'OpenMedium(Bstr(pszMedium).raw(), devTypeRequested, accessMode, fForceNewUuidOnOpen, pMedium2Mount.asOutParam())',
      })
    }
    const kind = type === 'hdd' ? 'hdd' : 'dvd'
    let medium = world.media.find((candidate) => candidate.location === location)
    if (!medium) {
      medium = {uuid: randomUUID(), location, kind, format: kind === 'dvd' ? 'RAW' : await detectFormat(location), capacityMb: await sizeMb(location)}
      world.media.push(medium)
    }
    if (kind === 'hdd') {
      const other = world.vms.find((candidate) => candidate !== vm && candidate.attachments.some((attachment) => attachment.medium === location))
      if (other) {
        fail(`Cannot attach medium '${location}' {${medium.uuid}}: medium is already associated with the current state of machine uuid {${other.uuid}}!`, {
          ...E.invalidObjectState, component: 'SessionMachine', iface: 'IMachine', context: 'AttachDevice(Bstr(pszCtl).raw(), port, device, DeviceType_HardDisk, pMedium2Mount)',
        })
      }
    }
  }
  vm.attachments = vm.attachments.filter((attachment) => !slot(attachment))
  vm.attachments.push({controller: ctlName, port, device, type, medium: location})
}

async function detectFormat(path: string): Promise<string> {
  const handle = await open(path, 'r')
  try {
    const {buffer, bytesRead} = await handle.read(Buffer.alloc(64), 0, 64, 0)
    const head = buffer.subarray(0, bytesRead)
    if (head.subarray(0, 4).toString('latin1') === 'QFI\xfb') return 'qcow2'
    if (head.toString('latin1').startsWith('<<< ')) return 'VDI'
    if (head.subarray(0, 4).toString('latin1') === 'KDMV') return 'VMDK'
    return 'RAW'
  } finally {
    await handle.close()
  }
}

const sizeMb = async (path: string) => Math.max(1, Math.ceil((await stat(path)).size / 2 ** 20))
const VDI_HEADER = '<<< Oracle VM VirtualBox Disk Image >>>\n'

async function createmedium(world: World, args: string[], out: Out) {
  const known = new Set(['--filename', '--size', '--sizebyte', '--format', '--variant', '--diffparent'])
  const parsed = parse(args, known)
  rejectUnknown(parsed, known)
  const kind = parsed.positional[0] ?? 'disk'
  if (kind !== 'disk' && kind !== 'hdd') syntax(`Invalid medium type '${kind}'`) // the simulator makes disks only
  const filename = option(parsed, '--filename')
  if (!filename) syntax('Parameters --filename is required')
  const format = (option(parsed, '--format') ?? 'VDI').toUpperCase()
  const sizeText = option(parsed, '--size')
  if (sizeText === undefined && option(parsed, '--sizebyte') === undefined) syntax('Parameter --size is required')
  const capacityMb = sizeText !== undefined ? Number(sizeText) : Math.ceil(Number(option(parsed, '--sizebyte')) / 2 ** 20)
  const location = resolve(filename.includes('.') ? filename : `${filename}.${format.toLowerCase()}`)
  if (await exists(location) || world.media.some((medium) => medium.location === location)) {
    fail([`Failed to create medium`, `Could not create the medium storage unit '${location}'.`, `VDI: cannot create image '${location}' (VERR_ALREADY_EXISTS)`], {
      ...E.fileError, component: 'MediumWrap', iface: 'IMedium',
    })
  }
  await mkdir(dirname(location), {recursive: true})
  // A header, not a disk: the file stands for the disk; its capacity lives in the registry.
  await writeFile(location, VDI_HEADER)
  const medium: Medium = {uuid: randomUUID(), location, kind: 'hdd', format, capacityMb}
  world.media.push(medium)
  out.progress()
  out.line(`Medium created. UUID: ${medium.uuid}`)
}

async function clonemedium(world: World, args: string[], out: Out) {
  const known = new Set(['--format', '--variant', '--existing'])
  const parsed = parse(args, (name) => name !== '--existing' && known.has(name))
  rejectUnknown(parsed, known)
  const positional = ['disk', 'dvd', 'floppy'].includes(parsed.positional[0] ?? '') ? parsed.positional.slice(1) : parsed.positional
  const [sourceArg, targetArg] = positional
  if (!sourceArg || !targetArg) syntax('Mandatory UUID or input file parameter missing')
  const source = world.media.find((medium) => medium.uuid === sourceArg)?.location ?? resolve(sourceArg)
  if (!(await exists(source))) {
    fail(`Could not find file for the medium '${source}' (VERR_FILE_NOT_FOUND)`, {...E.fileError, component: 'MediumWrap', iface: 'IMedium', context: 'OpenMedium(Bstr(pszSrc).raw(), enmDevType, enmAccessMode, fForceNewUuidOnOpen, srcDisk.asOutParam())'})
  }
  const target = resolve(targetArg)
  if (await exists(target)) {
    fail([`Failed to clone medium`, `Could not create the clone medium '${target}' (VERR_ALREADY_EXISTS)`], {...E.fileError, component: 'MediumWrap', iface: 'IMedium'}) // (simulator) wording
  }
  const format = (option(parsed, '--format') ?? 'VDI').toUpperCase()
  // Opening the source registers it, as VirtualBox does; the clone is a copy of its bytes in the new format's name.
  if (!world.media.some((medium) => medium.location === source)) {
    world.media.push({uuid: randomUUID(), location: source, kind: 'hdd', format: await detectFormat(source), capacityMb: await sizeMb(source)})
  }
  await mkdir(dirname(target), {recursive: true})
  await copyFile(source, target)
  const medium: Medium = {uuid: randomUUID(), location: target, kind: 'hdd', format, capacityMb: await sizeMb(source)}
  world.media.push(medium)
  out.progress()
  out.line(`Clone medium created in format '${format}'. UUID: ${medium.uuid}`)
}

async function closemedium(world: World, args: string[], out: Out) {
  const parsed = parse(args, new Set())
  rejectUnknown(parsed, new Set(['--delete']))
  const positional = ['disk', 'dvd', 'floppy'].includes(parsed.positional[0] ?? '') ? parsed.positional.slice(1) : parsed.positional
  const target = positional[0]
  if (!target) syntax('No medium specified')
  const medium = world.media.find((candidate) => candidate.uuid === target) ?? world.media.find((candidate) => candidate.location === resolve(target))
  if (!medium) {
    const location = resolve(target)
    fail(`Could not find file for the medium '${location}' (VERR_FILE_NOT_FOUND)`, {...E.fileError, component: 'MediumWrap', iface: 'IMedium', context: 'OpenMedium(Bstr(pszFilenameOrUuid).raw(), enmDevType, AccessMode_ReadWrite, fForceNewUuidOnOpen, pMedium.asOutParam())'})
  }
  const users = world.vms.filter((vm) => vm.attachments.some((attachment) => attachment.medium === medium.location))
  if (users.length > 0) {
    fail(`Cannot close medium '${medium.location}' because it is still attached to ${users.length} virtual machines`, {...E.invalidObjectState, component: 'MediumWrap', iface: 'IMedium', context: 'Close()'})
  }
  world.media = world.media.filter((candidate) => candidate !== medium)
  if (hasSwitch(parsed, '--delete')) {
    await rm(medium.location, {force: true})
    out.progress()
  }
}

async function modifymedium(world: World, args: string[], out: Out) {
  const known = new Set(['--type', '--autoreset', '--property', '--compact', '--resize', '--resizebyte', '--move', '--setlocation', '--description'])
  const parsed = parse(args, (name) => name !== '--compact' && known.has(name))
  rejectUnknown(parsed, known)
  const positional = ['disk', 'dvd', 'floppy'].includes(parsed.positional[0] ?? '') ? parsed.positional.slice(1) : parsed.positional
  const target = positional[0]
  if (!target) syntax('No medium specified')
  let medium = world.media.find((candidate) => candidate.uuid === target) ?? world.media.find((candidate) => candidate.location === resolve(target))
  if (!medium) {
    // A file given by path is opened, and so registered, as VirtualBox does.
    const location = resolve(target)
    if (!(await exists(location))) {
      fail(`Could not find file for the medium '${location}' (VERR_FILE_NOT_FOUND)`, {...E.fileError, component: 'MediumWrap', iface: 'IMedium', context: 'OpenMedium(Bstr(pszFilenameOrUuid).raw(), enmDevType, AccessMode_ReadWrite, fForceNewUuidOnOpen, pMedium.asOutParam())'})
    }
    medium = {uuid: randomUUID(), location, kind: parsed.positional[0] === 'dvd' ? 'dvd' : 'hdd', format: await detectFormat(location), capacityMb: await sizeMb(location)}
    world.media.push(medium)
  }
  const resize = option(parsed, '--resize')
  if (resize !== undefined) {
    if (!/^\d+$/.test(resize)) syntax(`Invalid --resize argument '${resize}'`)
    if (medium.kind !== 'hdd') fail('Resizing is only possible for hard disks') // (simulator) wording
    if (Number(resize) < medium.capacityMb) {
      fail([`Failed to resize medium`, `Shrinking is not yet supported for medium '${medium.location}'`], {...E.fail, component: 'MediumWrap', iface: 'IMedium'}) // (simulator) wording
    }
    medium.capacityMb = Number(resize)
    out.progress()
  }
}

function sharedfolder(world: World, args: string[]) {
  const [action, name, ...rest] = args
  const vm = findVm(world, name)
  const known = new Set(['--name', '--hostpath', '--transient', '--readonly', '--automount', '--auto-mount-point'])
  const parsed = parse(rest, (option) => ['--name', '--hostpath', '--auto-mount-point'].includes(option))
  rejectUnknown(parsed, known)
  const shareName = option(parsed, '--name') ?? syntax('Missing --name')
  const folders = (vm.sharedFolders ??= [])
  if (hasSwitch(parsed, '--transient')) fail('Transient shared folders need a running VM with guest additions') // (simulator) refuses them
  requireUnlocked(vm, 'LockMachine(a->session, LockType_Write)')
  const existing = folders.find((folder) => folder.name === shareName)
  switch (action) {
    case 'add': {
      const hostPath = option(parsed, '--hostpath') ?? syntax('Missing --hostpath')
      if (existing) fail(`Shared folder named '${shareName}' already exists`, {...E.invalidObjectState, component: 'SessionMachine', iface: 'IMachine', context: 'CreateSharedFolder(...)'})
      if (!isAbsolute(hostPath)) fail(`Shared folder path '${hostPath}' is not absolute`, {...E.invalidArg, component: 'SessionMachine', iface: 'IMachine', context: 'CreateSharedFolder(...)'})
      folders.push({name: shareName, hostPath, automount: hasSwitch(parsed, '--automount'), readonly: hasSwitch(parsed, '--readonly')} satisfies SharedFolder)
      return
    }
    case 'remove':
      if (!existing) fail(`Could not find a shared folder named '${shareName}'.`, {...E.notFound, component: 'SessionMachine', iface: 'IMachine', context: 'RemoveSharedFolder(Bstr(pszName).raw())'})
      vm.sharedFolders = folders.filter((folder) => folder !== existing)
      return
    default:
      syntax(`Invalid parameter '${action ?? ''}'`)
  }
}

async function convertfromraw(args: string[], out: Out) {
  const known = new Set(['--format', '--variant', '--uuid'])
  const parsed = parse(args, known)
  rejectUnknown(parsed, known)
  const [source, target] = parsed.positional
  if (!source || !target || source === 'stdin') syntax('Incorrect number of parameters') // the simulator reads files, not stdin
  const format = (option(parsed, '--format') ?? 'VDI').toUpperCase()
  if (!['VDI', 'VMDK', 'VHD'].includes(format)) syntax(`Invalid format '${format}'`)
  const size = (await stat(source).catch(() => fail(`Cannot open file '${source}': VERR_FILE_NOT_FOUND`))).size
  out.line(`Converting from raw image file="${source}" to file="${target}"...`)
  out.line(`Creating dynamic image with size ${size} bytes (${Math.ceil(size / 2 ** 20)}MB)...`)
  if (await exists(target)) fail(`Cannot create the disk image "${target}": VERR_ALREADY_EXISTS`)
  // A VDI target starts with VirtualBox's VDI header, so that opening it later detects the format, as it would.
  if (format === 'VDI') {
    await writeFile(target, VDI_HEADER)
    await appendFile(target, await readFile(source))
  } else {
    await copyFile(source, target)
  }
}

async function startvm(world: World, dir: string, args: string[], out: Out) {
  const known = new Set(['--type', '--putenv', '--password', '--password-id'])
  const parsed = parse(args, known)
  rejectUnknown(parsed, known)
  const type = option(parsed, '--type') ?? 'gui'
  if (!['gui', 'headless', 'sdl', 'separate'].includes(type)) fail(`Invalid session type '${type}'`)
  const names = parsed.positional
  if (names.length === 0) syntax('Missing VM name or UUID')
  for (const name of names) {
    const vm = findVm(world, name)
    if (isRunning(vm)) {
      fail(`The machine '${vm.name}' is already locked by a session (or being locked or unlocked)`, {
        ...E.invalidObjectState, component: 'MachineWrap', iface: 'IMachine',
        context: 'LaunchVMProcess(a->session, sessionType.raw(), ComSafeArrayAsInParam(aBstrEnv), progress.asOutParam())',
      })
    }
    out.line(`Waiting for VM "${vm.name}" to power on...`)
    for (const nic of Object.values(vm.nics)) {
      if (nic.type === 'hostonly' && !world.hostonlyifs.some((hif) => hif.name === nic.hostonlyadapter)) {
        fail(`Nonexistent host networking interface, name '${nic.hostonlyadapter ?? ''}' (VERR_INTERNAL_ERROR)`, {
          ...E.fail, component: 'ConsoleWrap', iface: 'IConsole',
        })
      }
    }
    await report(dir, {op: 'start', vm}, 'PowerUp(progress.asOutParam())')
    setState(vm, 'running')
    out.line(`VM "${vm.name}" has been successfully started.`)
  }
}

async function controlvm(world: World, dir: string, args: string[], out: Out) {
  const [name, action, ...rest] = args
  const vm = findVm(world, name)
  if (!action) syntax('Not enough parameters')
  requireRunning(vm)
  switch (action) {
    case 'poweroff':
      await report(dir, {op: 'poweroff', vm}, 'PowerDown(progress.asOutParam())')
      setState(vm, 'poweroff')
      out.progress()
      return
    case 'acpipowerbutton': {
      // The guest honours the button at once, unless acpi-ignore in the state directory names it (or says *).
      const ignore = ((await readOptional(paths(dir).acpiIgnore)) ?? '').split('\n').map((line) => line.trim())
      if (!ignore.includes(vm.name) && !ignore.includes('*')) {
        await report(dir, {op: 'acpipowerbutton', vm}, 'PowerButton()')
        setState(vm, 'poweroff')
      }
      return
    }
    case 'reset':
      await report(dir, {op: 'reset', vm}, 'Reset()')
      return
    case 'pause':
      setState(vm, 'paused')
      return
    case 'resume':
      if (vm.state !== 'paused') fail('VM is not paused', {...E.invalidVmState, component: 'ConsoleWrap', iface: 'IConsole', context: 'Resume()'})
      setState(vm, 'running')
      return
    case 'savestate':
      await report(dir, {op: 'savestate', vm}, 'SaveState(progress.asOutParam())', 'MachineWrap', 'IMachine')
      setState(vm, 'saved')
      out.progress()
      return
    default: {
      const natpf = /^natpf([1-8])$/.exec(action)
      if (!natpf) syntax(`Invalid parameter '${action}'`)
      const nic = vm.nics[natpf[1]!]
      if (!nic || nic.type !== 'nat') fail(`NIC ${natpf[1]} is not a NAT adapter`) // (simulator) wording
      if (rest[0] === 'delete') {
        deleteRule(nic, rest[1] ?? '')
        await report(dir, {op: 'natpf', vm, delete: rest[1] ?? ''}, 'RemoveRedirect(Bstr(a->argv[3]).raw())', 'NATEngineWrap', 'INATEngine')
      } else {
        const rule = parseRule(rest[0] ?? '')
        addRule(nic, rule)
        await report(dir, {op: 'natpf', vm, add: rule}, 'AddRedirect(Bstr(strName).raw(), enmProto, Bstr(strHostIp).raw(), RTStrToUInt16(strHostPort), Bstr(strGuestIp).raw(), RTStrToUInt16(strGuestPort))', 'NATEngineWrap', 'INATEngine')
      }
    }
  }
}

async function unregistervm(world: World, dir: string, args: string[], out: Out) {
  const parsed = parse(args, new Set())
  rejectUnknown(parsed, new Set(['--delete', '--delete-all']))
  const vm = findVm(world, parsed.positional[0])
  if (isRunning(vm)) {
    fail(`Cannot unregister the machine '${vm.name}' while it is locked`, {
      ...E.invalidObjectState, component: 'MachineWrap', iface: 'IMachine',
      context: 'Unregister(CleanupMode_DetachAllReturnHardDisksOnly, ComSafeArrayAsOutParam(aMedia))',
    })
  }
  await report(dir, {op: 'unregister', vm}, 'Unregister(CleanupMode_DetachAllReturnHardDisksOnly, ComSafeArrayAsOutParam(aMedia))', 'MachineWrap', 'IMachine')
  world.vms = world.vms.filter((candidate) => candidate !== vm)
  if (!hasSwitch(parsed, '--delete') && !hasSwitch(parsed, '--delete-all')) return
  // --delete removes the settings, logs and the hard disks only this VM used; DVD images stay (--delete-all
  // removes them too).
  for (const attachment of vm.attachments.filter(hasMedium)) {
    if (attachment.type !== 'hdd' && !hasSwitch(parsed, '--delete-all')) continue
    if (world.vms.some((other) => other.attachments.some((candidate) => candidate.medium === attachment.medium))) continue
    world.media = world.media.filter((medium) => medium.location !== attachment.medium)
    await rm(attachment.medium, {force: true})
  }
  await rm(vm.cfgFile, {force: true})
  await rm(`${vm.cfgFile}-prev`, {force: true})
  await rm(join(vm.folder, 'Logs'), {recursive: true, force: true})
  await rmdir(vm.folder).catch(() => undefined)
  out.progress()
}

function checkHostOnlyRange(world: World, range: Range, allowed: Range[], self: string, context: string) {
  if (!allowed.some((candidate) => candidate.start <= range.start && range.end <= candidate.end)) {
    fail('Code E_ACCESSDENIED (0x80070005) - Access denied (extended info not available)', undefined)
  }
  for (const hif of world.hostonlyifs) {
    const other = networkRange(hif.ip, hif.netmask)
    if (hif.name !== self && other && overlaps(range, other)) {
      fail(`The host-only network overlaps the network of '${hif.name}' (${hif.ip}/${hif.netmask})`, {...E.fail, component: 'HostNetworkInterfaceWrap', iface: 'IHostNetworkInterface', context}) // (simulator)
    }
  }
  for (const net of world.hostonlynets) {
    const other = networkRange(net.lowerIp, net.netmask)
    if (net.name !== self && other && overlaps(range, other)) {
      fail(`The host-only network overlaps the network of '${net.name}' (${net.lowerIp}/${net.netmask})`, {...E.fail, component: 'HostOnlyNetworkWrap', iface: 'IHostOnlyNetwork', context}) // (simulator)
    }
  }
}

async function hostonlyif(world: World, dir: string, args: string[], out: Out) {
  const [action, ...rest] = args
  const notFound = (name: string) => fail(`The host network interface named '${name}' could not be found`, {...E.invalidArg, component: 'HostWrap', iface: 'IHost', context: 'FindHostNetworkInterfaceByName(name.raw(), hif.asOutParam())'}) // wording unverified
  switch (action) {
    case 'create': {
      let index = 0
      while (world.hostonlyifs.some((hif) => hif.name === `vboxnet${index}`)) index++
      // VirtualBox gives a new interface 192.168.(56+N).1/24.
      world.hostonlyifs.push({name: `vboxnet${index}`, guid: randomUUID(), ip: `192.168.${56 + index}.1`, netmask: '255.255.255.0', dhcp: false})
      out.progress()
      out.line(`Interface 'vboxnet${index}' was successfully created`)
      return
    }
    case 'remove': {
      const name = rest[0] ?? syntax('Missing interface name')
      if (!world.hostonlyifs.some((hif) => hif.name === name)) notFound(name)
      world.hostonlyifs = world.hostonlyifs.filter((hif) => hif.name !== name)
      out.progress()
      return
    }
    case 'ipconfig': {
      const known = new Set(['--ip', '--netmask', '--dhcp', '--ipv6', '--netmasklengthv6'])
      const parsed = parse(rest, (name) => name !== '--dhcp' && known.has(name))
      rejectUnknown(parsed, known)
      const name = parsed.positional[0] ?? syntax('Missing interface name')
      const hif = world.hostonlyifs.find((candidate) => candidate.name === name) ?? notFound(name)
      if (hasSwitch(parsed, '--dhcp')) {
        hif.dhcp = true
        return
      }
      const ip = option(parsed, '--ip') ?? syntax('Missing --ip')
      const netmask = option(parsed, '--netmask') ?? '255.255.255.0'
      const range = ipToInt(ip) === undefined ? undefined : networkRange(ip, netmask)
      if (!range) syntax(`Invalid IP address or netmask '${ip}' / '${netmask}'`)
      const conf = await readOptional(paths(dir).networksConf)
      checkHostOnlyRange(world, range, allowedRanges(conf), name, 'EnableStaticIPConfig(Bstr(pszIp).raw(), Bstr(pszNetmask).raw())')
      Object.assign(hif, {ip, netmask, dhcp: false})
      return
    }
    default:
      syntax(`Invalid parameter '${action ?? ''}'`)
  }
}

async function hostonlynet(world: World, dir: string, args: string[]) {
  const [action, ...rest] = args
  const known = new Set(['--name', '--id', '--netmask', '--lower-ip', '--lowerip', '--upper-ip', '--upperip', '--enable', '--disable'])
  const parsed = parse(rest, (name) => name !== '--enable' && name !== '--disable' && known.has(name))
  rejectUnknown(parsed, known)
  const name = option(parsed, '--name') ?? syntax('Missing --name')
  const existing = world.hostonlynets.find((net) => net.name === name)
  switch (action) {
    case 'add': {
      if (existing) fail(`Host-only network '${name}' already exists`) // (simulator) wording
      const netmask = option(parsed, '--netmask') ?? syntax('Missing --netmask')
      const lowerIp = option(parsed, '--lower-ip', '--lowerip') ?? syntax('Missing --lower-ip')
      const upperIp = option(parsed, '--upper-ip', '--upperip') ?? syntax('Missing --upper-ip')
      const range = networkRange(lowerIp, netmask)
      if (!range || ipToInt(upperIp) === undefined) syntax('Invalid address or netmask')
      checkHostOnlyRange(world, range, allowedRanges(await readOptional(paths(dir).networksConf)), name, 'CreateHostOnlyNetwork(Bstr(pszNetworkName).raw(), hostOnlyNetwork.asOutParam())')
      world.hostonlynets.push({name, guid: randomUUID(), netmask, lowerIp, upperIp, enabled: !hasSwitch(parsed, '--disable')})
      return
    }
    case 'remove':
      if (!existing) fail(`Host-only network '${name}' could not be found`) // (simulator) wording
      world.hostonlynets = world.hostonlynets.filter((net) => net !== existing)
      return
    default:
      syntax(`Invalid parameter '${action ?? ''}'`)
  }
}

function dhcpserver(world: World, args: string[]) {
  const [action, ...rest] = args
  const known = new Set(['--network', '--netname', '--interface', '--ifname', '--server-ip', '--ip', '--netmask', '--lower-ip', '--lowerip', '--upper-ip', '--upperip', '--enable', '--disable', '--enabled'])
  const parsed = parse(rest, (name) => name !== '--enable' && name !== '--disable' && known.has(name))
  rejectUnknown(parsed, known)
  const ifname = option(parsed, '--interface', '--ifname')
  const networkName = option(parsed, '--network', '--netname') ?? (ifname ? `HostInterfaceNetworking-${ifname}` : syntax('You need to specify either --network or --interface to identify the DHCP server'))
  if (ifname && !world.hostonlyifs.some((hif) => hif.name === ifname)) {
    fail(`Could not find interface '${ifname}'`, {...E.invalidArg, component: 'HostWrap', iface: 'IHost', context: 'FindHostNetworkInterfaceByName(Bstr(pCtx->pszInterface).raw(), hif.asOutParam())'}) // wording unverified
  }
  const existing = world.dhcpservers.find((server) => server.networkName === networkName)
  const enabled = hasSwitch(parsed, '--enable') ? true : hasSwitch(parsed, '--disable') ? false : option(parsed, '--enabled') === undefined ? undefined : option(parsed, '--enabled') === '1'
  switch (action) {
    case 'add': {
      if (existing) fail('DHCP server already exists', {...E.invalidArg, component: 'VirtualBoxWrap', iface: 'IVirtualBox', context: 'CreateDHCPServer(NetName.raw(), svr.asOutParam())'})
      const ip = option(parsed, '--server-ip', '--ip') ?? syntax('Missing --server-ip')
      const netmask = option(parsed, '--netmask') ?? syntax('Missing --netmask')
      const lowerIp = option(parsed, '--lower-ip', '--lowerip') ?? syntax('Missing --lower-ip')
      const upperIp = option(parsed, '--upper-ip', '--upperip') ?? syntax('Missing --upper-ip')
      const range = networkRange(ip, netmask)
      for (const address of [lowerIp, upperIp]) {
        const value = ipToInt(address)
        if (!range || value === undefined || value < range.start || value > range.end) fail(`Invalid IP address range: ${lowerIp} - ${upperIp} is not in ${ip}/${netmask}`) // (simulator) wording
      }
      world.dhcpservers.push({networkName, ip, netmask, lowerIp, upperIp, enabled: enabled ?? false})
      return
    }
    case 'modify': {
      if (!existing) fail('DHCP server does not exist', {...E.invalidArg, component: 'VirtualBoxWrap', iface: 'IVirtualBox', context: 'FindDHCPServerByNetworkName(NetName.raw(), svr.asOutParam())'})
      existing.ip = option(parsed, '--server-ip', '--ip') ?? existing.ip
      existing.netmask = option(parsed, '--netmask') ?? existing.netmask
      existing.lowerIp = option(parsed, '--lower-ip', '--lowerip') ?? existing.lowerIp
      existing.upperIp = option(parsed, '--upper-ip', '--upperip') ?? existing.upperIp
      existing.enabled = enabled ?? existing.enabled
      return
    }
    case 'remove':
      if (!existing) fail('DHCP server does not exist', {...E.invalidArg, component: 'VirtualBoxWrap', iface: 'IVirtualBox', context: 'FindDHCPServerByNetworkName(NetName.raw(), svr.asOutParam())'})
      world.dhcpservers = world.dhcpservers.filter((server) => server !== existing)
      return
    default:
      syntax(`Invalid parameter '${action ?? ''}'`)
  }
}

function guestproperty(world: World, args: string[], out: Out) {
  const [action, name, property, value] = args
  const vm = findVm(world, name)
  if (!property) syntax('Missing property name')
  switch (action) {
    case 'get': {
      const found = vm.guestProperties[property]
      out.line(found === undefined ? 'No value set!' : `Value: ${found}`)
      return
    }
    case 'set':
      if (value === undefined) delete vm.guestProperties[property]
      else vm.guestProperties[property] = value
      return
    case 'delete':
    case 'unset':
      delete vm.guestProperties[property]
      return
    default:
      syntax(`Invalid parameter '${action ?? ''}'`)
  }
}

/**
 * Tells the host backing (backing.ts) about a state change that passed the simulator's own checks, when its
 * socket is in the state directory. If the backing cannot be reached or fails, so does the call, with
 * VirtualBox's E_FAIL shape, and the VM's state stays as it was (the caller's world is not saved).
 */
async function report(dir: string, request: BackingRequest, context: string, component = 'ConsoleWrap', iface = 'IConsole'): Promise<void> {
  const socket = paths(dir).backing
  if (!(await exists(socket))) return
  const answer = await new Promise<BackingAnswer>((resolve) => {
    let text = ''
    const connection = createConnection(socket)
    connection.setEncoding('utf8')
    connection.on('connect', () => connection.end(`${JSON.stringify(request)}\n`))
    connection.on('data', (chunk: string) => {
      text += chunk
    })
    connection.on('error', (error) => resolve({ok: false, error: `the host backing cannot be reached: ${error.message}`}))
    connection.on('close', () => {
      try {
        resolve(JSON.parse(text) as BackingAnswer)
      } catch {
        resolve({ok: false, error: 'the host backing gave no answer'})
      }
    })
  })
  // (simulator) wording: VirtualBox's own messages for a VM process that fails vary with the cause.
  if (!answer.ok) fail(`Host backing: ${answer.error}`, {...E.fail, component, iface, context})
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false)
}

// --- one call ----------------------------------------------------------------------------------------------

async function dispatch(world: World, dir: string, argv: string[], out: Out): Promise<void> {
  const [command, ...args] = argv
  switch (command) {
    case '--version':
    case '-v':
    case '-V':
      out.line(VERSION)
      return
    case 'list':
      return list(world, dir, args, out)
    case 'showvminfo':
      return showvminfo(world, args, out)
    case 'createvm':
      return createvm(world, dir, args, out)
    case 'modifyvm':
      return modifyvm(world, args)
    case 'storagectl':
      return storagectl(world, args)
    case 'storageattach':
      return storageattach(world, args)
    case 'createmedium':
    case 'createhd':
      return createmedium(world, args, out)
    case 'clonemedium':
    case 'clonehd':
      return clonemedium(world, args, out)
    case 'closemedium':
      return closemedium(world, args, out)
    case 'modifymedium':
    case 'modifyhd':
      return modifymedium(world, args, out)
    case 'sharedfolder':
      return sharedfolder(world, args)
    case 'convertfromraw':
      return convertfromraw(args, out)
    case 'startvm':
      return startvm(world, dir, args, out)
    case 'controlvm':
      return controlvm(world, dir, args, out)
    case 'unregistervm':
      return unregistervm(world, dir, args, out)
    case 'hostonlyif':
      return hostonlyif(world, dir, args, out)
    case 'hostonlynet':
      return hostonlynet(world, dir, args)
    case 'dhcpserver':
      return dhcpserver(world, args)
    case 'guestproperty':
      return guestproperty(world, args, out)
    default:
      syntax(`Invalid command '${command ?? ''}'`)
  }
}

async function main(argv: string[]): Promise<number> {
  const dir = process.env[STATE_DIR_ENV]
  if (!dir || !isAbsolute(dir)) {
    process.stderr.write(`VBoxManage simulator: set ${STATE_DIR_ENV} to an absolute directory for its state\n`)
    return 1
  }
  await mkdir(dir, {recursive: true})
  const out = new Out()
  const exitCode = await withLock(paths(dir).lock, async () => {
    const world = await loadWorld(dir)
    const command = argv[0] ?? ''
    const call = (world.calls[command] ?? 0) + 1
    world.calls[command] = call
    let code = 0
    const fault = (await loadFaults(dir)).find((candidate) => candidate.command === command && call >= candidate.call && call < candidate.call + (candidate.times ?? 1))
    if (fault) {
      out.stderr.push(...(fault.message ?? [`Injected failure of '${command}' (call ${call})`, 'Details: code E_FAIL (0x80004005), component SessionMachine, interface IMachine, callee nsISupports']).map((line) => `VBoxManage: error: ${line}`))
      code = 1
      // The failing call changes nothing but the call count.
      const unchanged = await loadWorld(dir)
      unchanged.calls[command] = call
      await saveWorld(dir, unchanged)
    } else {
      try {
        await dispatch(world, dir, argv, out)
        await saveWorld(dir, world)
      } catch (error) {
        if (!(error instanceof VBoxError)) throw error
        out.stderr.push(...error.lines.map((line) => `VBoxManage: error: ${line}`))
        code = error.exitCode
        const unchanged = await loadWorld(dir)
        unchanged.calls[command] = call
        await saveWorld(dir, unchanged)
      }
    }
    await appendFile(paths(dir).calls, `${JSON.stringify({argv, exitCode: code, pid: process.pid, at: new Date().toISOString()})}\n`)
    return code
  }, {timeoutMs: 120_000})
  if (out.stdout.length > 0) process.stdout.write(`${out.stdout.join('\n')}\n`)
  if (out.stderr.length > 0) process.stderr.write(`${out.stderr.join('\n')}\n`)
  return exitCode
}

process.exitCode = await main(process.argv.slice(2))
