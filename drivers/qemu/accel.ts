import {execFile} from 'node:child_process'
import {constants} from 'node:fs'
import {access, readFile} from 'node:fs/promises'
import {promisify} from 'node:util'

export type Accelerator = 'kvm' | 'hvf' | 'tcg'
export type AccelChoice = Accelerator | 'auto'

/** What decides the accelerator, gathered from the computer (see hostFacts) or given by tests. */
export interface HostFacts {
  platform: NodeJS.Platform
  /** /dev/kvm: absent, present but not readable and writable by this user, or usable. */
  kvmDevice: 'missing' | 'no-access' | 'usable'
  /** Whether the CPU advertises hardware virtualisation (vmx or svm in /proc/cpuinfo). */
  cpuVirtualization: boolean
  /** macOS: whether Hypervisor.framework is available (sysctl kern.hv_support). */
  hvSupport: boolean
  /** This computer's architecture, as Node names it (x64, arm64). */
  arch: string
}

export interface AccelDecision {
  accel: Accelerator
  /** Why this one, in a sentence berth can show. */
  reason: string
}

export class AccelUnavailableError extends Error {
  constructor(message: string, readonly fix: string) {
    super(message)
  }
}

/**
 * The accelerator for a VM. KVM needs /dev/kvm usable by this user and a CPU that advertises vmx or svm: a /dev/kvm
 * without them (software nested virtualisation such as kvm-pvm) cannot boot a stock kernel. HVF is macOS's.
 * Otherwise TCG, QEMU's emulator, which works everywhere but runs the guest about ten times slower.
 * An explicit choice that cannot work is an error; auto never fails.
 */
export function chooseAccelerator(wanted: AccelChoice, facts: HostFacts, guestArch: string = facts.arch): AccelDecision {
  // Hardware acceleration runs the guest's code on this CPU: only for a guest of the same architecture.
  const foreign = guestArch === facts.arch ? undefined : `the VM's architecture (${guestArch}) is not this computer's (${facts.arch})`
  const kvm = foreign ?? kvmProblem(facts)
  const hvf = facts.platform !== 'darwin' ? 'HVF exists only on macOS' : foreign ?? (facts.hvSupport ? undefined : 'this Mac does not support Hypervisor.framework (sysctl kern.hv_support is not 1)')
  switch (wanted) {
    case 'kvm':
      if (kvm !== undefined) throw new AccelUnavailableError(`KVM cannot be used: ${kvm}.`, kvmFix(facts))
      return {accel: 'kvm', reason: 'KVM was asked for'}
    case 'hvf':
      if (hvf !== undefined) throw new AccelUnavailableError(`HVF cannot be used: ${hvf}.`, 'Use --qemu-accel auto or tcg.')
      return {accel: 'hvf', reason: 'HVF was asked for'}
    case 'tcg':
      return {accel: 'tcg', reason: 'TCG was asked for'}
    case 'auto':
      if (facts.platform === 'linux' && kvm === undefined) return {accel: 'kvm', reason: '/dev/kvm is usable and the CPU has hardware virtualisation'}
      if (facts.platform === 'darwin' && hvf === undefined) return {accel: 'hvf', reason: 'Hypervisor.framework is available'}
      return {accel: 'tcg', reason: `no hardware acceleration, as ${facts.platform === 'darwin' ? hvf : kvm}; VMs run under TCG emulation, about ten times slower`}
  }
}

/** The architecture a qemu-system program emulates, from its name (qemu-system-x86_64, qemu-system-aarch64). */
export function guestArchOf(binary: string): string | undefined {
  const name = binary.split(/[\\/]/).pop() ?? binary
  if (/x86_64/.test(name)) return 'x64'
  if (/aarch64/.test(name)) return 'arm64'
  return undefined
}

function kvmProblem(facts: HostFacts): string | undefined {
  if (facts.platform !== 'linux') return 'KVM exists only on Linux'
  if (facts.kvmDevice === 'missing') return '/dev/kvm does not exist'
  if (facts.kvmDevice === 'no-access') return '/dev/kvm is not readable and writable by this user'
  if (!facts.cpuVirtualization) return 'the CPU shows no vmx or svm flag, and a /dev/kvm without them, such as nested kvm-pvm, cannot boot a stock kernel'
  return undefined
}

function kvmFix(facts: HostFacts): string {
  if (facts.kvmDevice === 'no-access') return 'Add yourself to the kvm group ("sudo usermod -aG kvm $USER", then log in again), or use --qemu-accel tcg.'
  if (facts.kvmDevice === 'missing' && facts.cpuVirtualization) return 'Load the KVM module ("sudo modprobe kvm_intel" or "kvm_amd"), or use --qemu-accel tcg.'
  return 'Enable hardware virtualisation (VT-x/AMD-V, or nested virtualisation for a VM) in the firmware or hypervisor, or use --qemu-accel tcg.'
}

/** The facts of this computer. */
export async function hostFacts(): Promise<HostFacts> {
  const platform = process.platform
  if (platform === 'darwin') {
    const hv = await promisify(execFile)('sysctl', ['-n', 'kern.hv_support'], {timeout: 5000}).then((out) => out.stdout.trim() === '1', () => false)
    return {platform, kvmDevice: 'missing', cpuVirtualization: false, hvSupport: hv, arch: process.arch}
  }
  let kvmDevice: HostFacts['kvmDevice'] = 'usable'
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK)
  } catch (error) {
    kvmDevice = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'no-access'
  }
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '')
  return {platform, kvmDevice, cpuVirtualization: cpuHasVirtualization(cpuinfo), hvSupport: false, arch: process.arch}
}

/** Whether any "flags" line of /proc/cpuinfo lists vmx (Intel) or svm (AMD). */
export function cpuHasVirtualization(cpuinfo: string): boolean {
  return /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo)
}
