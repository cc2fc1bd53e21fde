import {commandsIn, run, type CommandFix, type Prose} from './fix.js'
import {quoteValue} from './safe-text.js'
import type {CertificateProblem} from './certs/certificate-problems.js'
import type {SshFailure, SshSettingFlags} from './ssh/errors.js'
import type {LockHolder} from './store/lock.js'
import type {PathFix} from './store/store-problem.js'

/**
 * Every code a BerthError can carry, with the data that comes with it. Code decides on the code and data, never on
 * message or hint text; the CLI's renderer (src/cli/error-wording.ts) words an error from them, except for the codes
 * it lists as described by their thrower: those whose message quotes what only the thrower has.
 */
export interface ErrorCodes {
  'machine-not-found': {machine: string}
  'machine-exists': {machine: string}
  'invalid-machine-name': {name: string; reason: string}
  /** The machine's stored configuration cannot be used; `fix` says what mends it (see MachineConfigFix). */
  'machine-config': {machine: string; reason: string; fix: MachineConfigFix}
  /** As machine-config, for a machine berth may not read: its fix is access. */
  'machine-unreadable': {machine: string; reason: string; fix: PathFix & {kind: 'access'}}
  'orphaned-resources': {machine: string; resources: readonly {kind: string; id: string}[]}
  'pre-create-check': {code?: ErrorCode}
  'unknown-driver': {driver: string; available: readonly string[]}
  /** A power operation the machine's driver does not have; `possible` is what it can be (started, stopped…). */
  'unsupported-operation': {driver: string; operation: string; machine: string; possible: readonly string[]}
  /** restart of a stopped machine whose driver cannot start it. */
  'start-unsupported': {driver: string; machine: string}
  /** A machine whose engine berth only registers (the none driver) was asked to be provisioned. */
  'engine-not-managed': {driver: string; machine: string}
  /** provision, regenerate-certs or upgrade of a host whose engine settings its driver says berth must leave alone. */
  'engine-managed-elsewhere': {machine: string; reason: string}
  /** A driver's wait ran out after `seconds`; `still` is how things last stood, in the driver's terms. */
  'wait-timed-out': {still: string; seconds: number}
  /** The machine was still in `state` after `seconds` of waiting for `wanted`; a cause, when there is one, says why. */
  'state-wait-timed-out': {machine: string; state: string; wanted: string; seconds: number}
  /** The machine did not reboot within `seconds`: `sameBoot`, it still ran the boot before; else SSH did not come back (the cause). */
  'reboot-timed-out': {machine: string; seconds: number; sameBoot: boolean}
  /** The engine at `url` did not answer over TLS within `seconds`; the cause is the last try's error. */
  'engine-wait-timed-out': {url: string; seconds: number}
  /** The machine's host runs but its engine did not answer in time (the cause). */
  'engine-not-answering': {machine: string}
  /** A lock stayed taken for `seconds`: by `holder` when its owner is known, else the lock file `lock`. */
  'lock-timed-out': {seconds: number; lock: string; holder?: LockHolder}
  /** The command `command` over SSH did not finish within `ms` milliseconds. */
  'command-timed-out': {command: string; ms: number}
  /** active could not learn every machine's state within --timeout. */
  'active-timed-out': object
  /** A `program` (QEMU, say) the driver stopped, as process `pid`, did not exit even when killed. */
  'process-did-not-exit': {program: string; pid: string}
  /** The machine's name cannot be a docker context's; `problem` says why. */
  'docker-context-name': {machine: string; problem: string}
  /** dockerd refused berth's configuration; the message quotes dockerd's own line. */
  'engine-config-refused': object
  /** A VirtualBox VM without its NAT rule for SSH. */
  'ssh-port-missing': {machine: string; rule: string}
  /** A program berth runs is not on PATH; `pkg` is the Debian package that brings it. */
  'tool-missing': {tool: string; purpose: string; pkg: string}
  /** A program berth runs could not be started; the message quotes the system's reason. */
  'tool-unrunnable': {tool: string}
  /** A driver's stored state is damaged; the message and the clean-up are in that driver's terms. */
  'driver-state-damaged': {driver: string}
  /** A cloud resource is still in use; the message and the hint are in that cloud's terms. */
  'cloud-resource-busy': {resource: string}
  /** A cloud's API refused or failed a call (`code` is the cloud's own error code); the message quotes the cloud. */
  'cloud-api': {service?: string; code?: string}
  /** The machine lacks what its driver makes first (`missing`: its VM, its instance…): create stopped before. */
  'creation-unfinished': {machine: string; missing: string}
  /** A failed create removed what it made: worded as its cause, a fix on the machine that is gone becoming create. */
  'creation-rolled-back': {machine: string}
  /** A command that takes one machine was given none, and no machine has the default name. */
  'no-machine-named': {defaultMachine: string}
  /** An ssh option (`-F FILE`, an `-o` setting) that would undo the machine's pinned host key. */
  'ssh-option-unpinning': {option: string}
  /** ssh options berth's built-in SSH client does not have (it honours -t, -T and -q). */
  'ssh-option-native': {options: readonly string[]}
  /** A command that needs an argument (`argument`: its name) was given none. */
  'missing-argument': {command: string; argument: string; description?: string}
  /** More arguments than the command takes. */
  'extra-arguments': {args: readonly string[]}
  /** Flags the command does not have. */
  'unknown-flag': {flags: readonly string[]}
  /** A word typed where a command goes that names none; `fixes` holds the command it was likely meant to be. */
  'unknown-command': {command: string}
  /** A flag of another driver than the chosen one (`chosen` undefined: none was chosen). */
  'foreign-driver-flag': {flag: string; driver: string; chosen?: string}
  /** Output flags that cannot go together (`--json` with `--format`, `-q`, `--shell`), as typed. */
  'conflicting-flags': {flags: readonly string[]}
  /** A machine name given with a flag that takes none (--unset); `fixes` holds the command without it, if any. */
  'machine-name-not-expected': {flag: string}
  'engine-address-missing': {machine: string}
  /** The machine's engine URL is a placeholder (`create -d none --url none`), not tcp://HOST:PORT: nothing can connect to it. */
  'engine-url-placeholder': {machine: string; url: string}
  /** The driver cannot find the machine's host; `host` names it in the driver's terms ("Droplet 42") when it can. */
  'host-gone': {machine: string; driver: string; host?: string}
  /** The host of a machine that exists already (generic) does not answer on `port`: `reason` says how (refused, no route, no answer). */
  'host-unreachable': {machine: string; host: string; port: number; reason: string}
  /** `startable`: whether the machine's driver can start it (generic and none cannot). */
  'machine-not-running': {machine: string; state: string; driver: string; startable: boolean}
  /**
   * The driver has no `address` ("public IPv4") for the machine's host as it is now (`state`: stopped, say; none: it
   * may get one yet); `host` names it in the driver's terms ("Droplet 42") when it can.
   */
  'host-address-missing': {machine: string; address: string; host?: string; state?: string}
  /** rm --clean-host could not clean the host; the cause says why, and nothing was removed. */
  'clean-host-failed': {machine: string}
  /** rm failed; the cause says why. `resourcesLeft`: how many of its recorded resources are still there. */
  'remove-failed': {machine: string; resourcesLeft: number}
  'orphan-not-found': {ids: readonly string[]}
  'store-certificate-missing': {path: string; what: string}
  /** `os`: what the host calls itself (none without /etc/os-release); `supported`: the OS families berth knows. */
  'unsupported-os': {os?: string; supported: readonly string[]}
  /**
   * The provisioning step `step` (`title`, what it does) failed; the cause says why, `undone` what became of the
   * run's changes on the host, `engineLog` the last lines of the engine's log when the engine failed.
   */
  'provision-failed': {machine: string; step: string; title: string; undone?: string; engineLog?: string}
  /** `refresh` is the command that failed on the host and `line` its output; `sources`, where the sources are. */
  'package-sources': {machine: string; refresh: string; sources: string; line: string}
  /** The host's engine configuration conflicts with berth's; message and fixes quote each conflicting setting. */
  'engine-conflict': object
  'engine-not-packaged': {machine: string; manager: string; packages: readonly string[]}
  /** SSH on `host`:`port` as `user` did not answer in `waited` seconds of `attempts` tries; the cause is the last try's error. */
  'ssh-timeout': {host: string; port: number; user: string; attempts: number; waited: string}
  /** `detail` is VBoxManage's first error line, empty when it printed none. */
  'vboxmanage-failed': {command: string; status: number; detail: string}
  /**
   * Bad input to a driver's flags (a value it refuses, flags that do not go together). Described by the driver: each
   * driver checks its own flags in its own terms, and its forms have no codes of their own yet.
   */
  'invalid-input': object
  /** A --format template that does not parse or run; the message is the template engine's, in Go's words. */
  'format-invalid': object
  /** `flag` was given `value`, which is not of the form `form` (NAME=value). */
  'flag-value-malformed': {flag: string; value: string; form: string}
  /** A --tls-san value that cannot be a certificate's: empty, numbers that are no IPv4 address (`problem` says why), or no name. */
  'tls-san-invalid': {value: string; kind: 'empty' | 'not-ipv4' | 'not-a-name'; problem?: string}
  /** An ls --filter berth cannot read: no key=value, an unknown key (`keys` are the known), a name regexp that does not compile. */
  'filter-invalid': {kind: 'syntax'; filter: string} | {kind: 'key'; key: string; keys: readonly string[]} | {kind: 'regexp'; filter: string; reason: string}
  /** `flag`'s `value` is no address: `problem` says why; `host`, the host a URL names, when the value is a URL. */
  'address-invalid': {flag: string; value: string; problem: string; expected: 'host' | 'ipv4'; host?: string}
  /** create was given no driver and none can be chosen: `available` are the drivers, `unusable` why each local one does not work. */
  'no-driver-chosen': {available: readonly string[]; unusable?: readonly string[]}
  /** --shell names no shell berth knows (`supported`). */
  'unknown-shell': {shell: string; supported: readonly string[]}
  /** A removal flag (`flag`) names an engine setting (`name`) the machine does not have; none: its storage driver. */
  'engine-setting-absent': {flag: string; name?: string}
  /** use without a machine name, nor --unset. */
  'use-needs-machine': object
  /** mount was given a local path (localhost:PATH) to mount. */
  'mount-needs-machine': object
  /** mount has no mountpoint: the machine path is empty and no local directory follows. */
  'mountpoint-missing': object
  /** The mountpoint `path` is missing, not a directory, or has something mounted on it. */
  'mountpoint-unusable': {path: string; problem: 'missing' | 'not-directory' | 'mounted'}
  /** A copy (scp) with neither side on a machine. */
  'copy-needs-machine': object
  /** A copy with --delta (rsync) from one machine to another. */
  'delta-between-machines': object
  /** A cloud refuses what create would ask of it (region, size, image, quota…) before anything is made. */
  'cloud-check': object
  /** A local hypervisor (QEMU, VirtualBox) failed or lacks what the machine needs; in the hypervisor's terms. */
  'hypervisor': object
  /**
   * The file `flag` names (the `what`) cannot be used: `fault` says how; `problem` is what is wrong with `atFault`
   * when that is a directory on its way, else with the file; `suggested` is the usual file in a directory given.
   */
  'certificate-file-unusable': {flag: string; path: string; what: string; fault: 'directory' | 'missing' | 'access' | 'other'; problem: string; atFault?: string; suggested?: string}
  /** The CA key the user gave (`caKey`) has no certificate at `caCert`. */
  'ca-certificate-missing': {caKey: string; caCert: string}
  /** The CA certificate has no key at `caKey`; `owned`: both are the store's own (else the user's, by flag). */
  'ca-key-missing': {caCert: string; caKey: string; owned: boolean}
  /** The CA certificate at `path` cannot be read as one; `reason` says why. */
  'ca-certificate-unusable': {path: string; reason: string}
  /** The CA key is not the CA certificate's (the files, when known). */
  'ca-key-mismatch': {caKey?: string; caCert?: string}
  /** The user's CA certificate at `path` expired on `expired` (a day, YYYY-MM-DD). */
  'ca-expired': {path: string; expired: string}
  /** Of the user's client certificate and key, one is missing. */
  'client-certificate-incomplete': {certificate: string; key: string}
  /** The CA key at `path` may be read by other users (`mode`, octal). */
  'ca-key-open': {path: string; mode: string}
  /** A certificate file cannot be read: `atFault` (it, or a directory on its way) `problem`s. */
  'certificate-unreadable': {path: string; atFault: string; problem: string}
  /** The CA cannot sign: `problem` says what is wrong with its certificate or key. */
  'ca-invalid': {problem: 'unreadable-certificate' | 'unreadable-key' | 'malformed' | 'no-subject' | 'malformed-part'} | {problem: 'not-a-ca'; subject: string} | {problem: 'not-rsa'; keyType: string}
  /** A `certificate` ("client certificate", "server certificate") of the machine cannot be used: `problem` says why. */
  'machine-certificate-invalid': {machine: string; certificate: 'client certificate' | 'server certificate'; problem: CertificateProblem}
  /** The machine's client certificate files cannot be read; `reason` is the system's. */
  'client-certificates-missing': {machine: string; reason: string}
  /** The machine's client key (`key`) is not the key of its client certificate (`certificate`). */
  'client-key-mismatch': {machine: string; key: string; certificate: string}
  /** The engine of a machine berth only registered failed the check over TLS; the cause says how. */
  'engine-check-failed': {machine: string}
  /** A certificate berth checked a moment ago can no longer be read (replaced while berth read it); `reason` says how. */
  'certificate-changed': {reason: string}
  /** regenerate-certs --client-certs with a client certificate of the user's own (--tls-client-cert/--tls-client-key). */
  'own-client-certificate': object
  /** A VM image cannot be fetched, checked or used; the message quotes the source and its answer. */
  'vm-image': object
  /** A cloud-init seed image cannot be made; the message quotes the tool's answer. */
  'seed-image': object
  /** A command over SSH failed; the message quotes the host's output. */
  'ssh-failed': object
  /** A file copy to or from a host failed; the message quotes the transfer's error. */
  'copy-failed': object
  /** berth's own templates/ directory is not where its installation should have it. */
  'templates-missing': object
  /** berth rendered `template` with a placeholder it gave no value for (`missing`) or a value without a placeholder (`unused`): a bug. */
  'template-mismatch': {template: string; missing?: string; unused?: readonly string[]}
  /** The host has no Docker engine and --engine-install-url is "none". */
  'engine-not-installed': object
  /** The engine's installation ran, but left no dockerd on the PATH. */
  'engine-install-incomplete': object
  /** berth reached a step that writes the engine's configuration without having planned one: a bug. */
  'engine-plan-missing': object
  /** The host runs no init system berth can manage the engine with. */
  'init-system-unsupported': object
  /** A script berth ran as root on the host (to do `action`, when said) exited with `status`; `output` is its last line. */
  'host-script-failed': {status: number; output: string; action?: string}
  /** berth could not read `what` from the host: its script exited with `status`, last printing `output`. */
  'host-read-failed': {what: 'facts' | 'engine-binary'; status: number; output: string}
  /** An engine option cannot be passed to dockerd: a NUL byte (`init` undefined), or a word the `init` script would split or glob. */
  'engine-option-unpassable': {option: string; init?: string}
  /** An engine upgrade failed on the host; the message quotes the package manager. */
  'upgrade-failed': object
  /** A value cannot be written safely in the chosen shell's syntax; the message names the value and the shell. */
  'shell-value': object
  /** The docker client's configuration cannot be read or written; the message quotes the file and the reason. */
  'docker-config': object
  /** An engine URL that is not one berth can use; the message quotes it. */
  'engine-url': object
  /** A driver's module is broken or breaks a rule of the driver contract; the message names the rule. */
  'driver-broken': object
  /** The store's directory cannot be used; the message quotes the path and the system's reason. */
  'store-unusable': object
  /** A machine's lock cannot be had (or its wait is set wrong); the message names the holder or the value. */
  'machine-busy': object
  'host-key-changed': {host: string; knownHosts: string; pinned: readonly string[]; presented: string}
  'ssh-authentication': {host: string; port: number; user: string; key: string}
  /** A machine's SSH key cannot be used; `reason` is the SSH library's. */
  'ssh-key-unusable': {key: string; reason: string}
  /** The key `flag` names cannot be read: `atFault` (it, or a directory on its way) `problem`s; `access`: permissions. */
  'ssh-key-unreadable': {flag: string; path: string; atFault: string; problem: string; access: boolean}
  /** The key `flag` names is protected by a passphrase, which berth cannot be given. */
  'ssh-key-passphrase': {flag: string; path: string}
  /** The file `flag` names is not a private key the SSH library reads; `reason` is the library's. */
  'ssh-key-unparsable': {flag: string; path: string; reason: string}
  /** The file `flag` names is a public key of `type`; `privateHalf` is the file without ".pub", when it ends so. */
  'ssh-key-public': {flag: string; path: string; type: string; privateHalf?: string}
  /**
   * No SSH session to `host`:`port` as `user` could be set up or kept: `failure` is of what kind, `what` says what
   * happened in the socket's or the SSH client's terms, `flags` name the driver's flags that set the address and port.
   */
  'ssh-connection-failed': {host: string; port: number; user: string; failure: SshFailure; what: string; flags: SshSettingFlags}
  /** The SSH user is not root and sudo will not run a command for it unasked (`reason`: why). */
  'sudo': {host: string; user: string; reason: 'password' | 'not-allowed' | 'missing'}
  /** The engine's API failed or refused; the message quotes its answer. */
  'engine': object
  /** A docker context of the machine's name that is not this store's: `otherStore` when another berth store's. */
  'docker-context-conflict': {context: string; otherStore?: string}
  /** The host's engine is another berth machine's (`owner`, described; none when its marker cannot be read). */
  'host-managed': {machine: string; marker: string; owner?: string}
  /** A cloud's credentials cannot be found or used; the message names where berth looked, in the cloud's terms. */
  'cloud-credentials': object
  /** active could not open a stored machine; the cause says why. */
  'machine-check-failed': {machine: string}
  /** active found no running machine the docker client points at. */
  'no-active-machine': object
  /** upgrade was not confirmed; `action` is what it would have done when there was no terminal to ask. */
  'not-confirmed': {command: 'upgrade'; machine: string; action?: string}
  /** Of `total` machines, `failed` failed (each was reported on its own line); `removing` for rm, `importing` for import. */
  'machines-failed': {failed: number; total: number; removing?: true; importing?: true}
  /** A Docker Machine store that cannot be imported from; the message names the path and what is wrong with it. */
  'import-source': object
  /** One machine of a Docker Machine store that cannot be imported; the message says why, nothing of it was written. */
  'import-refused': {machine: string}
  /** rm --forget-orphans kept `kept` of `total` orphans on record: berth could not confirm they are gone. */
  'orphans-kept': {kept: number; total: number}
  /** contexts prune could not remove `kept` of the `total` stale docker contexts it found (each was named on its own line). */
  'contexts-kept': {kept: number; total: number}
}

