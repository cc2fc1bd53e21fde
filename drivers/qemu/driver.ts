import {execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {link, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {basename, dirname, isAbsolute, join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'
import {BerthError, type Driver, type DriverSetup, type MachineState, type OperationContext, run as runCommand, type SshEndpoint, TimeoutError, writeFileAtomic, writeSeedIso} from '../../src/driver-kit/index.js'
import {AccelUnavailableError, chooseAccelerator, guestArchOf, hostFacts, type AccelDecision} from './accel.js'
import {qemuArgs, type LaunchPlan} from './args.js'
import {freePort, portFree} from './ports.js'
import {QmpError, qmpCommand} from './qmp.js'
import {checksumSpec, type QemuSettings} from './settings.js'

/** The files of a qemu machine, in its directory of the store. */
export const FILES = {
  /** A hard link to the cached image the disk is made on, so a newer download of that image never changes it. */
  base: 'base-image',
  disk: 'disk.qcow2',
  seed: 'seed.iso',
  pid: 'qemu.pid',
  qmp: 'qmp.sock',
  console: 'console.log',
  /** The loopback ports forwarded to the VM, rewritten when a start has to choose new ones. */
  ports: 'ports.json',
} as const

export const RESOURCE = {disk: 'qemu-disk', seed: 'qemu-seed', vm: 'qemu-vm'} as const

/** How long a graceful stop waits for the guest to power off before QEMU is told to quit. */
const POWERDOWN_GRACE_MS = 90_000
/** How long a quit QEMU may take to exit. */
const EXIT_WAIT_MS = 15_000
/** A Unix socket path longer than this does not fit sockaddr_un on every system. */
const MAX_SOCKET_PATH = 100
const LAUNCH_ATTEMPTS = 3

export interface Ports {
  sshPort: number
  enginePort: number
}

export interface QemuState {
  settings: QemuSettings
  /** The ports chosen at create time (ports.json has the current ones). */
  ports?: Ports
  /** The image the disk was made on, for inspect. */
  image?: string
}

const run = (file: string, args: readonly string[], timeout = 60_000): Promise<{stdout: string; stderr: string}> =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], {timeout, maxBuffer: 8 * 1024 * 1024}, (error, stdout, stderr) => {
      if (error === null) return resolve({stdout, stderr})
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : lastLines(stderr) || error.message
      reject(new BerthError(`${basename(file)} failed: ${reason}`, {code: 'hypervisor', cause: error}))
    })
  })

function lastLines(text: string): string {
  return text.trim().split('\n').filter((line) => line.trim() !== '').slice(-3).join(' ')
}

/** The qemu-img next to a qemu-system given as a path (a QEMU build of its own), else the one on the PATH. */
export function qemuImgFor(binary: string): string {
  if (!isAbsolute(binary)) return 'qemu-img'
  const sibling = join(dirname(binary), 'qemu-img')
  return existsSync(sibling) ? sibling : 'qemu-img'
}

/** A local QEMU VM on a copy-on-write disk over a cached cloud image, reached through forwarded loopback ports. */
export class QemuDriver implements Driver {
  private decision?: AccelDecision

  constructor(private readonly stored: QemuState, private readonly setup: DriverSetup) {}

  private get settings(): QemuSettings {
    return this.stored.settings
  }

  private file(name: keyof typeof FILES): string {
    return join(this.setup.machineDir, FILES[name])
  }

  /** The QMP socket: in the machine's directory, or in the temporary directory when that path is too long for a socket. */
  qmpSocket(): string {
    const local = this.file('qmp')
    if (local.length <= MAX_SOCKET_PATH) return local
    const digest = createHash('sha256').update(this.setup.machineDir).digest('hex').slice(0, 16)
    return join(tmpdir(), `berth-qemu-${digest}.sock`)
  }

