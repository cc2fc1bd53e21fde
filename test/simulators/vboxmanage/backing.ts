import {execFile} from 'node:child_process'
import {mkdtemp, readFile, rm, rmdir, unlink} from 'node:fs/promises'
import {createServer, connect, type Server, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import type {TestHost, TestHostPool} from '../../hosts/index.js'
import {shellQuote} from '../../hosts/run.js'
import {parseSeed, type Seed} from './seed.js'
import {paths, type NatRule, type Vm} from './state.js'

const exec = promisify(execFile)

/**
 * What the simulator reports to the host backing, one JSON line per connection, after its own state checks
 * pass; the backing answers one line, {ok: true} or {ok: false, error}. A failure fails the VBoxManage call.
 */
export type BackingRequest =
  | {op: 'start', vm: Vm}
  | {op: 'poweroff', vm: Vm}
  | {op: 'acpipowerbutton', vm: Vm}
  | {op: 'reset', vm: Vm}
  | {op: 'savestate', vm: Vm}
  | {op: 'natpf', vm: Vm, add?: NatRule, delete?: string}
  | {op: 'unregister', vm: Vm}

export type BackingAnswer = {ok: true} | {ok: false, error: string}

/** One forwarded NAT rule: a listener on the host side that pipes each connection to the guest's port. */
export interface Forwarder {
  vm: string
  rule: NatRule
  hostIp: string
  server: Server
  sockets: Set<Socket>
}

export interface VBoxBacking {
  /** The unix socket the simulator reports to (`backing.sock` in its state directory). */
  socket: string
  /** The test host backing a VM (by name or UUID), once it was started. */
  host(vm: string): TestHost | undefined
  /** The NAT forwards now listening, as `vm:rule -> hostIp:hostPort`. */
  forwards(): Array<{vm: string, rule: string, hostIp: string, hostPort: number}>
  /** Every request received, with its answer. */
  log(): Array<{request: BackingRequest, answer: BackingAnswer}>
  /**
   * Back the VM of this name with a host the test made, instead of one booted from a seed: a VM another tool made
   * (Docker Machine's boot2docker VMs), whose guest the test sets up. Each start gives the guest an `eth1` with the
   * MAC of the VM's host-only NIC and `address` (/24) on it, as VirtualBox's DHCP server would lease it; called
   * again, the next start leases the new address instead.
   */
  provideGuest(vm: string, guest: {host: TestHost, address: string}): void
  /** Removes every host and forwarder and the socket. */
  stop(): Promise<void>
}

interface Backed {
  name: string
  host: TestHost
  /** From the seed, read on the first start: the static address on the host-only NIC, if any. */
  address?: string
  /** A guest the test provided: the address its host-only NIC is leased, on an interface of that NIC's MAC. */
  leased?: string
}

/**
 * Backs the simulator's VMs with real test hosts: `startvm` boots a host configured from the VM's cloud-init seed
 * (the ISO in its DVD drive), NAT rules become TCP forwarders from the host side to the guest's port,
 * `controlvm poweroff|acpipowerbutton|reset` power the host off or cycle it, `unregistervm` removes it.
 */
export async function startVBoxBacking(options: {simulator: {dir: string}, pool: TestHostPool}): Promise<VBoxBacking> {
  const {pool} = options
  const socketPath = paths(options.simulator.dir).backing
  const vms = new Map<string, Backed>()
  const provided = new Map<string, {host: TestHost, address: string}>()
  const forwarders: Forwarder[] = []
  const log: Array<{request: BackingRequest, answer: BackingAnswer}> = []
  let queue: Promise<unknown> = Promise.resolve()

  const closeForwards = async (uuid: string, ruleName?: string) => {
    const closing = forwarders.filter((forwarder) => forwarder.vm === uuid && (ruleName === undefined || forwarder.rule.name === ruleName))
    for (const forwarder of closing) forwarders.splice(forwarders.indexOf(forwarder), 1)
    await Promise.all(closing.map(closeForwarder))
  }

  const openForwards = async (vm: Vm, host: TestHost, rules: NatRule[]) => {
    for (const rule of rules.filter((candidate) => candidate.proto === 'tcp')) {
      forwarders.push(await openForwarder(vm.uuid, rule, host))
    }
  }

  const natRules = (vm: Vm) => Object.values(vm.nics).filter((nic) => nic.type === 'nat').flatMap((nic) => nic.natpf)

  async function handle(request: BackingRequest): Promise<void> {
    const {vm} = request
    const backed = vms.get(vm.uuid)
    switch (request.op) {
      case 'start': {
        // The simulator refuses to start a running VM before it asks; a host already running here is one a
        // failed call left behind (startvm of several VMs fails as a whole): it is taken as started.
        await closeForwards(vm.uuid)
        let current = backed
        const guest = provided.get(vm.name)
        if (!current && guest) {
          current = {name: vm.name, host: guest.host}
        } else if (!current) {
          const seed = await readSeed(vm)
          const hostonly = Object.values(vm.nics).find((nic) => nic.type === 'hostonly' || nic.type === 'hostonlynet')
          const address = hostonly ? seed.addresses.get(hostonly.mac.replace(/[:-]/g, '').toLowerCase())?.[0] : undefined
          if (seed.authorizedKeys.length === 0) throw new Error(`the seed of ${vm.name} authorises no SSH key for ${seed.user}`)
          const host = await pool.up(seed.hostname, {init: 'systemd', withoutDocker: true})
          current = {name: seed.hostname, host, ...(address === undefined ? {} : {address})}
          vms.set(vm.uuid, current)
          try {
            await addSeedUser(host, seed)
          } catch (error) {
            vms.delete(vm.uuid)
            await host.down().catch(() => undefined)
            throw error
          }
        }
        // A guest the test provided takes the lease it was last given, as a DHCP server may hand out another one.
        if (guest) current = {...current, address: guest.address, leased: guest.address}
        vms.set(vm.uuid, current)
        if (!current.host.running) await current.host.powerOn()
        try {
          if (current.address !== undefined) await current.host.addAddress(current.address)
          if (current.leased !== undefined) await leaseHostOnly(current.host, vm, current.leased)
          await openForwards(vm, current.host, natRules(vm))
        } catch (error) {
          await closeForwards(vm.uuid)
          await current.host.powerOff({hard: true}).catch(() => undefined)
          throw error
        }
        return
      }
      case 'poweroff':
      case 'savestate':
      case 'acpipowerbutton':
        // A test host cannot keep its memory: a saved VM is powered off and boots afresh on its next start.
        await closeForwards(vm.uuid)
        if (backed?.host.running) await backed.host.powerOff(request.op === 'acpipowerbutton' ? {} : {hard: true})
        return
      case 'reset':
        if (backed?.host.running) await backed.host.reboot()
        return
      case 'natpf':
        if (request.delete !== undefined) await closeForwards(vm.uuid, request.delete)
        if (request.add && request.add.proto === 'tcp' && backed?.host.running) await openForwards(vm, backed.host, [request.add])
        return
      case 'unregister':
        await closeForwards(vm.uuid)
        if (backed) {
          vms.delete(vm.uuid)
          await backed.host.down()
        }
        return
    }
  }

  const server = createServer({allowHalfOpen: true}, (connection) => {
    let text = ''
    connection.setEncoding('utf8')
    connection.on('data', (chunk: string) => {
      text += chunk
    })
    connection.on('error', () => undefined)
    connection.on('end', () => {
      const answered = (async (): Promise<BackingAnswer> => {
        let request: BackingRequest
        try {
          request = JSON.parse(text) as BackingRequest
        } catch {
          return {ok: false, error: 'the host backing could not read the request'}
        }
        const run = queue.then(() => handle(request))
        queue = run.catch(() => undefined)
        const answer: BackingAnswer = await run.then(() => ({ok: true as const}), (error: unknown) => ({ok: false as const, error: error instanceof Error ? error.message : String(error)}))
        log.push({request, answer})
        return answer
      })()
      void answered.then((answer) => connection.end(`${JSON.stringify(answer)}\n`))
    })
  })
  await rm(socketPath, {force: true})
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(socketPath, () => resolve())
  })

  const find = (name: string) => [...vms.entries()].find(([uuid, backed]) => uuid === name || backed.name === name)?.[1]

  return {
    socket: socketPath,
    host: (vm) => find(vm)?.host ?? findByVmName(vm),
    forwards: () => forwarders.map((forwarder) => ({vm: forwarder.vm, rule: forwarder.rule.name, hostIp: forwarder.hostIp, hostPort: forwarder.rule.hostPort})),
    log: () => [...log],
    provideGuest: (vm, guest) => {
      provided.set(vm, guest)
    },
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await unlink(socketPath).catch(() => undefined)
      await queue
      const closing = forwarders.splice(0)
      await Promise.allSettled(closing.map(closeForwarder))
      const hosts = [...vms.values()]
      vms.clear()
      const results = await Promise.allSettled(hosts.map((backed) => backed.host.down()))
      const errors = results.filter((result) => result.status === 'rejected').map((result) => result.reason as unknown)
      if (errors.length > 0) throw new AggregateError(errors, `${errors.length} backing host(s) could not be removed.`)
    },
  }

  /** VMs are known to the backing by UUID; tests name them by the VM's name, which the last request carried. */
  function findByVmName(name: string): TestHost | undefined {
    const uuid = [...log].reverse().find((entry) => entry.request.vm.name === name)?.request.vm.uuid
    return uuid === undefined ? undefined : vms.get(uuid)?.host
  }
}