export type ErrorCode = keyof ErrorCodes

/** What mends a machine's stored configuration: removing the machine, a newer berth, a fix to a path, or nothing berth knows. */
/** `import`: the store is Docker Machine's (at `store`), whose machines berth imports into a store of its own. */
export type MachineConfigFix = PathFix | {kind: 'remove' | 'upgrade' | 'none'} | {kind: 'import'; store: string}

interface CommonOptions {
  /**
   * What to do about it, the commands in it as data (see fix.ts). A code the CLI words has its hint there; a hint given
   * here then is what the thrower adds to it (remove's retry, say).
   */
  hint?: Prose | undefined
  /** The berth commands that fix it when the CLI words the hint: what `fixes` tells core's logic. */
  fixes?: readonly CommandFix[]
  /** Its fix is its cause's (a BerthError's), however the CLI words that: for an error that rewords its cause. */
  hintFromCause?: true
  exitCode?: number
  cause?: unknown
}

/** The data of a code: required when it has fields. */
type DataOf<C extends ErrorCode> = object extends ErrorCodes[C] ? {data?: ErrorCodes[C]} : {data: ErrorCodes[C]}

/** A code with the data of that code. */
export type BerthErrorOptions = {[C in ErrorCode]: CommonOptions & {code: C} & DataOf<C>}[ErrorCode]

