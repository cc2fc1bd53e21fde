import type {DriverDefinition} from '../../src/driver-kit/index.js'
import {Boot2DockerDriver, boot2DockerState} from './boot2docker.js'
import {virtualboxFromDockerMachine} from './docker-machine.js'
import {VirtualBoxDriver, type VBoxState} from './driver.js'
import {FLAGS} from './flags.js'
import {settingsFromFlags, settingsFromState} from './settings.js'
import {VBoxManage, findVBoxManage, parseVersion, versionAtLeast} from './vboxmanage.js'
import {INSTALL_HINT} from './vm-control.js'

/**
 * VirtualBox VMs booted from a cloud image with cloud-init, with Docker Machine's virtualbox flags; and the boot2docker
 * VMs Docker Machine made, taken over by `import docker-machine`.
 */
const virtualbox: DriverDefinition = {
  name: 'virtualbox',
  description: 'A local VirtualBox VM booted from a cloud image.',
  example: {args: ['--virtualbox-memory', '4096', '--virtualbox-cpu-count', '2'], machine: 'dev'},
  flags: FLAGS,
  capabilities: {
    // The host-only address is fixed in the seed, so it survives stop and start.
    stableAddress: true,
    // VBoxManage mutations are serialised by the store's lock, across processes; other calls may overlap.
    serialOperations: false,
    provisions: true,
    // The first choice of `create` without -d where VirtualBox works: what Docker Machine users expect.
    defaultRank: 2,
  },
  async probe() {
    const bin = findVBoxManage(process.env)
    if (bin === undefined) return {installed: false, healthy: false, problem: 'VBoxManage was not found on PATH or in VirtualBox\'s usual install locations.', fix: INSTALL_HINT}
    let output: string
    try {
      output = await new VBoxManage({bin, env: process.env}).run(['--version'])
    } catch (error) {
      return {installed: true, healthy: false, problem: `${bin} --version failed: ${(error as Error).message}`, fix: 'Reinstall VirtualBox; on Linux, "sudo /sbin/vboxconfig" rebuilds its kernel modules.'}
    }
    const version = parseVersion(output)
    if (version === undefined) return {installed: true, healthy: false, problem: `${bin} --version printed no version: ${output.trim().split('\n')[0] ?? ''}`, fix: 'Reinstall VirtualBox; on Linux, "sudo /sbin/vboxconfig" rebuilds its kernel modules.'}
    if (!versionAtLeast(version, 6, 1)) return {installed: true, healthy: false, problem: `VirtualBox ${version} is too old: berth needs 6.1 or later.`, fix: INSTALL_HINT}
    if (/WARNING/i.test(output)) return {installed: true, healthy: false, problem: `VirtualBox ${version} warns: ${output.split('\n').find((line) => /WARNING/i.test(line))!.trim()}`, fix: 'On Linux, "sudo /sbin/vboxconfig" builds and loads VirtualBox\'s kernel modules.'}
    return {installed: true, healthy: true}
  },
  fromFlags(values, setup) {
    return new VirtualBoxDriver({settings: settingsFromFlags(values, setup.env)}, setup)
  },
  load(state, setup) {
    const boot2docker = boot2DockerState(state)
    if (boot2docker !== undefined) return new Boot2DockerDriver(boot2docker, setup)
    return new VirtualBoxDriver({...(state as Partial<VBoxState>), settings: settingsFromState(state)}, setup)
  },
  fromDockerMachine: virtualboxFromDockerMachine,
}

export default virtualbox
