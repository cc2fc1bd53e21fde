import type {MachineState} from '../../src/driver-kit/index.js'

/**
 * berth's state of a VM from its instance view status codes ("ProvisioningState/succeeded", "PowerState/running");
 * undefined codes mean the VM is gone. A deallocated VM is Stopped, as a powered-off one.
 */
export function machineState(codes: readonly string[] | undefined): MachineState {
  if (codes === undefined) return 'NotFound'
  const value = (prefix: string): string | undefined => codes.find((code) => code.startsWith(`${prefix}/`))?.split('/')[1]?.toLowerCase()
  const provisioning = value('ProvisioningState')
  const power = value('PowerState')
  if (provisioning === 'failed') return 'Error'
  if (provisioning === 'deleting') return 'Stopping'
  switch (power) {
    case 'running':
      return provisioning === 'creating' ? 'Starting' : 'Running'
    case 'starting':
      return 'Starting'
    case 'stopping':
    case 'deallocating':
      return 'Stopping'
    case 'stopped':
    case 'deallocated':
      return 'Stopped'
    default:
      // No power state yet while Azure still creates or updates the VM.
      return provisioning === 'creating' || provisioning === 'updating' ? 'Starting' : 'Error'
  }
}