/** The same for an error class that has a code of its own, which the options may replace. */
export type DefaultCodeOptions = {[C in ErrorCode]: CommonOptions & {code?: C} & DataOf<C>}[ErrorCode]

/**
 * Every failure a user can see is a BerthError: a code and its data, a one-line message that names the problem (the
 * plain description logs and nested notes use), an optional hint that names the fix with its commands as data, and the
 * process exit code (Docker Machine's: 1, or 3 for a failed pre-create check).
 */
export class BerthError extends Error {
  override readonly name: string = 'BerthError'
  readonly code: ErrorCode
  readonly data: ErrorCodes[ErrorCode]
  readonly exitCode: number
  readonly hint: Prose | undefined
  readonly hintFromCause: boolean
  private readonly givenFixes: readonly CommandFix[]

  constructor(message: string, options: BerthErrorOptions) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.code = options.code
    this.data = options.data ?? {}
    this.exitCode = options.exitCode ?? 1
    this.hint = options.hint
    this.hintFromCause = options.hintFromCause === true && options.cause instanceof BerthError
    this.givenFixes = options.fixes ?? []
  }

  /** Its code and data, for an error that rewords this one and stays of its kind. */
  get kind(): BerthErrorOptions {
    return {code: this.code, data: this.data} as BerthErrorOptions
  }

  /** The berth commands the hint sends the user to. */
  get fixes(): readonly CommandFix[] {
    return [...this.givenFixes, ...commandsIn(this.hint), ...(this.hintFromCause ? (this.cause as BerthError).fixes : [])]
  }
}