/**
 * A guest's host-only NIC as a DHCP client leaves it: an interface `eth1` with the NIC's MAC (a veth whose peer stays
 * inside the host) carrying the leased address, as `ip addr show` in a boot2docker guest shows it.
 */
async function leaseHostOnly(host: TestHost, vm: Vm, address: string): Promise<void> {
  const nic = Object.values(vm.nics).find((candidate) => candidate.type === 'hostonly')
  if (!nic) throw new Error(`${vm.name} has no host-only NIC to lease ${address} to`)
  const mac = nic.mac.replace(/[:-]/g, '').toLowerCase().replace(/(..)(?!$)/g, '$1:')
  const script = [
    'set -e',
    `ip link show eth1 >/dev/null 2>&1 || ip link add eth1 address ${mac} type veth peer name eth1-peer`,
    'ip link set eth1-peer up',
    'ip link set eth1 up',
    'ip -4 addr flush dev eth1',
    `ip addr add ${address}/24 dev eth1`,
  ]
  const leased = await host.exec(script.join('\n'))
  if (leased.code !== 0) throw new Error(`leasing ${address} to ${vm.name} failed: ${leased.stderr.trim()}`)
}

/** The VM's seed: the medium in its first non-empty DVD drive, mounted read-only, read and unmounted. */
async function readSeed(vm: Vm): Promise<Seed> {
  const dvd = vm.attachments.find((attachment) => attachment.type === 'dvddrive' && attachment.medium !== 'emptydrive')
  if (!dvd) throw new Error(`${vm.name} has no seed ISO in a DVD drive`)
  const files = await withMountedIso(dvd.medium, async (mountPoint) => {
    const read = (name: string) => readFile(join(mountPoint, name), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined
      throw error
    })
    return {metaData: await read('meta-data'), userData: await read('user-data'), networkConfig: await read('network-config')}
  })
  if (files.metaData === undefined || files.userData === undefined) throw new Error(`${dvd.medium} is not a NoCloud seed: meta-data or user-data is missing`)
  return parseSeed({metaData: files.metaData, userData: files.userData, ...(files.networkConfig === undefined ? {} : {networkConfig: files.networkConfig})})
}