  async preCreateCheck(): Promise<void> {
    try {
      await run(this.settings.binary, ['--version'], 10_000)
    } catch (error) {
      throw new BerthError(`QEMU (${this.settings.binary}) cannot be run: ${(error as Error).message}.`, {code: 'hypervisor', hint: installHint()})
    }
    try {
      await run(qemuImgFor(this.settings.binary), ['--version'], 10_000)
    } catch (error) {
      throw new BerthError(`qemu-img cannot be run: ${(error as Error).message}.`, {code: 'hypervisor', hint: installHint()})
    }
    await this.accelerator()
    const source = this.settings.imageUrl
    if (!/^https?:\/\//i.test(source)) {
      const path = /^file:/i.test(source) ? fileURLToPath(source) : source
      if (!existsSync(path)) throw new BerthError(`The image file ${path} does not exist.`, {code: 'hypervisor', hint: 'Pass --qemu-image-url with an existing cloud image, or an http(s) URL.'})
    }
  }

  async create(ctx: OperationContext): Promise<void> {
    ctx.progress(`Getting the image ${this.settings.imageUrl}`)
    const checksum = checksumSpec(this.settings)
    const image = await this.setup.images.ensure({source: this.settings.imageUrl, ...(checksum === undefined ? {} : {checksum})}, ctx)
    this.stored.image = image
    const info = await this.imageInfo(image)

    // The disk: a qcow2 overlay on the image (hard-linked into the machine's directory when it can be), as big as asked.
    ctx.signal.throwIfAborted()
    let backing = image
    await rm(this.file('base'), {force: true})
    try {
      await link(image, this.file('base'))
      backing = FILES.base
    } catch {
      // Another file system: the overlay refers to the image where it lies.
    }
    const size = Math.max(this.settings.diskSize * 1024 * 1024, info.virtualSize)
    await ctx.record({kind: RESOURCE.disk, id: this.file('disk')})
    await run(qemuImgFor(this.settings.binary), ['create', '-q', '-f', 'qcow2', '-b', backing, '-F', info.format, this.file('disk'), String(size)])

    // The cloud-init seed: berth's user with the machine's key, and the hostname.
    const key = await this.setup.sshKey.create()
    await ctx.record({kind: RESOURCE.seed, id: this.file('seed')})
    await writeSeedIso(this.file('seed'), {hostname: this.setup.machineName, user: this.settings.sshUser, sshPublicKey: key.publicKey})

    const sshPort = await freePort()
    const ports = {sshPort, enginePort: await freePort([sshPort])}
    this.stored.ports = ports
    await this.savePorts(ports)
    await ctx.record({kind: RESOURCE.vm, id: this.file('pid')})
    await this.launch(ctx, ports)
  }

  async start(ctx: OperationContext): Promise<void> {
    if (await this.running(ctx.signal)) return
    let ports = await this.ports()
    // The same ports as before unless something else took one: then the machine's URL changes with it.
    const [sshFree, engineFree] = await Promise.all([portFree(ports.sshPort), portFree(ports.enginePort)])
    if (!sshFree || !engineFree) {
      const sshPort = sshFree ? ports.sshPort : await freePort([ports.enginePort])
      const enginePort = engineFree ? ports.enginePort : await freePort([sshPort])
      ctx.progress(`Port ${!sshFree ? ports.sshPort : ports.enginePort} on 127.0.0.1 is taken: forwarding ${!sshFree ? 'SSH' : 'the engine'} from ${!sshFree ? sshPort : enginePort} instead`)
      ports = {sshPort, enginePort}
      await this.savePorts(ports)
    }
    await this.launch(ctx, ports)
  }

  async stop(ctx: OperationContext): Promise<void> {
    if (!(await this.running(ctx.signal))) return
    await this.qmp('system_powerdown', ctx.signal)
    const deadline = Date.now() + POWERDOWN_GRACE_MS
    while (Date.now() < deadline) {
      if (!(await this.running(ctx.signal))) return this.cleanRuntime()
      await sleep(1000, undefined, {signal: ctx.signal})
    }
    ctx.progress(`The VM did not power off within ${POWERDOWN_GRACE_MS / 1000}s: stopping QEMU`)
    await this.kill(ctx)
  }

  async kill(ctx: OperationContext): Promise<void> {
    await this.quit(ctx.signal)
  }

  async restart(ctx: OperationContext): Promise<void> {
    await this.stop(ctx)
    await this.start(ctx)
  }