/** Bad input on the command line: its code is invalid-input unless a more precise one is given. */
export class UsageError extends BerthError {
  override readonly name: string = 'UsageError'
  constructor(message: string, options: DefaultCodeOptions = {}) {
    super(message, {...options, code: options.code ?? 'invalid-input'} as BerthErrorOptions)
  }
}

export class InvalidMachineNameError extends BerthError {
  override readonly name = 'InvalidMachineNameError'
  constructor(name: string, reason: string) {
    super(`Invalid machine name ${quoteValue(name)}: ${reason}.`, {code: 'invalid-machine-name', data: {name, reason}})
  }
}

export class MachineNotFoundError extends BerthError {
  override readonly name = 'MachineNotFoundError'
  constructor(readonly machine: string) {
    super(`Machine "${machine}" does not exist.`, {code: 'machine-not-found', data: {machine}, fixes: [run('ls'), run('create')]})
  }
}

export class MachineExistsError extends BerthError {
  override readonly name = 'MachineExistsError'
  constructor(readonly machine: string) {
    super(`Machine "${machine}" already exists.`, {code: 'machine-exists', data: {machine}, fixes: [run('rm', machine)]})
  }
}

/** The machine's stored configuration cannot be used (corrupt, unreadable, or written by a newer berth). */
export class MachineConfigError extends BerthError {
  override readonly name: string = 'MachineConfigError'
  constructor(readonly machine: string, reason: string, fix: MachineConfigFix) {
    super(`Machine "${machine}" cannot be loaded: ${reason}`, {code: 'machine-config', data: {machine, reason, fix}, fixes: fix.kind === 'remove' ? [run('rm', machine, ['-f'])] : []})
  }
}

