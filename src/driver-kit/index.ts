/**
 * berth's driver kit (`berth/driver`): everything a driver imports from berth, and nothing else. The contract and
 * the services berth gives a driver are types (contract.ts); the helpers here are how berth's own drivers wait,
 * retry, check what users type and say what went wrong. Core modules may move; this surface stays.
 */

export type {
  AdoptedMachine,
  DockerMachineHost,
  Driver,
  DriverCapabilities,
  DriverDefinition,
  DriverExample,
  DriverFlag,
  DriverHealth,
  DriverSetup,
  DriverSharedState,
  EngineManagedElsewhere,
  FlagValues,
  ImageCache,
  ImageRequest,
  LifecycleOperation,
  MachineSshKey,
  MachineState,
  OperationContext,
  RemovalOutcome,
  ResourceDescription,
  SshEndpoint,
  StoredMachine,
} from './contract.js'
export {LIFECYCLE_OPERATIONS, lifecycleOf} from './contract.js'
export type {ResourceRecord} from '../core/store/schema.js'
export type {SshSettingFlags} from '../core/ssh/errors.js'
export type {ExecResult, RemoteSession} from '../core/ssh/session.js'
export type {ChecksumSpec} from '../core/vm/image-cache.js'

// Errors a driver throws: a code and data, a message naming the problem, and the fix as prose in which each berth
// command is data (prose`Run ${run('provision', name)}.`), so the CLI spells it.
export {BerthError, TimeoutError, UsageError} from '../core/errors.js'
export {HostUnreachableError} from './host-unreachable.js'
export {DockerMachineFields} from './docker-machine-fields.js'
export {joinProse, prose, run, type CommandFix, type CommandName, type Prose} from '../core/fix.js'

// Waiting and retrying, bounded and abortable.
export {abortReason, pause} from '../core/abort.js'
export {pollUntil} from '../core/poll-until.js'
export {retrying} from './retry.js'

// Checking what the user typed, and quoting it back.
export {checkHostAddress, checkIpv4Address, checkUrlHost} from '../core/host-address.js'
export {quoteValue} from '../core/safe-text.js'
export {readUserSshKey, type UserSshKey} from '../core/ssh/user-key.js'

// Files and hosts.
export {writeFileAtomic} from '../core/store/files.js'
export {writeSeedIso} from './seed-iso.js'
export type {SeedOptions} from '../core/provision/index.js'
export {packagesHealth} from './packages.js'
