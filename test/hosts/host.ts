import type {FileHandle} from 'node:fs/promises'
import {setTimeout as sleep} from 'node:timers/promises'
import {addHostAddress, moveHostAddress} from './address.js'
import {bootScript, startBoot, type Boot, type Exit} from './boot.js'
import {consoleTail} from './console-log.js'
import {runInCgroups} from './gate.js'
import {HOST_PATH, type HostLayout} from './layout.js'
import {commandName} from './processes.js'
import {sshAnswers, waitUntil} from './readiness.js'
import {writeRecord, type HostRecord} from './record.js'
import {discardHost} from './registry.js'
import type {ExecOptions, ExecResult, HostInit, TestHost} from './types.js'

export interface HostSpec {
  name: string
  init: HostInit
  user: string
  startDocker: boolean
  delaySshMs: number
  privateKey: string
}

const READY_TIMEOUT_MS = 60_000
const EXEC_TIMEOUT_MS = 120_000

/**
 * A running namespace host. Its holder keeps its namespaces and disk state; each boot is a new PID namespace
 * whose PID 1 is systemd or tini. When a boot ends by reboot(2) inside (the kernel kills PID 1 with SIGHUP)
 * or by reboot() here, the host boots again.
 */
export class NamespaceHost implements TestHost {
  readonly sshPort = 22 as const
  private bootCount = 0
  private current?: Boot
  private ready: Promise<void> = Promise.resolve()
  private rebootRequested = false
  private stopping = false
  private halted?: Error
  /** Set from powerOff() until powerOn(): the boot that ended was meant to end. */
  private poweredOff = false
  /** Where moveAddress() put the host; readiness checks follow it. */
  private movedIp?: string
  private sshTimer?: NodeJS.Timeout
  private removal?: Promise<void>
  /** The boot being launched, if any: removal waits for it so that no launcher appears after the sweep of the cgroups. */
  private launching: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly layout: HostLayout,
    private readonly spec: HostSpec,
    private readonly record: HostRecord,
    private readonly console: FileHandle,
    private readonly onRemoved: () => void,
  ) {}

  get name(): string {
    return this.spec.name
  }

  get ip(): string {
    return this.movedIp ?? this.layout.ip
  }

  get running(): boolean {
    return !this.poweredOff && this.current !== undefined && this.current.ended === undefined && this.halted === undefined
  }

  get gateway(): string {
    return this.layout.gateway
  }

  get user(): string {
    return this.spec.user
  }

  get init(): HostInit {
    return this.spec.init
  }

  get privateKey(): string {
    return this.spec.privateKey
  }

  get privateKeyPath(): string {
    return this.layout.keyPath
  }

  get boots(): number {
    return this.bootCount
  }

  /** The first boot; resolves when the host is ready. */
  start(): Promise<void> {
    return this.boot()
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    await this.ready
    if (this.halted) throw this.halted
    if (!this.current || this.poweredOff) throw new Error(`Host ${this.name} is not running.`)
    return this.execIn(this.current, command, options)
  }

  async reboot(): Promise<void> {
    const next = this.bootCount + 1
    if (this.init === 'systemd') {
      // A clean reboot: systemd stops its units and calls reboot(2), which ends the PID namespace with SIGHUP.
      await this.exec('systemctl reboot')
      try {
        await this.waitForBoot(next, 30_000)
      } catch {
        this.forceReboot()
      }
    } else {
      // No init system to shut down: the host's processes just stop, like at a power cycle.
      this.forceReboot()
    }
    await this.waitForBoot(next, 30_000)
    await this.ready
  }

  async powerOff(options: {hard?: boolean} = {}): Promise<void> {
    await this.ready.catch(() => {})
    const boot = this.current
    if (boot === undefined || this.poweredOff) return
    clearTimeout(this.sshTimer)
    this.poweredOff = true
    if (options.hard !== true && this.init === 'systemd') {
      // systemd stops its units, then poweroff(2) ends the PID namespace; the exec itself may be cut short by that.
      await this.execIn(boot, 'systemctl poweroff').catch(() => {})
      await Promise.race([boot.exit, sleep(30_000)])
    }
    // A pulled plug, or a sysv host (no init system to shut down), or a shutdown that did not finish.
    if (boot.ended === undefined) killQuietly(boot.init.pid)
    await boot.exit
  }

  async powerOn(): Promise<void> {
    if (!this.poweredOff) return
    this.poweredOff = false
    await this.boot()
  }

  async addAddress(address: string): Promise<void> {
    await addHostAddress(this, address)
  }

  async moveAddress(last: number): Promise<string> {
    const address = await moveHostAddress(this, last)
    this.movedIp = address
    return address
  }

  async stopSsh(): Promise<void> {
    clearTimeout(this.sshTimer)
    const result = await this.exec(this.init === 'systemd' ? 'systemctl stop ssh.service' : '/etc/init.d/ssh stop')
    if (result.code !== 0) throw new Error(`Host ${this.name}: stopping sshd failed: ${result.stderr}`)
    await waitUntil(`Host ${this.name}: sshd to stop`, async () => !(await sshAnswers(this.ip, this.sshPort)), {timeoutMs: 10_000})
  }

  async startSsh(): Promise<void> {
    clearTimeout(this.sshTimer)
    const result = await this.exec(this.init === 'systemd' ? 'systemctl start ssh.service' : '/etc/init.d/ssh start')
    if (result.code !== 0) throw new Error(`Host ${this.name}: starting sshd failed: ${result.stderr}`)
    await waitUntil(`Host ${this.name}: sshd to answer`, () => sshAnswers(this.ip, this.sshPort), {timeoutMs: READY_TIMEOUT_MS})
  }

  down(): Promise<void> {
    this.removal ??= this.remove()
    return this.removal
  }

  private async remove(): Promise<void> {
    this.stopping = true
    clearTimeout(this.sshTimer)
    await this.launching.catch(() => {})
    try {
      await discardHost(this.layout, this.record)
    } finally {
      // Reap the launcher, so that not even a zombie of the host is left.
      if (this.current) await Promise.race([this.current.exit, sleep(5_000)])
      await this.console.close()
    }
    this.onRemoved()
  }

  private boot(): Promise<void> {
    this.bootCount++
    this.ready = this.runBoot()
    // Callers that do not wait for this boot must not see an unhandled rejection; those that do still get it.
    this.ready.catch(() => {})
    return this.ready
  }

  private async runBoot(): Promise<void> {
    const started = Date.now()
    const sshAtBoot = this.spec.delaySshMs <= 0
    const script = bootScript(this.layout, {init: this.init, sshAtBoot, startDocker: this.spec.startDocker})
    const launching = startBoot(this.layout, this.record.cgroups, this.record.holder!.pid, script, this.console.fd)
    this.launching = launching
    const boot = await launching
    this.current = boot
    this.record.launcher = boot.launcherIdentity
    this.record.init = boot.init
    await writeRecord(this.layout, this.record)
    void boot.exit.then((exit) => this.afterBoot(boot, exit))
    const abandon = (): string | undefined => boot.ended ? 'the host halted' : undefined
    try {
      await waitUntil(`Host ${this.name}: init`, async () => ['systemd', 'tini'].includes(await commandName(boot.init.pid) ?? ''), {timeoutMs: READY_TIMEOUT_MS, abandon})
      if (sshAtBoot) {
        await waitUntil(`Host ${this.name}: sshd`, () => sshAnswers(this.ip, this.sshPort), {timeoutMs: READY_TIMEOUT_MS, abandon})
      } else {
        this.sshTimer = setTimeout(() => this.lateSsh(), Math.max(0, started + this.spec.delaySshMs - Date.now()))
        this.sshTimer.unref()
      }
      if (this.spec.startDocker) {
        await waitUntil(`Host ${this.name}: dockerd`, async () => (await this.execIn(boot, 'docker -H unix:///var/run/docker.sock version')).code === 0, {timeoutMs: READY_TIMEOUT_MS, abandon})
      }
    } catch (error) {
      throw new Error(`${(error as Error).message}\nConsole of ${this.name}:\n${await consoleTail(this.layout.consoleLog)}`, {cause: error})
    }
  }

  private afterBoot(boot: Boot, exit: Exit): void {
    clearTimeout(this.sshTimer)
    if (this.stopping || this.poweredOff || boot !== this.current) return
    const rebooted = this.rebootRequested || exit.signal === 'SIGHUP' || exit.code === 128 + 1
    this.rebootRequested = false
    if (rebooted) {
      void this.boot().catch((error: unknown) => {
        this.halted = error as Error
      })
    } else {
      this.halted = new Error(`Host ${this.name} halted (${exit.signal ?? `exit ${exit.code}`}).`)
    }
  }

  private lateSsh(): void {
    this.startSsh().catch(async (error: unknown) => {
      await this.console.write(`berth test host: late sshd start failed: ${(error as Error).message}\n`).catch(() => {})
    })
  }

  private forceReboot(): void {
    this.rebootRequested = true
    const pid = this.current?.init.pid
    if (pid !== undefined) killQuietly(pid)
  }

  private waitForBoot(count: number, timeoutMs: number): Promise<void> {
    return waitUntil(`Host ${this.name}: reboot`, async () => this.bootCount >= count, {timeoutMs, abandon: () => this.halted?.message})
  }

  private execIn(boot: Boot, command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return runInCgroups(this.record.cgroups, [
      'nsenter', '-t', String(boot.init.pid), '-m', '-u', '-i', '-n', '-p', '-C', '-r', '-w', '--',
      'env', '-i', `PATH=${HOST_PATH}`, 'HOME=/root', 'LANG=C.UTF-8', 'TERM=dumb', 'sh', '-c', command,
    ], {input: options.input, timeoutMs: options.timeoutMs ?? EXEC_TIMEOUT_MS})
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // Already gone.
  }
}
