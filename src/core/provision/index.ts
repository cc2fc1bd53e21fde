/**
 * The provisioning module's public surface: everything outside src/core/provision imports from here only. It owns
 * what berth does to a host over SSH (provision, upgrade the engine, clean the host) and templates/.
 */
export {renderCloudInitSeed, type SeedFiles, type SeedOptions} from './cloud-init-seed.js'
export {cleanHost} from './clean-host.js'
export {provisionHost} from './provision.js'
export {DEFAULT_INSTALL_URL} from './steps.js'
export {applyEngineUpgrade, findEngineUpgrade, type UpgradeChange} from './upgrade.js'
