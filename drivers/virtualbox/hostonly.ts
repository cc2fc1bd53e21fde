import {join} from 'node:path'
import {BerthError, type DriverSharedState, type OperationContext, writeFileAtomic} from '../../src/driver-kit/index.js'
import {freeLoopbackPort, hostRoutes, networksConfPath, readOptional} from './host.js'
import {
  NetworkChoiceError, allowedRanges, chooseNetwork, cidrText, parseCidr, planNetwork, restrictsRanges,
  type Cidr, type HostOnlyInterface, type NetworkChoice, type NetworkFacts, type Range,
} from './network.js'
import {parseBlocks, parseMachineReadable, type VBoxManage} from './vboxmanage.js'

/**
 * The driver's record of VirtualBox networking (networks.json in its shared directory, <store>/virtualbox/): the
 * host-only interfaces berth made (so it removes only those, and only once no machine uses them) and the fixed
 * address each machine holds (so two machines never get the same one). Read and written only under the driver's lock.
 */
export interface NetworkRegistry {
  interfaces: Record<string, {cidr: string, dhcp: boolean}>
  leases: Record<string, {machine: string, interface: string}>
  /** The loopback ports forwarded to machines' SSH, so two machines made at once never get the same one. */
  ports: Record<string, string>
}

function networksFile(shared: DriverSharedState): string {
  return join(shared.dir, 'networks.json')
}

export async function readRegistry(shared: DriverSharedState): Promise<NetworkRegistry> {
  const text = await readOptional(networksFile(shared))
  const parsed = text === undefined ? {} : JSON.parse(text) as Partial<NetworkRegistry>
  return {interfaces: parsed.interfaces ?? {}, leases: parsed.leases ?? {}, ports: parsed.ports ?? {}}
}

/**
 * A free loopback port for the machine's SSH forward that no other machine of the store holds (the kernel may hand
 * two processes asking at once the same free port). Replaces the machine's earlier port.
 */
export async function reserveSshPort(vbox: VBoxManage, shared: DriverSharedState, machine: string, signal: AbortSignal): Promise<number> {
  return vbox.locked(async () => {
    const registry = await readRegistry(shared)
    for (const [port, owner] of Object.entries(registry.ports)) {
      if (owner === machine || !shared.machineExists(owner)) delete registry.ports[port]
    }
    for (let tries = 0; ; tries++) {
      const port = await freeLoopbackPort()
      if (registry.ports[String(port)] !== undefined && tries < 20) continue
      registry.ports[String(port)] = machine
      await writeRegistry(shared, registry)
      return port
    }
  }, signal)
}

async function writeRegistry(shared: DriverSharedState, registry: NetworkRegistry): Promise<void> {
  await writeFileAtomic(networksFile(shared), `${JSON.stringify(registry, null, 2)}\n`)
}

export async function listHostOnlyInterfaces(vbox: VBoxManage, signal: AbortSignal): Promise<HostOnlyInterface[]> {
  return parseBlocks(await vbox.query(['list', 'hostonlyifs'], signal))
    .filter((block) => block.Name !== undefined)
    .map((block) => ({name: block.Name!, ip: block.IPAddress ?? '', netmask: block.NetworkMask ?? ''}))
}

/**
 * VirtualBox 7's host-only networks, as `list hostonlynets` prints them (a blank line inside each entry, after its
 * GUID); VirtualBox 6.1 has none and refuses the command, which counts as none.
 */
export async function listHostOnlyNetworks(vbox: VBoxManage, signal: AbortSignal): Promise<HostOnlyInterface[]> {
  let text: string
  try {
    text = await vbox.query(['list', 'hostonlynets'], signal)
  } catch {
    return []
  }
  const networks: HostOnlyInterface[] = []
  for (const block of parseBlocks(text)) {
    if (block.Name !== undefined) networks.push({name: block.Name, ip: '', netmask: ''})
    const last = networks.at(-1)
    if (last !== undefined && block.LowerIP !== undefined) Object.assign(last, {ip: block.LowerIP, netmask: block.NetworkMask ?? ''})
  }
  return networks.filter((network) => network.ip !== '')
}

/** The host-only ranges this VirtualBox allows (undefined: any), from networks.conf as VirtualBox reads it. */
export async function allowedHere(version: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): Promise<Range[] | undefined> {
  if (!restrictsRanges(version, platform)) return undefined
  return allowedRanges(await readOptional(networksConfPath(env)))
}

export interface NetworkRequest {
  shared: DriverSharedState
  machine: string
  requested?: string
  version: string
  env: NodeJS.ProcessEnv
}