const USER_NAME = /^[a-z_][a-z0-9_-]{0,30}$/

/**
 * Create the seed's user as cloud-init does on first boot: a home, the given shell, membership of sudo with the
 * given sudo rule, and exactly the seed's SSH keys. A group of the user's name that already exists (the test
 * hosts' root has a `docker` group, a cloud image has none) becomes the user's primary group, where a bare
 * `useradd` would refuse; that is also why TestHostPool's own `user` option is not used here.
 */
async function addSeedUser(host: TestHost, seed: Seed): Promise<void> {
  if (!USER_NAME.test(seed.user) || seed.user === 'root') throw new Error(`the seed's user ${JSON.stringify(seed.user)} is not a user name the backing can create`)
  const user = seed.user
  const shell = seed.shell && /^\/[\w/.-]+$/.test(seed.shell) ? seed.shell : '/bin/sh'
  const script = [
    'set -e',
    `if getent group ${user} >/dev/null; then group="-g ${user}"; else group=-U; fi`,
    `id -u ${user} >/dev/null 2>&1 || useradd --create-home --shell ${shell} $group --groups sudo ${user}`,
    `home=$(getent passwd ${user} | cut -d: -f6)`,
    `install -d -m 0700 -o ${user} -g "$(id -gn ${user})" "$home/.ssh"`,
    `cat > "$home/.ssh/authorized_keys"`,
    `chown ${user}:"$(id -gn ${user})" "$home/.ssh/authorized_keys"`,
    `chmod 0600 "$home/.ssh/authorized_keys"`,
    ...(seed.sudo ? [`printf '%s\\n' ${shellQuote(`${user} ${seed.sudo}`)} > /etc/sudoers.d/90-cloud-init-users`, 'chmod 0440 /etc/sudoers.d/90-cloud-init-users'] : []),
  ]
  const added = await host.exec(script.join('\n'), {input: `${seed.authorizedKeys.join('\n')}\n`})
  if (added.code !== 0) throw new Error(`creating the seed's user ${user} failed: ${added.stderr.trim()}`)
}

