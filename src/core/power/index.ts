// Start, stop, kill and restart a machine, waiting until it is there and, coming up, following a new address.
// What berth imports from this folder, it imports from here.
export {requireLifecycle, type LifecycleOperation} from './lifecycle-support.js'
export {DEFAULT_LIFECYCLE_TIMEOUT_MS, currentState, startMachine, stopMachine, type LifecycleDeps, type LifecycleOptions, type LifecycleOutcome} from './power.js'
export {restartMachine} from './restart-machine.js'
export {SerialGate} from './serial-gate.js'
