// Provisioning a machine: its certificates, its engine set up by the provisioning module (src/core/provision), its
// config stored and its docker context written; run by create, provision, regenerate-certs and a start at a new
// address. What berth imports from this folder, it imports from here.
export {engineOptions, mergeEngineOptions, removeEngineOptions, type EngineFlags, type EngineRemovals} from './engine-options.js'
export {provisionMachine, type ProvisionDeps} from './provision-machine.js'
export {regenerateCertificates} from './regenerate-certs.js'