  async remove(ctx: OperationContext): Promise<void> {
    await this.quit(ctx.signal)
    for (const name of Object.keys(FILES) as (keyof typeof FILES)[]) await rm(this.file(name), {force: true})
    await rm(this.qmpSocket(), {force: true})
  }

  async state(signal: AbortSignal): Promise<MachineState> {
    if (!existsSync(this.file('disk'))) return 'NotFound'
    try {
      const status = await qmpCommand(this.qmpSocket(), 'query-status', undefined, {signal, timeoutMs: 10_000}) as {status?: string}
      return machineState(status.status)
    } catch (error) {
      if (signal.aborted) throw error
      if (error instanceof QmpError && error.reason === 'unreachable') return (await this.processAlive()) ? 'Stopping' : 'Stopped'
      return 'Error'
    }
  }

  async address(): Promise<string> {
    return '127.0.0.1'
  }

  async dockerUrl(): Promise<string> {
    return `tcp://127.0.0.1:${(await this.ports()).enginePort}`
  }

  async sshEndpoint(): Promise<SshEndpoint> {
    return {host: '127.0.0.1', port: (await this.ports()).sshPort, user: this.settings.sshUser, keyPath: this.setup.sshKey.path}
  }

  toState(): Record<string, unknown> {
    return {...this.stored}
  }

  /** The accelerator for this computer, decided once per driver instance. */
  async accelerator(): Promise<AccelDecision> {
    if (this.decision === undefined) {
      try {
        const facts = await hostFacts()
        this.decision = chooseAccelerator(this.settings.accel, facts, guestArchOf(this.settings.binary) ?? facts.arch)
      } catch (error) {
        if (error instanceof AccelUnavailableError) throw new BerthError(error.message, {code: 'hypervisor', hint: error.fix})
        throw error
      }
    }
    return this.decision
  }

  private async launch(ctx: OperationContext, first: Ports): Promise<void> {
    const {accel} = await this.accelerator()
    let ports = first
    for (let attempt = 1; ; attempt++) {
      ctx.signal.throwIfAborted()
      await this.cleanRuntime()
      const plan: LaunchPlan = {
        name: this.setup.machineName, accel, memory: this.settings.memory, cpuCount: this.settings.cpuCount,
        disk: this.file('disk'), seed: this.file('seed'), ...ports, qmpSocket: this.qmpSocket(), pidFile: this.file('pid'),
        consoleLog: this.file('console'), isolated: this.settings.isolated,
      }
      ctx.progress(`Starting QEMU (${accel}): SSH on 127.0.0.1:${ports.sshPort}, the engine on 127.0.0.1:${ports.enginePort}`)
      try {
        // With -daemonize, qemu-system returns once the VM is set up (pidfile and QMP socket in place), or fails.
        await run(this.settings.binary, qemuArgs(plan), 120_000)
        return
      } catch (error) {
        const message = (error as Error).message
        // A port that was free when chosen and taken before QEMU bound it: choose again.
        if (!/host ?forward/i.test(message) || attempt >= LAUNCH_ATTEMPTS) {
          throw new BerthError(`QEMU could not start the VM of "${this.setup.machineName}": ${message.replace(/^[^:]*failed: /, '')}`, {
            code: 'hypervisor',
            hint: `The VM's console output is in ${this.file('console')}.`,
            cause: error,
          })
        }
        const sshPort = await freePort()
        ports = {sshPort, enginePort: await freePort([sshPort])}
        await this.savePorts(ports)
      }
    }
  }

  private async imageInfo(image: string): Promise<{format: string; virtualSize: number}> {
    const {stdout} = await run(qemuImgFor(this.settings.binary), ['info', '--output=json', image])
    const info = JSON.parse(stdout) as {format?: string; 'virtual-size'?: number}
    if (typeof info.format !== 'string' || typeof info['virtual-size'] !== 'number') throw new BerthError(`qemu-img cannot tell the format and size of ${image}.`, {code: 'hypervisor'})
    if (!['qcow2', 'raw'].includes(info.format)) throw new BerthError(`The image ${image} is ${info.format}; the qemu driver takes qcow2 or raw images.`, {code: 'hypervisor'})
    return {format: info.format, virtualSize: info['virtual-size']}
  }