/** A machine berth may not read (permissions, ownership): it is intact, and the fix is access, not removal. */
export class MachineUnreadableError extends BerthError {
  override readonly name = 'MachineUnreadableError'
  constructor(readonly machine: string, reason: string, fix: PathFix & {kind: 'access'}) {
    super(`Machine "${machine}" cannot be loaded: ${reason}`, {code: 'machine-unreadable', data: {machine, reason, fix}})
  }
}

/**
 * rm -f forgot a machine whose driver could not remove some of its resources: they may still exist (and cost
 * money). The lines before it name each one; the store keeps them until they are removed.
 */
export class OrphanedResourcesError extends BerthError {
  override readonly name = 'OrphanedResourcesError'
  constructor(readonly machine: string, readonly resources: readonly {kind: string; id: string}[]) {
    const count = resources.length === 1 ? `1 resource (${resources[0]!.kind} ${resources[0]!.id})` : `${resources.length} resources`
    super(`"${machine}" was forgotten, but its driver could not remove ${count}: ${resources.length === 1 ? 'it' : 'they'} may still exist and cost money.`, {
      code: 'orphaned-resources',
      data: {machine, resources},
      fixes: [run('rm', undefined, ['--forget-orphans', ...resources.map((resource) => resource.id)]), run('ls', undefined, ['--orphans'])],
    })
  }
}

/**
 * A driver's pre-create check failed (exit code 3, as Docker Machine's). Its cause is the check's own error, which
 * words it; `data.code` is that error's code.
 */
export class PreCreateCheckError extends BerthError {
  override readonly name = 'PreCreateCheckError'
  constructor(message: string, cause?: unknown) {
    super(message, {code: 'pre-create-check', data: cause instanceof BerthError ? {code: cause.code} : {}, exitCode: 3, ...(cause === undefined ? {} : {cause})})
  }

  override get fixes(): readonly CommandFix[] {
    return this.cause instanceof BerthError ? this.cause.fixes : []
  }
}

export class UnknownDriverError extends BerthError {
  override readonly name = 'UnknownDriverError'
  constructor(driver: string, available: readonly string[]) {
    super(`Unknown driver ${quoteValue(driver)}.`, {code: 'unknown-driver', data: {driver, available}, fixes: [run('drivers')]})
  }
}

/** A wait that ran out: its code says which. */
export class TimeoutError extends BerthError {
  override readonly name = 'TimeoutError'
}

/** The message of any thrown value, for places that report a failure without rethrowing it. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