/**
 * Mount an ISO 9660 image read-only, as a guest reads its seed: a loop mount with the kernel's isofs where the
 * kernel has it, else fuseiso (FUSE). Unmounted, and any loop device detached, whatever `read` does.
 */
async function withMountedIso<T>(image: string, read: (mountPoint: string) => Promise<T>): Promise<T> {
  const mountPoint = await mkdtemp(join(tmpdir(), 'berth-vbox-seed-'))
  const kernel = (await readFile('/proc/filesystems', 'utf8')).split('\n').some((line) => line.trim().split(/\s+/).pop() === 'iso9660')
  let mounted = false
  try {
    try {
      if (kernel) await exec('mount', ['-o', 'loop,ro', '-t', 'iso9660', image, mountPoint])
      else await exec('fuseiso', ['-p', image, mountPoint])
    } catch (error) {
      throw new Error(`cannot mount the seed ${image}: ${((error as {stderr?: string}).stderr ?? String(error)).trim()}`, {cause: error})
    }
    mounted = true
    return await read(mountPoint)
  } finally {
    if (mounted) {
      if (kernel) await exec('umount', [mountPoint]).catch(() => undefined)
      else await exec('fusermount', ['-u', mountPoint]).catch(() => undefined)
    }
    if (kernel) {
      const {stdout} = await exec('losetup', ['-j', image]).catch(() => ({stdout: ''}))
      for (const line of stdout.split('\n').filter(Boolean)) await exec('losetup', ['-d', line.slice(0, line.indexOf(':'))]).catch(() => undefined)
    }
    await rmdir(mountPoint).catch(() => undefined)
  }
}

/**
 * Listen on the rule's host address (127.0.0.1 when the rule leaves it empty) and port; pipe each connection to
 * the guest port on the host's address, as VirtualBox's NAT does to the guest's.
 */
async function openForwarder(vm: string, rule: NatRule, host: TestHost): Promise<Forwarder> {
  const sockets = new Set<Socket>()
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }
  const server = createServer((client) => {
    const guest = connect(rule.guestPort, host.ip)
    track(client)
    track(guest)
    client.on('close', () => guest.destroy())
    guest.on('close', () => client.destroy())
    client.pipe(guest).pipe(client)
  })
  const hostIp = rule.hostIp || '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`NAT rule ${rule.name}: cannot listen on ${hostIp}:${rule.hostPort}: ${error.message}`)))
    server.listen(rule.hostPort, hostIp, () => resolve())
  })
  return {vm, rule, hostIp, server, sockets}
}

async function closeForwarder(forwarder: Forwarder): Promise<void> {
  const closed = new Promise<void>((resolve) => forwarder.server.close(() => resolve()))
  for (const socket of forwarder.sockets) socket.destroy()
  await closed
}
