import type {Prose} from '../core/fix.js'
import type {SshSettingFlags} from '../core/ssh/errors.js'
import type {ExecResult, RemoteSession} from '../core/ssh/session.js'
import type {UserSshKey} from '../core/ssh/user-key.js'
import type {ResourceRecord} from '../core/store/schema.js'
import type {ChecksumSpec} from '../core/vm/image-cache.js'

/*
 * The contract between berth and a driver, written out once (docs/drivers.md says the same for authors):
 *
 * - Call order. For a new machine: definition.fromFlags → preCreateCheck → (the store reserves the machine) → toState
 *   → create → toState (written after create) → address, dockerUrl, sshEndpoint → (berth provisions or registers the
 *   engine). For a stored machine: definition.load with what toState() returned, then any of the other calls. A create
 *   that fails (or Ctrl-C) is followed by remove(ctx, what was recorded), on the same instance.
 * - Lifetime. An instance serves one command for one machine and is dropped at its end; nothing survives between
 *   commands but what toState() returned and what ctx.record() recorded. fromFlags and load are cheap: no network,
 *   no change anywhere.
 * - Concurrency. berth holds the machine's lock around every call that changes the machine, so calls for one machine
 *   never overlap. Calls for different machines of the driver may run at once, in one process or several
 *   (capabilities.serialOperations makes them take turns within a process); state a driver keeps across its
 *   machines goes in setup.shared, under its lock, which holds across processes.
 * - Idempotency. remove() of what is already gone succeeds; a lifecycle call that finds the host in the requested
 *   state returns without error; state() never throws for a host that is gone (NotFound). A driver of hosts that
 *   exist already (existingHost) whose state is whether the host answers throws HostUnreachableError when it does
 *   not: it cannot tell Stopped from unreachable, and berth cannot start such a host.
 * - Deadlines. Every long call gets ctx.signal (Ctrl-C, a command's --timeout): stop waiting and throw its reason
 *   when it aborts. A driver waits for its backend with pollUntil and a timeout of its own, and says what it waited for.
 * - The engine. berth makes the engine listen with TLS on the port dockerUrl() names (setup.enginePort unless the
 *   driver has a reason to choose another) and opens nothing in a firewall: a cloud driver opens that port itself.
 */

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
  /** What help shows as the default of a flag without a `default`, which the driver works out when it runs ("the region's"). */
  defaultHelp?: string
  /** A credential: read from flags/env when needed, never written into config.json or shown. */
  secret?: boolean
}

export type FlagValues = Record<string, string | number | boolean | string[] | undefined>

