import type {MachineState} from '../../src/driver-kit/index.js'
import type {Droplet} from './api-types.js'

/** Docker Machine's mapping (new: Starting, active: Running, off: Stopped); a droplet that is gone or archived is NotFound. */
export function machineState(droplet: Droplet | undefined): MachineState {
  switch (droplet?.status) {
    case undefined: return 'NotFound'
    case 'new': return 'Starting'
    case 'active': return 'Running'
    case 'off': return 'Stopped'
    case 'archive': return 'NotFound'
    default: return 'Error'
  }
}

/** The droplet's public IPv4 address, once it has one. */
export function publicIpv4(droplet: Droplet): string | undefined {
  return droplet.networks.v4.find((network) => network.type === 'public')?.ip_address
}
