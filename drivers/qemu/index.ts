import type {DriverDefinition, DriverHealth} from '../../src/driver-kit/index.js'
import {chooseAccelerator, guestArchOf, hostFacts} from './accel.js'
import {QemuDriver, installHint, qemuImgFor, type QemuState} from './driver.js'
import {DEFAULTS, FLAGS, isAccelChoice, qemuSettings} from './settings.js'
import {execFile} from 'node:child_process'

/** Local QEMU VMs booted from a cloud image with cloud-init, reached through forwarded loopback ports. */
const qemu: DriverDefinition = {
  name: 'qemu',
  description: 'A local QEMU VM from a cloud image (KVM or HVF when usable).',
  example: {args: ['--qemu-memory', '4096', '--qemu-cpu-count', '2'], machine: 'dev'},
  flags: FLAGS,
  capabilities: {
    // Always 127.0.0.1; the forwarded ports may change, which the lifecycle follows through the engine URL.
    stableAddress: true,
    serialOperations: false,
    provisions: true,
    // Chosen by `create` without -d where VirtualBox is not usable.
    defaultRank: 1,
  },
  probe: () => probe(process.env),
  fromFlags(values, setup) {
    return new QemuDriver({settings: qemuSettings(values)}, setup)
  },
  load(state, setup) {
    const stored = state as Partial<QemuState>
    return new QemuDriver({...stored, settings: qemuSettings((stored.settings ?? {}) as Record<string, unknown>)}, setup)
  },
}

/** Whether qemu-system and qemu-img run here, and which accelerator a VM would get. */
export async function probe(env: NodeJS.ProcessEnv): Promise<DriverHealth> {
  const binary = env.QEMU_BINARY || DEFAULTS.binary
  const version = await runs(binary)
  if (version === undefined) return {installed: false, healthy: false, problem: `${binary} is not installed (or does not run)`, fix: installHint()}
  if ((await runs(qemuImgFor(binary))) === undefined) return {installed: false, healthy: false, problem: 'qemu-img is not installed', fix: installHint()}
  // An unusable QEMU_ACCEL is create's to refuse; the probe says what auto would choose.
  const accel = isAccelChoice(env.QEMU_ACCEL) ? env.QEMU_ACCEL : DEFAULTS.accel
  try {
    const facts = await hostFacts()
    const decision = chooseAccelerator(accel, facts, guestArchOf(binary) ?? facts.arch)
    return {installed: true, healthy: true, detail: `${version}; accelerator ${decision.accel}: ${decision.reason}`}
  } catch (error) {
    return {installed: true, healthy: false, problem: (error as Error).message, fix: (error as {fix?: string}).fix ?? 'Use --qemu-accel auto.'}
  }
}

/** The first line of "PROGRAM --version", or undefined when it does not run. */
function runs(program: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(program, ['--version'], {timeout: 5000}, (error, stdout) => {
      resolve(error === null ? stdout.split('\n')[0]!.replace(/ Copyright.*$/, '').trim() : undefined)
    })
  })
}

export default qemu