/** Everything the chooser needs, with records of interfaces and machines that no longer exist dropped. */
async function gatherFacts(vbox: VBoxManage, request: NetworkRequest, registry: NetworkRegistry, signal: AbortSignal): Promise<NetworkFacts> {
  const interfaces = await listHostOnlyInterfaces(vbox, signal)
  const names = new Set(interfaces.map((hif) => hif.name))
  for (const name of Object.keys(registry.interfaces)) if (!names.has(name)) delete registry.interfaces[name]
  for (const [address, lease] of Object.entries(registry.leases)) {
    // A machine berth forgot without its driver (rm -f) leaves its lease behind; its directory is gone then.
    if (!names.has(lease.interface) || !request.shared.machineExists(lease.machine)) delete registry.leases[address]
  }
  const leased: Record<string, string[]> = {}
  for (const [address, lease] of Object.entries(registry.leases)) (leased[lease.interface] ??= []).push(address)
  const requested = request.requested === undefined ? undefined : parseCidr(request.requested) as Cidr
  return {
    ...(requested === undefined ? {} : {requested}),
    allowed: await allowedHere(request.version, request.env),
    interfaces,
    hostOnlyNetworks: await listHostOnlyNetworks(vbox, signal),
    dhcp: await dhcpRanges(vbox, signal),
    berthMade: Object.fromEntries(Object.entries(registry.interfaces).map(([name, made]) => [name, made.cidr])),
    routes: await hostRoutes(),
    leased,
    networksConf: networksConfPath(request.env),
  }
}

/** The choice the chooser would make now, without making anything (the pre-create check). */
export async function previewNetwork(vbox: VBoxManage, request: NetworkRequest, signal: AbortSignal): Promise<NetworkChoice> {
  const registry = await readRegistry(request.shared)
  return choose(await gatherFacts(vbox, request, registry, signal))
}

function choose(facts: NetworkFacts): NetworkChoice {
  try {
    return chooseNetwork(facts)
  } catch (error) {
    if (error instanceof NetworkChoiceError) throw new BerthError(error.message, {code: 'hypervisor', hint: error.hint})
    throw error
  }
}

export interface Reserved {
  interfaceName: string
  cidr: string
  address: string
  prefix: number
}

/**
 * Choose the machine's host-only network and address and make the network if needed, all under the lock so that
 * two berth processes never choose the same address or make two networks for one range. The interface is in the
 * registry from the moment it exists; the lease from the moment it is chosen.
 */
export async function reserveNetwork(vbox: VBoxManage, request: NetworkRequest & {noDhcp: boolean}, ctx: OperationContext): Promise<Reserved> {
  const {signal} = ctx
  return vbox.locked(async () => {
    const registry = await readRegistry(request.shared)
    const choice = choose(await gatherFacts(vbox, request, registry, signal))
    let interfaceName: string
    if (choice.action === 'reuse') {
      interfaceName = choice.interfaceName
      ctx.progress(`Using the host-only network ${cidrText(choice.cidr)} (${interfaceName})`)
    } else {
      const created = /Interface '([^']+)' was successfully created/.exec(await vbox.mutate(['hostonlyif', 'create'], signal))?.[1]
      if (created === undefined) throw new BerthError('VBoxManage hostonlyif create did not name the interface it made.', {code: 'hypervisor'})
      interfaceName = created
      registry.interfaces[interfaceName] = {cidr: cidrText(choice.cidr), dhcp: false}
      await writeRegistry(request.shared, registry)
      ctx.progress(`Made the host-only network ${cidrText(choice.cidr)} (${interfaceName})`)
      const plan = planNetwork(choice.cidr)
      try {
        await vbox.mutate(['hostonlyif', 'ipconfig', interfaceName, '--ip', plan.hostIp, '--netmask', plan.netmask], signal)
        if (!request.noDhcp) {
          await vbox.mutate(['dhcpserver', 'add', '--interface', interfaceName, '--server-ip', plan.dhcpServerIp, '--netmask', plan.netmask, '--lower-ip', plan.dhcpLower, '--upper-ip', plan.dhcpUpper, '--enable'], signal)
          registry.interfaces[interfaceName] = {cidr: cidrText(choice.cidr), dhcp: true}
          await writeRegistry(request.shared, registry)
        }
      } catch (error) {
        await removeInterface(vbox, request.shared, registry, interfaceName, signal).catch(() => undefined)
        throw error
      }
    }
    registry.leases[choice.address] = {machine: request.machine, interface: interfaceName}
    await writeRegistry(request.shared, registry)
    return {interfaceName, cidr: cidrText(choice.cidr), address: choice.address, prefix: choice.cidr.prefix}
  }, signal)
}

/**
 * Give back the machine's address and SSH port; then remove the host-only interface (and its DHCP server) when berth made it and
 * neither a lease nor any VirtualBox VM uses it any more.
 */