/** What a driver can do, as data, so the core never tests a driver's name. */
export interface DriverCapabilities {
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
  fix?: Prose
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

/** What a driver instance knows about where it runs, and the services berth gives it. */
export interface DriverSetup {
  machineName: string
  /** Absolute path of the machine's own directory (for files the driver owns: disks, a seed, a console log); rm deletes it. */
  machineDir: string
  /**
   * The port berth has the engine listen on with TLS: the one dockerUrl() names unless the driver has its own (a
   * flag the user gave, a forwarded local port).
   */
  enginePort: number
  env: NodeJS.ProcessEnv
  /**
   * The value of one of the driver's secret flags for a stored machine: its environment variable when set, else the
   * value typed on the command line at create time (kept in the machine's 0600 credentials file, never in config.json).
   */
  secret(flagName: string): string | undefined
  /** The machine's SSH key: the one berth makes, or its copy of the user's. */
  sshKey: MachineSshKey
  /** A directory and a lock for what the driver keeps across its machines on this computer. */
  shared: DriverSharedState
  /** VM images, downloaded once, verified and shared by every machine. */
  images: ImageCache
  /**
   * Run one command on the host over SSH and return its output, for what a driver can learn only from the host
   * itself (the address a VM's DHCP client was given). Waits while the host may still be booting; the host key is
   * pinned as for berth's other sessions.
   */
  runOnHost(endpoint: SshEndpoint, command: string, signal: AbortSignal): Promise<ExecResult>
}

/** The machine's SSH key, kept in the machine's directory (0600). */
export interface MachineSshKey {
  /** Where the key berth makes is kept (the private half; the public half is next to it, with ".pub"). */
  readonly path: string
  /** Make a new ed25519 key pair for the machine (replacing any) and return the public key as an authorized_keys line. */
  create(): Promise<{publicKey: string}>
  /** Keep a 0600 copy of a key the user gave (read with readUserSshKey) and return the copy's path, for sshEndpoint(). */
  keepUserKey(key: UserSshKey): Promise<string>
}

/**
 * What a driver keeps for all its machines on this computer (the networks it made, which machine has which
 * address), shared by every berth process that uses the driver.
 */
export interface DriverSharedState {
  /** A directory only this driver writes; it may not exist yet (writeFileAtomic makes it). */
  readonly dir: string
  /** Run work holding the driver's lock, which every berth process on this computer honours; waits up to timeoutMs (default 60 s). */
  withLock<T>(work: () => Promise<T>, options: {signal: AbortSignal; timeoutMs?: number}): Promise<T>
  /** Whether a machine of this name still exists: what the driver recorded for a machine that is gone may be reclaimed. */
  machineExists(name: string): boolean
}

/** An image for a VM: an http(s) URL, a file:// URL or a local path, and what to verify it against. */
export interface ImageRequest {
  source: string
  /** "sha256:HEX", "sha512:HEX", or a checksum file ({file: URL or path, name?}); without one the image is not verified. */
  checksum?: ChecksumSpec
}

export interface ImageCache {
  /** The image's absolute path: a local file where it lies, a URL downloaded once (resumed, verified, shared), with a progress meter. */
  ensure(request: ImageRequest, ctx: OperationContext): Promise<string>
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
  progress(message: Prose): void
  /** Work advancing by bytes (a download): a progress bar on a terminal, a line per tenth in a log. */
  meter(label: string, done: number, total: number | undefined): void
  /** An SSH session to the machine, its host key pinned as for provisioning (for drivers that act through SSH). */
  connectSsh(): Promise<RemoteSession>
}

/**
 * One machine's backend. Every call is idempotent: remove() of something already gone succeeds, and a
 * lifecycle call that finds the host already in the requested state returns without error. The lifecycle calls
 * are optional: a driver has those it can carry out, and berth refuses the others before calling anything.
 */
export interface Driver {
  /** Validate flags, credentials and the environment before anything is made (failure exits 3). No side effects. */
  preCreateCheck(ctx: OperationContext): Promise<void>
  /** Make the host; call ctx.record for each resource before making the next. */
  create(ctx: OperationContext): Promise<void>
  /** Power the host on; return once the backend has accepted it (berth waits for the state and for SSH). */
  start?(ctx: OperationContext): Promise<void>
  /** Shut the host down cleanly. */
  stop?(ctx: OperationContext): Promise<void>
  /** Reboot the host (berth waits for a new boot where it reaches the host over SSH). */
  restart?(ctx: OperationContext): Promise<void>
  /** Power the host off at once. */
  kill?(ctx: OperationContext): Promise<void>
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
  /**
   * Set when berth must not change this host's engine (provision, regenerate-certs, upgrade, rm --clean-host): its
   * settings live where berth does not manage them. berth refuses those commands with the reason and what to do.
   */
  readonly engineManagedElsewhere?: EngineManagedElsewhere
}

/** Why berth leaves a host's engine as it is, and what the user can do instead (each berth command as data). */
export interface EngineManagedElsewhere {
  reason: string
  instead: Prose
}

/** The optional lifecycle calls, in the order berth names them. */
export const LIFECYCLE_OPERATIONS = ['start', 'stop', 'restart', 'kill'] as const
export type LifecycleOperation = typeof LIFECYCLE_OPERATIONS[number]

/** Which lifecycle calls a driver has: the capability is the method. */
export function lifecycleOf(driver: Driver): Record<LifecycleOperation, boolean> {
  return {start: typeof driver.start === 'function', stop: typeof driver.stop === 'function', restart: typeof driver.restart === 'function', kill: typeof driver.kill === 'function'}
}

/** A resource as the user would look for it in the cloud's console or CLI. */
export interface ResourceDescription {
  /** What it is, in the cloud's words: "droplet", "EC2 instance". */
  kind: string
  id: string
  /** A region, location or zone. */
  region?: string
  /** The cloud's own command that removes it. */
  removeCommand: string
}

/**
 * A create command line as data, as a fix is: the driver's flags with their values (what follows `-d NAME`) and the
 * new machine's name. berth spells the command; a driver never does.
 */
export interface DriverExample {
  args: readonly string[]
  machine: string
}

/** What a driver module exports (built-in or from a plugin) as its default export. */
export interface DriverDefinition {
  name: string
  /** One line, shown beside the driver's name in `create --help` and atop its own help. */
  description: string
  /** A typical create with this driver, shown in its help (`create -d NAME --help`). */
  example?: DriverExample
  flags: readonly DriverFlag[]
  capabilities: DriverCapabilities
  /** The flags that set the SSH address and port, e.g. {address: '--generic-ip-address'}: named in connection hints. */
  sshSettingFlags?: SshSettingFlags
  /** Whether the driver can be used on this computer, and what to do if not. */
  probe(): Promise<DriverHealth>
  /**
   * A driver for a new machine, from the create flags: what the user typed, then each flag's environment variable,
   * then its declared default (berth applies them; a flag without any is absent). Throws a UsageError on bad values.
   */
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
  /**
   * Optional: the driver of a machine that Docker Machine made with its driver of this name, for `import
   * docker-machine`, which takes the machine over as it is (same host, same certificates). Throws a UsageError naming
   * the Docker Machine field at fault.
   */
  fromDockerMachine?(host: DockerMachineHost, setup: DriverSetup): AdoptedMachine
}

/** A machine as Docker Machine recorded it, for DriverDefinition.fromDockerMachine. */
export interface DockerMachineHost {
  /** The "Driver" object of its config.json: the fields of Docker Machine's driver struct, as it wrote them. */
  driver: Readonly<Record<string, unknown>>
  /** berth's copy of the machine's SSH key (in the machine's directory), when Docker Machine kept one. */
  sshKeyPath?: string
}

/** What a driver makes of a Docker Machine machine. */
export interface AdoptedMachine {
  driver: Driver
  /** Values of the driver's secret flags (by flag name): kept in the machine's 0600 credentials file, never in config.json. */
  secrets?: Record<string, string>
  /** What Docker Machine made for the machine, recorded as the driver records its own, so rm removes it. */
  resources?: ResourceRecord[]
}

/** A stored machine as queryStates sees it: what its driver persisted, and where it lives. */
export interface StoredMachine {
  state: Record<string, unknown>
  setup: DriverSetup
}