  private async ports(): Promise<Ports> {
    try {
      const saved = JSON.parse(await readFile(this.file('ports'), 'utf8')) as Partial<Ports>
      if (typeof saved.sshPort === 'number' && typeof saved.enginePort === 'number') return {sshPort: saved.sshPort, enginePort: saved.enginePort}
    } catch {
      // Fall back to the ports chosen at create time.
    }
    if (this.stored.ports === undefined) throw new BerthError(`Machine "${this.setup.machineName}" has no forwarded ports (its creation did not finish).`, {code: 'creation-unfinished', data: {machine: this.setup.machineName, missing: 'forwarded ports'}, fixes: [runCommand('rm', this.setup.machineName)]})
    return this.stored.ports
  }

  private async savePorts(ports: Ports): Promise<void> {
    await writeFileAtomic(this.file('ports'), `${JSON.stringify(ports)}\n`)
  }

  private async running(signal: AbortSignal): Promise<boolean> {
    const state = await this.state(signal)
    return state !== 'Stopped' && state !== 'NotFound'
  }

  private async qmp(command: string, signal: AbortSignal): Promise<unknown> {
    return qmpCommand(this.qmpSocket(), command, undefined, {signal})
  }

  /** Make QEMU exit now (the guest is not asked), and wait until its process is gone. */
  private async quit(signal: AbortSignal): Promise<void> {
    try {
      await this.qmp('quit', signal)
    } catch (error) {
      if (!(error instanceof QmpError)) throw error
    }
    const deadline = Date.now() + EXIT_WAIT_MS
    while (await this.processAlive()) {
      if (Date.now() >= deadline) {
        const pid = await this.pid()
        if (pid !== undefined) process.kill(pid, 'SIGKILL')
        await sleep(500)
        if (await this.processAlive()) throw new TimeoutError(`QEMU (process ${pid}) did not exit.`, {code: 'process-did-not-exit', data: {program: 'QEMU', pid: String(pid)}})
        break
      }
      await sleep(200)
    }
    await this.cleanRuntime()
  }

  /** The pidfile and socket of a QEMU that has exited. */
  private async cleanRuntime(): Promise<void> {
    if (await this.processAlive()) return
    await rm(this.file('pid'), {force: true})
    await rm(this.qmpSocket(), {force: true})
  }

  private async pid(): Promise<number | undefined> {
    try {
      const pid = Number((await readFile(this.file('pid'), 'utf8')).trim())
      return Number.isInteger(pid) && pid > 0 ? pid : undefined
    } catch {
      return undefined
    }
  }

  /** Whether the process in the pidfile lives and is this machine's QEMU (on Linux its command line names the pidfile). */
  private async processAlive(): Promise<boolean> {
    const pid = await this.pid()
    if (pid === undefined) return false
    try {
      process.kill(pid, 0)
    } catch {
      return false
    }
    if (process.platform !== 'linux') return true
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
    return cmdline.split('\0').includes(this.file('pid'))
  }
}

/** QMP's run states as berth's machine states. */
export function machineState(status: string | undefined): MachineState {
  switch (status) {
    case 'running':
      return 'Running'
    case 'prelaunch':
    case 'inmigrate':
      return 'Starting'
    case 'shutdown':
      return 'Stopping'
    case 'paused':
    case 'suspended':
    case 'debug':
    case 'postmigrate':
    case 'finish-migrate':
    case 'save-vm':
    case 'restore-vm':
      return 'Paused'
    default:
      return 'Error'
  }
}

export function installHint(): string {
  return process.platform === 'darwin'
    ? 'Install QEMU with "brew install qemu", or pass --qemu-binary PATH.'
    : 'Install QEMU: "sudo apt-get install qemu-system-x86 qemu-utils" (Debian, Ubuntu) or "sudo dnf install qemu-system-x86 qemu-img" (Fedora), or pass --qemu-binary PATH.'
}
