import {type AdoptedMachine, type DockerMachineHost, type DriverSetup, quoteValue, UsageError} from '../../src/driver-kit/index.js'
import {Boot2DockerDriver} from './boot2docker.js'
import {VM} from './driver.js'
import {UI_TYPES} from './settings.js'

/**
 * A boot2docker VM Docker Machine's virtualbox driver made (its Driver struct, drivers/virtualbox/virtualbox.go),
 * taken over as it is: the VM by its VirtualBox name (MachineName), SSH as Docker Machine's "docker" user with
 * berth's copy of the key it made, started the way it was (UIType). The VM is recorded so that rm deletes it as
 * Docker Machine's rm did. Its other fields (CPU, Memory, HostOnlyCIDR...) describe how it was made; VirtualBox
 * keeps them, and berth does not change them.
 */
export function virtualboxFromDockerMachine({driver: dm, sshKeyPath}: DockerMachineHost, setup: DriverSetup): AdoptedMachine {
  const text = (field: string, fallback: string): string => {
    const value = dm[field]
    if (value === undefined || value === null || value === '') return fallback
    if (typeof value !== 'string') throw new UsageError(`Its "Driver.${field}" is not a string.`)
    return value
  }
  const vmName = text('MachineName', '')
  if (vmName === '') throw new UsageError('Its "Driver.MachineName" (the name of its VirtualBox VM) is missing.')
  if (sshKeyPath === undefined) throw new UsageError('It has no SSH key ("Driver.SSHKeyPath").')
  const uiType = text('UIType', 'headless')
  if (!UI_TYPES.includes(uiType)) throw new UsageError(`Its "Driver.UIType" ${quoteValue(uiType)} is not one of ${UI_TYPES.join(', ')}.`)
  const sshUser = text('SSHUser', 'docker')
  return {
    driver: new Boot2DockerDriver({boot2docker: {vmName, sshUser, sshKeyPath, uiType}}, setup),
    resources: [{kind: VM, id: vmName, name: vmName}],
  }
}
