// Upgrade a machine's engine when its package sources offer a newer one, with the running containers reported
// before and after. What berth imports from this folder, it imports from here.
export type {ContainerReport, RunningContainer} from './running-containers.js'
export {upgradeMachine, type UpgradeOffer, type UpgradeResult} from './upgrade-machine.js'
