// Remove a machine (what its driver made, its host's engine configuration on request, its store entry and docker
// context), say beforehand what that does to each host, and forget the orphaned cloud resources of machines removed
// with --force. What berth imports from this folder, it imports from here.
export {forgetOrphans} from './forget-orphans.js'
export {removeMachine} from './remove-machine.js'
export {describeRemovals, type HostRemoval, type MachineRemoval} from './removal-effect.js'