export async function releaseNetwork(vbox: VBoxManage, shared: DriverSharedState, machine: string, interfaceName: string | undefined, ctx: OperationContext): Promise<void> {
  const {signal} = ctx
  await vbox.locked(async () => {
    const registry = await readRegistry(shared)
    for (const [address, lease] of Object.entries(registry.leases)) if (lease.machine === machine) delete registry.leases[address]
    for (const [port, owner] of Object.entries(registry.ports)) if (owner === machine) delete registry.ports[port]
    await writeRegistry(shared, registry)
    if (interfaceName === undefined || registry.interfaces[interfaceName] === undefined) return
    if (Object.values(registry.leases).some((lease) => lease.interface === interfaceName)) return
    if ((await vmsUsing(vbox, interfaceName, signal)).length > 0) return
    if (!(await listHostOnlyInterfaces(vbox, signal)).some((hif) => hif.name === interfaceName)) {
      delete registry.interfaces[interfaceName]
      await writeRegistry(shared, registry)
      return
    }
    ctx.progress(`Removing the host-only network ${registry.interfaces[interfaceName].cidr} (${interfaceName}), which no machine uses any more`)
    await removeInterface(vbox, shared, registry, interfaceName, signal)
  }, signal)
}

async function removeInterface(vbox: VBoxManage, shared: DriverSharedState, registry: NetworkRegistry, name: string, signal: AbortSignal): Promise<void> {
  if (registry.interfaces[name]?.dhcp === true || (await dhcpServerNames(vbox, signal)).includes(`HostInterfaceNetworking-${name}`)) {
    await vbox.mutate(['dhcpserver', 'remove', '--interface', name], signal).catch((error: unknown) => {
      if (!/does not exist|Could not find/i.test(String((error as {stderr?: string}).stderr ?? ''))) throw error
    })
  }
  await vbox.mutate(['hostonlyif', 'remove', name], signal).catch((error: unknown) => {
    if (!/could not be found/i.test(String((error as {stderr?: string}).stderr ?? ''))) throw error
  })
  delete registry.interfaces[name]
  await writeRegistry(shared, registry)
}

/** What each host-only interface's DHCP server hands out, by interface name. */
export async function dhcpRanges(vbox: VBoxManage, signal: AbortSignal): Promise<Record<string, {serverIp: string, lower: string, upper: string}>> {
  const ranges: Record<string, {serverIp: string, lower: string, upper: string}> = {}
  for (const block of parseBlocks(await vbox.query(['list', 'dhcpservers'], signal))) {
    const name = /^HostInterfaceNetworking-(.+)$/.exec(block.NetworkName ?? '')?.[1]
    if (name === undefined || block.Enabled === 'No') continue
    ranges[name] = {serverIp: block['Dhcpd IP'] ?? '', lower: block.LowerIPAddress ?? '', upper: block.UpperIPAddress ?? ''}
  }
  return ranges
}

async function dhcpServerNames(vbox: VBoxManage, signal: AbortSignal): Promise<string[]> {
  return parseBlocks(await vbox.query(['list', 'dhcpservers'], signal)).map((block) => block.NetworkName ?? '').filter(Boolean)
}

/** The VMs with a NIC on the host-only interface. */
export async function vmsUsing(vbox: VBoxManage, interfaceName: string, signal: AbortSignal): Promise<string[]> {
  const users: string[] = []
  for (const line of (await vbox.query(['list', 'vms'], signal)).split('\n')) {
    const uuid = /\{([0-9a-f-]+)\}\s*$/i.exec(line)?.[1]
    if (uuid === undefined) continue
    let info: Record<string, string>
    try {
      info = parseMachineReadable(await vbox.query(['showvminfo', uuid, '--machinereadable'], signal))
    } catch {
      continue // unregistered meanwhile
    }
    if (Object.entries(info).some(([key, value]) => /^hostonlyadapter\d$/.test(key) && value === interfaceName)) users.push(uuid)
  }
  return users
}

/** Recreate a host-only interface berth made that VirtualBox lost (a host reboot on some systems), with its address. */
export async function ensureInterface(vbox: VBoxManage, shared: DriverSharedState, interfaceName: string, cidr: string, signal: AbortSignal): Promise<string> {
  return vbox.locked(async () => {
    const interfaces = await listHostOnlyInterfaces(vbox, signal)
    const parsed = parseCidr(cidr) as Cidr
    const plan = planNetwork(parsed)
    const same = interfaces.find((hif) => hif.ip === plan.hostIp && hif.netmask === plan.netmask)
    if (same !== undefined) return same.name
    const created = /Interface '([^']+)' was successfully created/.exec(await vbox.mutate(['hostonlyif', 'create'], signal))?.[1]
    if (created === undefined) throw new BerthError('VBoxManage hostonlyif create did not name the interface it made.', {code: 'hypervisor'})
    const registry = await readRegistry(shared)
    registry.interfaces[created] = {cidr, dhcp: false}
    for (const lease of Object.values(registry.leases)) if (lease.interface === interfaceName) lease.interface = created
    await writeRegistry(shared, registry)
    await vbox.mutate(['hostonlyif', 'ipconfig', created, '--ip', plan.hostIp, '--netmask', plan.netmask], signal)
    return created
  }, signal)
}
