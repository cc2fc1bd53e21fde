import type {Accelerator} from './accel.js'

/** Where QEMU's translation cache stops growing under TCG: its default (1 GiB) nearly doubles the VM's memory use. */
export const TCG_TB_SIZE_MB = 256
/** SSH inside the VM. */
export const GUEST_SSH_PORT = 22

export interface LaunchPlan {
  name: string
  accel: Accelerator
  memory: number
  cpuCount: number
  disk: string
  seed: string
  /** Loopback port forwarded to the VM's SSH port. */
  sshPort: number
  /** Loopback port forwarded to the same port inside the VM, where berth configures the engine to listen. */
  enginePort: number
  qmpSocket: string
  pidFile: string
  consoleLog: string
  isolated: boolean
}

/** An option value for QEMU's key=value lists, where a comma is written twice. */
export function qemuValue(value: string): string {
  return value.replaceAll(',', ',,')
}

/**
 * The qemu-system arguments for a machine: a detached VM with a pidfile, a QMP socket, its disk on virtio, the
 * cloud-init seed as a CD-ROM, and user-mode networking with SSH and the engine forwarded from 127.0.0.1 only.
 */
export function qemuArgs(plan: LaunchPlan): string[] {
  const accel = plan.accel === 'tcg' ? `tcg,tb-size=${TCG_TB_SIZE_MB}` : plan.accel
  const forwards = [
    `hostfwd=tcp:127.0.0.1:${plan.sshPort}-:${GUEST_SSH_PORT}`,
    `hostfwd=tcp:127.0.0.1:${plan.enginePort}-:${plan.enginePort}`,
  ]
  const netdev = ['user', 'id=net0', ...(plan.isolated ? ['restrict=on'] : []), ...forwards].join(',')
  return [
    '-name', qemuValue(`berth-${plan.name}`),
    '-machine', 'q35',
    '-accel', accel,
    // Under KVM and HVF the guest sees the host's CPU; TCG emulates QEMU's default model.
    ...(plan.accel === 'tcg' ? [] : ['-cpu', 'host']),
    '-m', String(plan.memory),
    '-smp', String(plan.cpuCount),
    '-nodefaults',
    '-display', 'none',
    '-serial', `file:${plan.consoleLog}`,
    '-drive', `file=${qemuValue(plan.disk)},if=virtio,format=qcow2,discard=unmap`,
    '-drive', `file=${qemuValue(plan.seed)},media=cdrom,format=raw,readonly=on`,
    '-netdev', netdev,
    '-device', 'virtio-net-pci,netdev=net0',
    // Entropy for sshd and cloud-init early in boot, which an emulated VM otherwise waits for.
    '-device', 'virtio-rng-pci',
    '-qmp', `unix:${qemuValue(plan.qmpSocket)},server=on,wait=off`,
    '-pidfile', plan.pidFile,
    '-daemonize',
  ]
}
