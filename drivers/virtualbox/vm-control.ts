/**
 * What every VirtualBox VM berth drives goes through, whether berth made it or took it over from Docker Machine:
 * VBoxManage found and run under the driver's lock, a VM's state, its SSH port forward, and powering it off.
 */
import {BerthError, type DriverSetup, type MachineState, type OperationContext, pause} from '../../src/driver-kit/index.js'
import {loopbackPortFree} from './host.js'
import {reserveSshPort} from './hostonly.js'
import {VBoxManage, findVBoxManage, isNotFound, parseMachineReadable} from './vboxmanage.js'

export const INSTALL_HINT = 'Install VirtualBox 6.1 or later from https://www.virtualbox.org/wiki/Downloads (VBoxManage must be on PATH or in its usual place).'

/** The NAT rule that forwards a loopback port to the guest's SSH port (Docker Machine's name for it too). */
export const SSH_RULE = 'ssh'

const STATES: Record<string, MachineState> = {
  running: 'Running', paused: 'Paused', saved: 'Saved', poweroff: 'Stopped', aborted: 'Stopped',
  starting: 'Starting', restoring: 'Starting', stopping: 'Stopping', saving: 'Stopping',
  gurumeditation: 'Error', stuck: 'Error',
}

/** VBoxManage for one machine's calls, its changes under the driver's lock. */
export function vboxFor(setup: DriverSetup): VBoxManage {
  const bin = findVBoxManage(setup.env)
  if (bin === undefined) throw new BerthError('VBoxManage was not found on PATH or in VirtualBox\'s usual install locations.', {code: 'hypervisor', hint: INSTALL_HINT})
  return new VBoxManage({bin, env: setup.env, shared: setup.shared})
}

/** `showvminfo --machinereadable` of a VM, by UUID or name. */
export async function vmInfo(vbox: VBoxManage, vm: string, signal: AbortSignal): Promise<Record<string, string>> {
  return parseMachineReadable(await vbox.query(['showvminfo', vm, '--machinereadable'], signal))
}

/** The VM's state in berth's terms; NotFound when VirtualBox has no such VM. */
export async function vmState(vbox: VBoxManage, vm: string, signal: AbortSignal): Promise<MachineState> {
  try {
    return STATES[(await vmInfo(vbox, vm, signal)).VMState ?? ''] ?? 'Error'
  } catch (error) {
    if (isNotFound(error)) return 'NotFound'
    throw error
  }
}

/** The host port of the SSH NAT rule, from showvminfo's Forwarding(N)="ssh,tcp,127.0.0.1,PORT,,22". */
export function sshPortOf(info: Record<string, string>): number | undefined {
  for (const [key, value] of Object.entries(info)) {
    if (!/^Forwarding\(\d+\)$/.test(key)) continue
    const [name, , , port] = value.split(',')
    if (name === SSH_RULE && port !== undefined && /^\d+$/.test(port)) return Number(port)
  }
  return undefined
}

/** Before a start: the SSH rule forwards a loopback port no other program holds, a new one when it had none or lost it. */
export async function forwardSshPort(vbox: VBoxManage, setup: DriverSetup, vm: string, info: Record<string, string>, ctx: OperationContext): Promise<void> {
  const port = sshPortOf(info)
  if (port !== undefined && await loopbackPortFree(port)) return
  const next = await reserveSshPort(vbox, setup.shared, setup.machineName, ctx.signal)
  ctx.progress(`Forwarding SSH from 127.0.0.1:${next}${port === undefined ? '' : ` (127.0.0.1:${port} is taken)`}`)
  if (port !== undefined) await vbox.mutate(['modifyvm', vm, '--natpf1', 'delete', SSH_RULE], ctx.signal)
  await vbox.mutate(['modifyvm', vm, '--natpf1', `${SSH_RULE},tcp,127.0.0.1,${next},,22`], ctx.signal)
}

/** The ACPI power button, then a hard power-off when the guest has not shut down within `timeoutSeconds`. */
export async function stopVm(vbox: VBoxManage, vm: string, timeoutSeconds: number, ctx: OperationContext): Promise<void> {
  let state = (await vmInfo(vbox, vm, ctx.signal)).VMState
  if (state === 'paused') {
    await vbox.mutate(['controlvm', vm, 'resume'], ctx.signal)
    state = 'running'
  }
  if (state !== 'running') return
  await vbox.mutate(['controlvm', vm, 'acpipowerbutton'], ctx.signal)
  const deadline = Date.now() + timeoutSeconds * 1000
  while (Date.now() < deadline) {
    if ((await vmInfo(vbox, vm, ctx.signal)).VMState !== 'running') return
    await pause(1000, ctx.signal)
  }
  ctx.progress(`The guest did not shut down within ${timeoutSeconds}s of the ACPI power button; powering the VM off`)
  await powerOffVm(vbox, vm, ctx.signal)
}

/** Power off and wait until VirtualBox no longer reports the VM running. */
export async function powerOffVm(vbox: VBoxManage, vm: string, signal: AbortSignal): Promise<void> {
  const state = (await vmInfo(vbox, vm, signal)).VMState
  if (state !== 'running' && state !== 'paused' && state !== 'stuck') return
  await vbox.mutate(['controlvm', vm, 'poweroff'], signal)
  for (let tries = 0; tries < 60; tries++) {
    const now = (await vmInfo(vbox, vm, signal)).VMState
    if (now !== 'running' && now !== 'paused' && now !== 'stopping') return
    await pause(500, signal)
  }
}

/** Power the VM off if it runs and delete it with the disks only it uses, as `unregistervm --delete` does; gone already is fine. */
export async function deleteVm(vbox: VBoxManage, vm: string, signal: AbortSignal): Promise<void> {
  try {
    await powerOffVm(vbox, vm, signal)
    await vbox.mutate(['unregistervm', vm, '--delete'], signal)
  } catch (error) {
    if (!isNotFound(error)) throw error
  }
}
