import type {SshSettingFlags} from '../core/ssh/errors.js'
import type {RemoteSession} from '../core/ssh/session.js'
import type {ResourceRecord} from '../core/store/schema.js'

/** A host's power state as berth reports it (Docker Machine's names, plus NotFound for a host that is gone). */
export type MachineState = 'Running' | 'Stopped' | 'Starting' | 'Stopping' | 'Paused' | 'Saved' | 'Error' | 'NotFound'

/** One driver flag, typed as the user types it: `--<name>`, with an environment variable as fallback. */
export interface DriverFlag {
  /** The full flag name without dashes, e.g. "generic-ip-address". Built-in drivers prefix their name. */
  name: string
  type: 'string' | 'integer' | 'boolean' | 'string-array'
  description: string
  env?: string
  default?: string | number | boolean | readonly string[]
  /** A credential: read from flags/env when needed, never written into config.json or shown. */
  secret?: boolean
}

export type FlagValues = Record<string, string | number | boolean | string[] | undefined>

/** What a driver can do, as data, so the core never tests a driver's name. */
export interface DriverCapabilities {
  /** Which lifecycle calls exist; the core refuses the others before calling anything. */
  lifecycle: {start: boolean; stop: boolean; restart: boolean; kill: boolean}
  /** Whether the host keeps its address across stop/start (if not, the core re-checks the server certificate). */
  stableAddress: boolean
  /** Whether calls for different machines of this driver must not overlap (e.g. one local hypervisor CLI). */
  serialOperations: boolean
  /** Whether berth provisions the engine over SSH after the host exists; false for engines berth only registers. */
  provisions: boolean
  /**
   * The driver makes no host: it takes one that already runs (an existing server, a registered engine). Such a host
   * is not booting when berth first reaches it, so a refused or unreachable SSH port is final at once instead of
   * being waited on. Absent: the driver makes a host that boots (a VM, a cloud instance).
   */
  existingHost?: boolean
  /**
   * For drivers that make a host on this computer (local hypervisors): `create` without a driver uses the healthy
   * driver with the highest rank. Drivers that cost money or need an account have none.
   */
  defaultRank?: number
}

export interface DriverHealth {
  installed: boolean
  healthy: boolean
  /** What is wrong, when not healthy. */
  problem?: string
  /** What the user can do about it. */
  fix?: string
  /** What the driver will use here, when that is worth saying (e.g. a hypervisor's accelerator). */
  detail?: string
}

export interface SshEndpoint {
  host: string
  port: number
  user: string
  /** Absolute path of the private key. */
  keyPath: string
  /** The key the user gave, when keyPath is berth's copy of it: the one messages name. */
  keyOrigin?: string
}

/** What a driver instance knows about where it runs. */
export interface DriverSetup {
  machineName: string
  /** Absolute path of the machine's directory in the store (for driver-owned files such as disks). */
  machineDir: string
  storePath: string
  env: NodeJS.ProcessEnv
  /**
   * The value of one of the driver's secret flags for a stored machine: its environment variable when set, else the
   * value typed on the command line at create time (kept in the machine's 0600 credentials file, never in config.json).
   */
  secret(flagName: string): string | undefined
}

/** What became of a recorded resource during remove(); 'gone' when not said. */
export type RemovalOutcome = 'gone' | 'shared'

/** Passed to long operations. */
export interface OperationContext {
  signal: AbortSignal
  /** Persist a resource the moment it exists, so rm and a failed create can remove exactly what was made. */
  record(resource: ResourceRecord): Promise<void>
  /**
   * Say, during remove(), that a recorded resource is no longer this machine's to remove: 'gone' (deleted now, or found
   * gone) or 'shared' (kept because other machines use it). A removal that fails later then names only what is left.
   * A driver that never says so has every recorded resource counted as left.
   */
  removed(resource: ResourceRecord, outcome?: RemovalOutcome): void
  /** A progress line for the user (shown on stderr). */
  progress(message: string): void
  /** Work advancing by bytes (a download): a progress bar on a terminal, a line per tenth in a log. */
  meter(label: string, done: number, total: number | undefined): void
  /** An SSH session to the machine, its host key pinned as for provisioning (for drivers that act through SSH). */
  connectSsh(): Promise<RemoteSession>
}

/**
 * One machine's backend. Every call is idempotent: remove() of something already gone succeeds, and a
 * lifecycle call that finds the host already in the requested state returns without error.
 */
export interface Driver {
  /** Validate flags, credentials and the environment before anything is made (failure exits 3). No side effects. */
  preCreateCheck(ctx: OperationContext): Promise<void>
  /** Make the host; call ctx.record for each resource before making the next. */
  create(ctx: OperationContext): Promise<void>
  start(ctx: OperationContext): Promise<void>
  stop(ctx: OperationContext): Promise<void>
  restart(ctx: OperationContext): Promise<void>
  kill(ctx: OperationContext): Promise<void>
  /** Remove every resource recorded for this machine; tolerates resources that are already gone. */
  remove(ctx: OperationContext, resources: readonly ResourceRecord[]): Promise<void>
  /** Cheap, side-effect free; returns NotFound rather than throwing for a host that is gone. */
  state(signal: AbortSignal): Promise<MachineState>
  /** The host's current address (IP or DNS name). */
  address(signal: AbortSignal): Promise<string>
  /** The URL the docker client should use. */
  dockerUrl(signal: AbortSignal): Promise<string>
  /** How to reach the host over SSH, for drivers that provision. */
  sshEndpoint(signal: AbortSignal): Promise<SshEndpoint | undefined>
  /** The driver's state to persist in config.json: JSON-safe, never secrets. */
  toState(): Record<string, unknown>
}

/** A resource as the user would look for it in the cloud's console or CLI. */
interface ResourceDescription {
  /** What it is, in the cloud's words: "droplet", "EC2 instance". */
  kind: string
  id: string
  /** A region, location or zone. */
  region?: string
  /** The cloud's own command that removes it. */
  removeCommand: string
}

/** What a driver module exports (built-in or from a plugin) as its default export. */
export interface DriverDefinition {
  name: string
  description: string
  flags: readonly DriverFlag[]
  capabilities: DriverCapabilities
  /** The flags that set the SSH address and port, e.g. {address: '--generic-ip-address'}: named in connection hints. */
  sshSettingFlags?: SshSettingFlags
  /** Whether the driver can be used on this computer, and what to do if not. */
  probe(): Promise<DriverHealth>
  /** A driver for a new machine, from the create flags (defaults applied; throws a UsageError on bad values). */
  fromFlags(values: FlagValues, setup: DriverSetup): Driver
  /** A driver for a stored machine, from what toState() returned. */
  load(state: Record<string, unknown>, setup: DriverSetup): Driver
  /**
   * Optional: a recorded resource as its cloud names it, where it is and the cloud's own command that removes it,
   * for resources berth could not remove. `state` is what toState() returned (it may be damaged).
   */
  describeResource?(resource: ResourceRecord, state: Record<string, unknown>): ResourceDescription
  /**
   * Optional: the states of many stored machines of this driver at once, in the same order, for `ls`, so that a
   * cloud is asked once per region or account instead of once per machine. A machine it cannot answer for is 'Error'.
   */
  queryStates?(machines: readonly StoredMachine[], signal: AbortSignal): Promise<MachineState[]>
}

/** A stored machine as queryStates sees it: what its driver persisted, and where it lives. */
export interface StoredMachine {
  state: Record<string, unknown>
  setup: DriverSetup
}
