import {describeProblem} from '../core/certs/certificate-problems.js'
import {BerthError, errorMessage, type ErrorCode, type ErrorCodes, type MachineConfigFix} from '../core/errors.js'
import {commandsIn, joinProse, prose, run, unquoted, type CommandFix, type Prose} from '../core/fix.js'
import {quoteValue} from '../core/safe-text.js'
import {describeEndpoint, type SshFailure, type SshSettingFlags} from '../core/ssh/errors.js'
import {describeHolder} from '../core/store/lock.js'
import {pathFixHint} from '../core/store/store-problem.js'
import type {Personality} from './personality.js'

/**
 * berth's wording of what core and drivers report: the one place where a fix becomes a command line, and where an
 * error's code and data become its message and hint. Core gives each error a plain message (what logs, --debug and
 * the notes that quote a nested error show). A code of ERROR_WORDING is worded here from its data; a hint core gives
 * such an error is what the thrower adds to it, and follows. A code of DESCRIBED_BY_THROWER shows core's message and
 * hint, its commands spelled. An error that wraps another is worded through it (its entry, or `hintFromCause`).
 * Commands are spelled with the program the personality names (`berth ls`, or `docker-machine ls`); Docker Machine's
 * own wording of the errors scripts match is a catalogue of its own (docker-machine-wording.ts).
 */

/** How a command to run is spelled: as typed, in double quotes unless it is part of another command line. */
export function spellCommand(fix: CommandFix, program: Personality = 'berth'): string {
  const line = [program, fix.command, ...fix.args, ...(fix.machine === undefined ? [] : [fix.machine])].join(' ')
  return fix.quoted === false ? line : `"${line}"`
}

/** Prose with each command spelled out. */
export function spellProse(text: Prose, program: Personality = 'berth'): string {
  return typeof text === 'string' ? text : text.map((part) => (typeof part === 'string' ? part : spellCommand(part, program))).join('')
}

interface Worded {
  message?: Prose
  hint?: Prose
}

type Wording<C extends ErrorCode> = (data: ErrorCodes[C], error: BerthError) => Worded

/**
 * Codes whose message the thrower words, as it holds text only the thrower has: a cloud's or a tool's own reply, a
 * host's output, a detail of one driver. Their hints keep their commands as data all the same.
 */
export const DESCRIBED_BY_THROWER: readonly ErrorCode[] = [
  'engine-config-refused', 'tool-unrunnable', 'driver-state-damaged', 'cloud-resource-busy', 'cloud-api',
  'engine-conflict', 'invalid-input', 'cloud-check', 'hypervisor',
  'vm-image', 'seed-image', 'ssh-failed', 'copy-failed', 'upgrade-failed',
  'shell-value', 'docker-config', 'engine-url', 'driver-broken', 'store-unusable', 'machine-busy',
  'engine', 'cloud-credentials', 'format-invalid', 'import-source', 'import-refused',
]

/** Codes the CLI words from their data: the message and, where the code has one, the hint. */
export const ERROR_WORDING: {[C in ErrorCode]?: Wording<C>} = {
  'machine-not-found': ({machine}) => ({
    message: `Machine "${machine}" does not exist.`,
    hint: prose`Run ${run('ls')} to list machines, ${run('create')} to add one.`,
  }),
  'machine-exists': ({machine}) => ({
    message: `Machine "${machine}" already exists.`,
    hint: prose`Choose another name, or remove it first with ${run('rm', machine)}.`,
  }),
  'invalid-machine-name': ({name, reason}) => ({
    message: `Invalid machine name ${quoteValue(name)}: ${reason}.`,
    hint: 'Use 1-63 characters from a-z A-Z 0-9 . - starting with a letter or digit.',
  }),
  'machine-config': ({machine, reason, fix}) => ({message: `Machine "${machine}" cannot be loaded: ${reason}`, ...machineConfigHint(machine, fix)}),
  'machine-unreadable': ({machine, reason, fix}) => ({message: `Machine "${machine}" cannot be loaded: ${reason}`, hint: pathFixHint(fix)}),
  'orphaned-resources': ({machine, resources}) => {
    const one = resources.length === 1
    const count = one ? `1 resource (${resources[0]!.kind} ${resources[0]!.id})` : `${resources.length} resources`
    const forget = run('rm', undefined, ['--forget-orphans', ...resources.map((resource) => resource.id)])
    return {
      message: `"${machine}" was forgotten, but its driver could not remove ${count}: ${one ? 'it' : 'they'} may still exist and cost money.`,
      hint: prose`Remove ${one ? 'it' : 'them'} with the command${one ? '' : 's'} above, then run ${forget}; ${run('ls', undefined, ['--orphans'])} lists them until then.`,
    }
  },
  // Worded as the check's own error.
  'pre-create-check': (_data, error) => (error.cause instanceof BerthError ? wording(error.cause) : {}),
  'creation-rolled-back': ({machine}, error) => {
    const cause = wording(error.cause as BerthError)
    // The machine is gone: a command on it would fail.
    const onRemoved = commandsIn(cause.hint).some((fix) => fix.machine === machine)
    return {message: cause.message, hint: onRemoved ? prose`Fix the cause, then run the same ${run('create')} again.` : cause.hint}
  },
  'no-machine-named': ({defaultMachine}) => ({
    message: `No machine name given and no "${defaultMachine}" machine exists.`,
    hint: prose`Name a machine; ${run('ls')} lists them.`,
  }),
  'ssh-option-unpinning': ({option}) => ({
    message: `The ssh option ${option} is refused: berth checks the machine's host key against the one it pinned, with its own settings.`,
    hint: 'Leave the option out: the machine\'s host key is already trusted.',
  }),
  'ssh-option-native': ({options}) => ({
    message: `berth's built-in SSH client cannot honour ${options.join(', ')}: only -t, -T and -q.`,
    hint: 'Install OpenSSH\'s ssh and leave out --native-ssh: berth then passes every option to it.',
  }),
  'missing-argument': ({argument, description}) => ({
    message: `Missing 1 required arg: ${argument}${description === undefined ? '' : ` (${description})`}`,
    hint: prose`See ${run('help')} or add --help to the command.`,
  }),
  'extra-arguments': ({args}) => ({
    message: `Unexpected argument${args.length === 1 ? '' : 's'}: ${args.join(', ')}`,
    hint: prose`See ${run('help')} or add --help to the command.`,
  }),
  'no-active-machine': () => ({
    message: 'No active host found.',
    hint: prose`Point the docker client at a machine with eval "$(${unquoted(run('env', 'NAME'))})" or ${run('use', 'NAME')}.`,
  }),
  'machine-check-failed': ({machine}, error) => ({message: joinProse([`Machine "${machine}" cannot be checked:`, causeMessage(error)])}),
  'orphans-kept': ({kept, total}) => ({
    message: `${kept} of ${total} orphaned resources are still on record.`,
    hint: prose`Give berth the driver's credentials (as for create) so it can check, or remove them with the commands ${run('ls', undefined, ['--orphans'])} shows, then run this again.`,
  }),
  'contexts-kept': ({kept, total}) => ({
    message: `${kept} of ${total} stale docker contexts could not be removed.`,
    hint: prose`Fix what the lines above name, then run ${run('contexts', undefined, ['prune'])} again.`,
  }),
  'not-confirmed': ({machine, action}) => (action === undefined
    ? {message: `Nothing was changed on "${machine}".`, hint: 'Answer "y" to upgrade, or pass -y.'}
    : {message: `${action}, and there is no terminal to ask whether to go on; nothing was changed.`, hint: `Pass -y to upgrade "${machine}" without asking.`}),
  'machines-failed': ({failed, total, removing, importing}) => ({message: `${failed} of ${total} machines ${removing === true ? 'could not be removed' : importing === true ? 'could not be imported' : 'failed'}.`}),
  'docker-context-conflict': ({context, otherStore}) => (otherStore === undefined
    ? {
        message: `A docker context named "${context}" already exists and was not created by berth; berth leaves it alone.`,
        hint: `Remove it with "docker context rm ${context}" (first "docker context export ${context}" to keep a copy), or choose another machine name.`,
      }
    : {
        message: `A docker context named "${context}" already exists and belongs to the machine "${context}" of another berth store (${otherStore}); berth leaves it alone.`,
        hint: `Work with that machine through its own store (BERTH_STORAGE_PATH=${otherStore}), or choose another machine name.`,
      }),
  'host-key-changed': ({host, knownHosts, pinned, presented}) => ({
    message: `The SSH host key of ${host} has changed: ${knownHosts} pins ${pinned.join(', ')}, but the host presented ${presented}. berth refused to connect.`,
    hint: `If ${host} was rebuilt or its host keys were regenerated on purpose, remove the line for ${host} from ${knownHosts} and retry; ` +
      'the new key is then trusted on first use. If not, someone may be intercepting the connection: do not continue.',
  }),
  'ssh-authentication': ({host, port, user, key}) => ({
    message: `The SSH server at ${host}:${port} rejected the key ${key} for user "${user}".`,
    hint: `Check that the public half of ${key} is in ~${user}/.ssh/authorized_keys on the host, and that the user name is right (--ssh-user).`,
  }),
  'ssh-connection-failed': ({host, port, user, what, failure, flags}) => ({
    message: `SSH on ${describeEndpoint({host, port, user})} ${what}`,
    ...sshFailureHint(failure, flags),
  }),
  'ssh-timeout': ({host, port, user, attempts, waited}, error) => {
    const last = wording(error.cause as BerthError)
    return {
      message: joinProse([`Timed out after ${waited} s waiting for SSH on ${describeEndpoint({host, port, user})} (${attempts} attempts); last error:`, last.message]),
      hint: joinProse([last.hint === '' ? `Check that the host is running and that port ${port} is open to this computer.` : last.hint, 'Or allow more time with --ssh-timeout.']),
    }
  },
  'ssh-key-unusable': ({key, reason}) => ({
    message: `Cannot use the SSH key ${key}: ${reason}.`,
    hint: 'berth needs an unencrypted private key in OpenSSH or PEM format.',
  }),
  'ssh-key-unreadable': ({flag, path, atFault, problem, access}) => ({
    message: `${flag} ${quoteValue(path)}${atFault === path ? '' : `: ${quoteValue(atFault)}`} ${problem}.`,
    hint: access ? `Make it readable (chmod u+r ${quoteValue(atFault)}), or give an unencrypted private key in OpenSSH or PEM format (the file without ".pub").` : PRIVATE_KEY_WANTED,
  }),
  'ssh-key-passphrase': ({flag, path}) => ({
    message: `${flag} ${quoteValue(path)} is protected by a passphrase, and berth cannot be given one.`,
    hint: 'Give a key without a passphrase, e.g. a copy with it removed: cp KEY KEY.berth && ssh-keygen -p -N "" -f KEY.berth.',
  }),
  'ssh-key-unparsable': ({flag, path, reason}) => ({message: `${flag} ${quoteValue(path)} is not a private key berth can read (${reason}).`, hint: PRIVATE_KEY_WANTED}),
  'ssh-key-public': ({flag, path, type, privateHalf}) => ({
    message: `${flag} ${quoteValue(path)} is a public key (${type}); berth needs the private key that goes with it.`,
    hint: privateHalf === undefined ? PRIVATE_KEY_WANTED : `Give ${quoteValue(privateHalf)}, the file without ".pub".`,
  }),
  'machine-certificate-invalid': ({machine, certificate, problem}) => ({
    message: `Cannot use machine "${machine}": ${describeProblem(problem, machine, certificate)}.`,
    hint: regenerateHint(machine, certificate === 'client certificate'),
  }),
  'client-certificates-missing': ({machine, reason}) => ({
    message: `Machine "${machine}" is missing its client certificates (${reason}).`,
    hint: regenerateHint(machine, false),
  }),
  'client-key-mismatch': ({machine, key, certificate}) => ({
    message: `Cannot use machine "${machine}": its client key ${key} does not belong to its client certificate ${certificate}.`,
    hint: regenerateHint(machine, true),
  }),
  // The fix is the cause's when it names one (a stopped host's start, say); else new certificates.
  'engine-check-failed': ({machine}, error) => {
    const causeHint = error.cause instanceof BerthError ? wording(error.cause).hint : ''
    return {message: joinProse([`Cannot use machine "${machine}":`, causeMessage(error)]), hint: causeHint === '' ? regenerateHint(machine, false) : causeHint}
  },
  'certificate-changed': ({reason}) => ({message: `A certificate berth checked a moment ago ${reason}.`}),
  'own-client-certificate': () => ({
    message: 'The client certificate is your own (--tls-client-cert/--tls-client-key); berth does not replace it.',
    hint: 'Issue a new one from your CA and point the flags at it.',
  }),
  'certificate-file-unusable': ({flag, path, what, fault, problem, atFault, suggested}) => ({
    message: `${flag} ${path}${atFault === undefined ? '' : `: ${atFault}`} ${problem}.`,
    hint: {
      directory: `Give the ${what} file itself, e.g. ${flag} ${suggested ?? path}.`,
      missing: `Give the path of an existing ${what}, or leave out ${flag} to use the store's own (berth makes it in the store's certs/ on first use).`,
      access: `Make it readable (chmod u+r ${atFault ?? path}), or give another file.`,
      other: `Give the path of the ${what} file.`,
    }[fault],
  }),
  'ca-certificate-missing': ({caKey, caCert}) => ({
    message: `The CA key ${caKey} has no certificate at ${caCert}.`,
    hint: 'Give the CA certificate that belongs to this key with --tls-ca-cert.',
  }),
  'ca-key-missing': ({caCert, caKey, owned}) => ({
    message: `The CA certificate ${caCert} has no private key at ${caKey}.`,
    hint: owned
      ? prose`Restore ${caKey}, or remove ${caCert} so that berth makes a new CA (existing machines then need ${run('regenerate-certs')}).`
      : 'Give the CA key with --tls-ca-key.',
  }),
  'ca-certificate-unusable': ({path, reason}) => ({message: `The CA certificate ${path} is unusable: ${reason}.`}),
  'ca-key-mismatch': ({caKey, caCert}) => ({
    message: caKey === undefined || caCert === undefined ? 'The CA key does not belong to the CA certificate.' : `The CA key ${caKey} does not belong to the CA certificate ${caCert}.`,
  }),
  'ca-expired': ({path, expired}) => ({
    message: `The CA certificate ${path} expired on ${expired}.`,
    hint: 'Renew it, or leave out --tls-ca-cert and --tls-ca-key to use the store\'s own CA.',
  }),
  'client-certificate-incomplete': ({certificate, key}) => ({
    message: `The client certificate ${certificate} and its key ${key} must both exist.`,
    hint: 'Give both with --tls-client-cert and --tls-client-key, or neither to use the store\'s own.',
  }),
  'ca-key-open': ({path, mode}) => ({
    message: `The CA key ${path} is open to other users (mode ${mode}).`,
    hint: `Run "chmod 600 ${path}": anyone who can read it can issue certificates your machines trust.`,
  }),
  'certificate-unreadable': ({path, atFault, problem}) => ({message: `Cannot read ${path}: ${atFault} ${problem}.`, hint: `Fix or remove ${atFault}.`}),
  'ca-invalid': (data) => ({message: caProblem(data)}),
  'templates-missing': () => ({message: 'berth\'s templates/ directory is missing from its installation.', hint: 'Reinstall berth.'}),
  'template-mismatch': ({template, missing, unused}) => ({
    message: missing === undefined ? `Template ${template} has no place for ${(unused ?? []).join(', ')}.` : `Template ${template} needs a value for {{${missing}}}.`,
  }),
  'engine-not-installed': () => ({
    message: 'The host has no Docker engine (dockerd is not on the PATH) and --engine-install-url is "none".',
    hint: 'Install the engine on the host, or pass an install URL.',
  }),
  'engine-install-incomplete': () => ({message: 'The engine was installed, but dockerd is not on the PATH.'}),
  'engine-plan-missing': () => ({message: 'berth has no engine configuration planned for this host.'}),
  'init-system-unsupported': () => ({message: 'The host has no init system berth can manage the engine with (systemd, sysvinit or OpenRC).'}),
  'host-script-failed': ({status, output, action}) => ({
    message: `${action === undefined ? '' : `berth could not ${action} on the host: `}exit ${status}${output ? `: ${output}` : ''}`,
  }),
  'host-read-failed': ({what, status, output}) => ({
    message: `Could not read ${what === 'facts' ? 'the host\'s facts' : 'the engine\'s binary on the host'} (exit ${status}): ${output}`,
  }),
  'engine-option-unpassable': ({option, init}) => (init === undefined
    ? {message: `The engine option ${JSON.stringify(option)} contains a NUL byte, which no command line can hold.`}
    : {
        message: `The engine option ${JSON.stringify(option)} is empty or contains whitespace or a glob character, which the ${init} init script cannot pass to dockerd.`,
        hint: 'Use a value without spaces or * ? [ ], or a host with systemd.',
      }),
  'wait-timed-out': ({still, seconds}) => ({message: `${still} after ${seconds}s.`}),
  // With a cause (one SSH try said why the host is not up), its message follows and its fix is the hint.
  'state-wait-timed-out': ({machine, state, wanted, seconds}, error) => {
    const timedOut = `Machine "${machine}" was still ${state} after ${seconds}s, waiting for ${wanted}`
    return {message: error.cause === undefined ? `${timedOut}.` : joinProse([`${timedOut}:`, causeMessage(error)])}
  },
  'reboot-timed-out': ({machine, seconds, sameBoot}, error) => (sameBoot
    ? {message: `Machine "${machine}" was still running the same boot after ${seconds}s: the reboot did not happen.`, hint: 'Check the host\'s console or logs, or allow more time with --timeout.'}
    : {
        message: joinProse([`Machine "${machine}" did not come back over SSH within ${seconds}s of its restart:`, causeMessage(error)]),
        hint: 'Check the host\'s console, or allow more time with --timeout.',
      }),
  'engine-wait-timed-out': ({url, seconds}, error) => ({message: joinProse([`The engine at ${url} did not answer over TLS within ${seconds}s:`, causeMessage(error)])}),
  'engine-not-answering': ({machine}, error) => ({
    message: joinProse([`Machine "${machine}" runs, but`, causeMessage(error)]),
    hint: prose`Run ${run('provision', machine)} to configure and start the engine again, or allow more time with --timeout.`,
  }),
  'lock-timed-out': ({seconds, lock, holder}) => ({
    message: `Timed out after ${seconds}s waiting for ${holder === undefined ? `the lock ${lock}` : describeHolder(holder)}.`,
    hint: 'Wait for that berth command to finish (or stop it), then run this again.',
  }),
  'command-timed-out': ({command, ms}) => ({message: `The command "${command}" did not finish within ${ms} ms.`}),
  'active-timed-out': () => ({message: 'Error getting active host: timeout.', hint: prose`Raise --timeout, or check the machines with ${run('ls')}.`}),
  'process-did-not-exit': ({program, pid}) => ({message: `${program} (process ${pid}) did not exit.`}),
  'flag-value-malformed': ({flag, value, form}) => ({message: `${flag} ${quoteValue(value)} is not of the form ${form}.`}),
  'tls-san-invalid': ({value, kind, problem}) => (kind === 'empty'
    ? {message: '--tls-san needs a name or an address.'}
    : {
        message: kind === 'not-ipv4'
          ? `${quoteValue(value)} is not an IPv4 address (${problem}), so it cannot be a certificate SAN.`
          : `${quoteValue(value)} is neither an IP address nor a DNS name, so it cannot be a certificate SAN.`,
        hint: 'Give --tls-san an IP address or a host name such as docker.example.com.',
      }),
  'filter-invalid': (data) => {
    // Quoted as Docker Machine quoted a filter: 'name=x'.
    const quoted = (text: string): string => quoteValue(text, "'")
    switch (data.kind) {
      case 'syntax': return {message: `Unsupported filter syntax ${quoted(data.filter)}: use key=value.`, hint: 'For example: --filter driver=generic --filter state=running'}
      case 'key': return {message: `Unsupported filter key ${quoted(data.key)}.`, hint: `Filter keys: ${data.keys.join(', ')}.`}
      case 'regexp': return {message: `Invalid regular expression in filter ${quoted(data.filter)}: ${data.reason}.`, hint: 'The name filter is a regular expression (Go syntax), e.g. --filter name=^web-'}
    }
  },
  'address-invalid': ({flag, value, problem, expected, host}) => {
    if (expected === 'ipv4') return {message: `${flag} ${quoteValue(value)} is not an IPv4 address: ${problem}.`, hint: 'Give four numbers from 0 to 255 joined by dots, e.g. 10.0.0.20.'}
    return {
      message: host === undefined
        ? `${flag} ${quoteValue(value)} is not an address or host name: ${problem}.`
        : `${flag} ${quoteValue(value)} does not name a host: ${quoteValue(host)} is not an address or host name (${problem}).`,
      hint: 'Give an IPv4 address (four numbers from 0 to 255, e.g. 192.168.1.20), an IPv6 address (e.g. fd00::20) or a host name (labels of letters, digits and hyphens joined by dots, e.g. docker1.example.com).',
    }
  },
  'no-driver-chosen': ({available, unusable}) => {
    const pass = `Pass -d DRIVER; available: ${available.join(', ')}.`
    return unusable === undefined
      ? {message: 'No driver chosen.', hint: pass}
      : {message: `No driver chosen, and no local driver works here (${unusable.join('; ')}).`, hint: prose`${pass} ${run('drivers')} says how to make one work.`}
  },
  'unknown-shell': ({shell, supported}) => ({
    message: `Unknown shell ${quoteValue(shell)}: supported shells are ${supported.join(', ')}.`,
    hint: 'Pass one of them with --shell, or leave --shell out to use the shell named by $SHELL.',
  }),
  'engine-setting-absent': ({flag, name}) => (name === undefined
    ? {message: `${flag}: the machine has no storage driver set.`}
    : {
        message: `${flag} ${name}: the machine has no such engine setting.`,
        hint: prose`Run ${run('inspect', undefined, ['-f', "'{{json .HostOptions.EngineOptions}}'", 'NAME'])} to see what it has.`,
      }),
  'use-needs-machine': () => ({message: 'Name the machine to use.', hint: prose`Run ${run('use', 'NAME')}, or ${run('use', undefined, ['--unset'])}.`}),
  'mount-needs-machine': () => ({message: 'berth mount mounts a machine\'s directory: name the machine as MACHINE:PATH.'}),
  'mountpoint-missing': () => ({message: 'No mountpoint: the machine path is empty (the home directory).', hint: 'Name a local directory after it.'}),
  'mountpoint-unusable': ({path, problem}) => {
    switch (problem) {
      case 'missing': return {message: `The mountpoint ${path} does not exist.`, hint: `Create it first: mkdir -p ${path}`}
      case 'not-directory': return {message: `The mountpoint ${path} is not a directory.`}
      case 'mounted': return {
        message: `Something is mounted on ${path} already.`,
        hint: prose`Unmount it first (${unquoted(run('mount', undefined, ['-u', 'MACHINE:PATH', path]))}), or choose another directory.`,
      }
    }
  },
  'copy-needs-machine': () => ({message: 'Neither side of the copy is on a machine.', hint: 'Write MACHINE:PATH on one side (localhost:PATH or a plain path is local).'}),
  'delta-between-machines': () => ({message: '--delta (rsync) cannot copy from one machine to another.', hint: 'Copy without --delta (scp through this computer), or in two steps.'}),
  'sudo': ({host, user, reason}) => ({
    message: {
      password: `sudo on ${host} asks "${user}" for a password, and berth cannot type one.`,
      'not-allowed': `"${user}" may not use sudo on ${host}.`,
      missing: `sudo is not installed on ${host}, and "${user}" is not root.`,
    }[reason],
    hint: `Give "${user}" passwordless sudo (a sudoers line "${user} ALL=(ALL) NOPASSWD:ALL" in /etc/sudoers.d/), or connect as root.`,
  }),
  'host-managed': ({machine, marker, owner}) => ({
    message: owner === undefined
      ? `The host carries a berth marker (${marker}) that cannot be read, so another machine may manage its engine. Nothing on the host was changed.`
      : `The host's engine is managed by ${owner}. Nothing on the host was changed.`,
    hint: `To take the host over for "${machine}" anyway, run the same command with --force-adopt (the other machine then loses its engine until it is provisioned again).`,
  }),
  'unknown-flag': ({flags}) => ({
    message: `Nonexistent flag${flags.length === 1 ? '' : 's'}: ${flags.join(', ')}.`,
    hint: prose`See ${run('help')} or add --help to the command.`,
  }),
  'unknown-command': ({command}, error) => {
    const [meant] = error.fixes
    return {
      message: `${quoteValue(command)} is not a berth command.`,
      hint: meant === undefined ? prose`Run ${run('help')} for the list of commands.` : prose`Did you mean ${meant}?`,
    }
  },
  'foreign-driver-flag': ({flag, driver, chosen}) => (chosen === undefined
    ? {message: `${flag} belongs to the ${driver} driver, and no driver was chosen.`, hint: `Pass -d ${driver} to use it.`}
    : {message: `${flag} belongs to the ${driver} driver, not to ${chosen}.`, hint: prose`See ${run('create', undefined, ['-d', chosen, '--help'])} for its flags.`}),
  'conflicting-flags': ({flags}) => ({
    message: `${flags.join(' and ')} cannot be used together.`,
    hint: 'Pass only one of them.',
  }),
  'machine-name-not-expected': ({flag}, error) => ({
    message: `Expected no machine name with ${flag}.`,
    ...(error.fixes[0] === undefined ? {} : {hint: prose`Run ${error.fixes[0]} alone.`}),
  }),
  'unsupported-operation': ({driver, operation, machine, possible}) => ({
    message: `The ${driver} driver cannot ${operation} a machine.`,
    hint: possible.length > 0 ? `"${machine}" can only be ${possible.join(' or ')} by berth.` : `berth cannot change the power state of "${machine}".`,
  }),
  'start-unsupported': ({driver, machine}) => ({
    message: `Machine "${machine}" is not running, and the ${driver} driver cannot start a machine.`,
    hint: prose`Start the host by other means; then ${run('restart', machine)} can reboot it.`,
  }),
  'engine-not-managed': ({driver, machine}) => ({message: `Machine "${machine}" uses the ${driver} driver; berth does not manage its engine.`}),
  'engine-managed-elsewhere': ({machine, reason}) => ({message: `berth does not change the engine of "${machine}": ${reason}.`}),
  'tool-missing': ({tool, purpose, pkg}) => ({
    message: `${purpose} needs ${tool}, which is not installed (not found on PATH).`,
    hint: `Install it: apt-get install ${pkg} (Debian/Ubuntu).`,
  }),
  'unknown-driver': ({driver, available}) => ({
    message: `Unknown driver ${quoteValue(driver)}.`,
    hint: prose`Available drivers: ${available.join(', ')}. Run ${run('drivers')} for details.`,
  }),
  'docker-context-name': ({machine, problem}) => ({
    message: `Machine "${machine}" cannot have a docker context: ${problem}.`,
    hint: prose`Point the docker client at it with "eval $(${unquoted(run('env', machine))})" instead.`,
  }),
  'ssh-port-missing': ({machine, rule}) => ({
    message: `The VM of "${machine}" has no SSH port forward (NAT rule "${rule}").`,
    hint: prose`Restart it with ${run('restart', machine)}, which adds it again.`,
  }),
  'creation-unfinished': ({machine, missing}) => ({
    message: `Machine "${machine}" has no ${missing} (its creation did not finish).`,
    hint: prose`Remove it with ${run('rm', machine)}.`,
  }),
  'host-gone': ({machine, driver, host}) => ({
    message: host === undefined
      ? `The host of machine "${machine}" no longer exists (the ${driver} driver cannot find it).`
      : `${host} of machine "${machine}" no longer exists.`,
    hint: prose`Remove the machine with ${run('rm', machine)}, which removes what is left of it.`,
  }),
  'machine-not-running': ({machine, state, driver, startable}) => ({
    message: `Machine "${machine}" is not running (state: ${state}).`,
    hint: startable
      ? prose`Start it with ${run('start', machine)}; ${run('status', machine)} shows its state.`
      : `The ${driver} driver cannot start it: start the host by other means.`,
  }),
  'host-unreachable': ({machine, host, port, reason}) => ({
    message: `The host of machine "${machine}" does not answer on ${host.includes(':') ? `[${host}]` : host}:${port}: ${reason}.`,
    hint: prose`Check that the host is up and that this computer reaches it on port ${String(port)}; once it answers, ${run('ls')} shows it Running.`,
  }),
  'host-address-missing': ({machine, address, host, state}) => ({
    message: `${host === undefined ? `Machine "${machine}"` : `${host} of machine "${machine}"`} has no ${address} address${state === undefined ? ' yet' : ` (it is ${state})`}.`,
    hint: prose`Start it with ${run('start', machine)}.`,
  }),
  'clean-host-failed': ({machine}, error) => ({
    message: joinProse([`Cannot clean the host of "${machine}":`, causeMessage(error)]),
    hint: prose`Nothing was removed. Retry when the host is reachable, or run ${run('rm', machine)} without --clean-host to leave berth's engine configuration on it.`,
  }),
  'remove-failed': ({machine, resourcesLeft}, error) => {
    // Without recorded resources, -f forgets the machine and loses nothing berth knows of; with some, -f would
    // leave them to the user, so the fix is to retry.
    const retry = resourcesLeft > 0
      ? prose`The machine is kept with the ${resourcesLeft === 1 ? 'resource' : `${resourcesLeft} resources`} left; run ${run('rm', machine)} again once the cause is fixed.`
      : prose`To remove its local state anyway, run ${run('rm', machine, ['-f'])}.`
    if (!(error.cause instanceof BerthError)) return {message: joinProse([`Cannot remove "${machine}":`, causeMessage(error)]), hint: retry}
    const cause = wording(error.cause)
    return {message: cause.message, hint: joinProse([cause.hint, retry])}
  },
  'orphan-not-found': ({ids}) => ({
    message: `berth has no orphaned resource ${ids.map((id) => `"${id}"`).join(', ')} on record.`,
    hint: prose`Run ${run('ls', undefined, ['--orphans'])} to list them.`,
  }),
  'store-certificate-missing': ({path, what}) => ({
    message: `The ${what} ${path} does not exist.`,
    hint: prose`Run ${run('create')} once to make the store's certificates.`,
  }),
  'unsupported-os': ({os, supported}) => ({
    message: `The host runs ${os === undefined ? 'an unidentified system (no /etc/os-release)' : quoteValue(os)}, which berth cannot provision.`,
    hint: prose`Supported: ${supported.join(', ')}. For anything else, install and configure the engine yourself and register it with ${run('create', undefined, ['-d', 'none'])}.`,
  }),
  // The fix is the cause's, if it has one.
  'provision-failed': ({machine, step, title, undone, engineLog}, error) => {
    const causeHint = error.cause instanceof BerthError ? wording(error.cause).hint : ''
    const log = engineLog === undefined ? '' : `\nLast lines of the engine's log:\n${engineLog.trimEnd()}`
    return {
      message: joinProse([joinProse([`Provisioning failed at step "${step}" (${title}):`, asSentence(causeMessage(error)), undone === undefined ? undefined : asSentence(undone)]), log], ''),
      hint: causeHint.length > 0 ? causeHint : prose`Fix the cause, then run ${run('provision', machine)} to finish; every step is safe to repeat.`,
    }
  },
  'package-sources': ({machine, refresh, sources, line}) => ({
    message: `The package sources of "${machine}" could not be refreshed (${refresh}): ${line}`,
    hint: prose`berth cannot tell whether a newer engine exists, so it changed nothing. Fix the host's package sources (${sources}) or its network, then run ${run('upgrade', machine)} again.`,
  }),
  'engine-not-packaged': ({machine, manager, packages}) => ({
    message: `No Docker engine package is installed on "${machine}" (${manager} has none of ${packages.join(', ')}): its engine came another way, so berth cannot upgrade it with the package manager.`,
    hint: prose`Give the machine an install script that upgrades it with ${run('provision', machine, ['--engine-install-url', 'URL'])}, then run ${run('upgrade', machine)}.`,
  }),
  'vboxmanage-failed': ({command, status, detail}) => ({message: `VBoxManage ${command} failed: ${detail || `exit code ${status}`}`}),
  'engine-url-placeholder': ({machine, url}) => ({
    message: `The engine URL of machine "${machine}" is ${quoteValue(url)}, not a tcp:// URL: berth cannot connect to it.`,
    hint: prose`To reach an engine, remove the machine with ${run('rm', machine)} and create it again with --url tcp://HOST:PORT.`,
  }),
  'engine-address-missing': ({machine}) => ({
    message: prose`Machine "${machine}" has no engine address yet: its creation did not finish (${run('provision', machine)} finishes it).`,
    hint: prose`Run ${run('provision', machine)} to finish it.`,
  }),
}

/** What is wrong with the CA berth was to sign with. */
function caProblem(data: ErrorCodes['ca-invalid']): string {
  switch (data.problem) {
    case 'not-a-ca': return `The CA certificate (${data.subject}) is not a CA: its basic constraints do not allow signing certificates.`
    case 'not-rsa': return `The CA key is of type ${data.keyType}; berth can sign only with an RSA CA key.`
    case 'unreadable-certificate': return 'The CA certificate is not a readable PEM certificate.'
    case 'unreadable-key': return 'The CA key is not a readable, unencrypted PEM private key.'
    case 'malformed': return 'The CA certificate is malformed.'
    case 'no-subject': return 'The CA certificate is malformed: it has no subject.'
    case 'malformed-part': return 'The certificate is malformed.'
  }
}

/** The fix for a machine's certificates: a new client certificate, or new certificates all round. */
function regenerateHint(machine: string, client: boolean): Prose {
  return client
    ? prose`Run ${run('regenerate-certs', machine, ['--client-certs'])}.`
    : prose`Run ${run('regenerate-certs', machine)} to issue new certificates (the engine restarts).`
}

const PRIVATE_KEY_WANTED = 'Give an unencrypted private key in OpenSSH or PEM format (the file without ".pub").'

/** What to check when SSH could not connect, by why; naming the driver's flag that sets what to change. */
function sshFailureHint(failure: SshFailure, flags: SshSettingFlags): {hint?: string} {
  const setBy = (flag: string | undefined, what: string): string => (flag === undefined ? '' : ` ${flag} sets ${what}.`)
  switch (failure) {
    case 'refused': return {hint: `Is sshd listening on that port?${setBy(flags.port, 'it')}`}
    case 'unreachable': return {hint: `Check the address, and that the host is up on a network this computer reaches.${setBy(flags.address, 'the address')}`}
    case 'unresolved': return {hint: `Check the host name and this computer's DNS.${setBy(flags.address, 'the name')}`}
    case 'timeout': return {hint: 'Something between may drop the packets (a firewall), or the host is overloaded.'}
    case 'closed': return {hint: 'sshd on the host ended the connection: it may be starting or limiting connections (MaxStartups); its log says why.'}
    case 'other': return {}
  }
}

/** The hint that names what mends a machine's stored configuration, if berth knows it. */
function machineConfigHint(machine: string, fix: MachineConfigFix): {hint?: Prose} {
  switch (fix.kind) {
    case 'remove': return {hint: prose`Remove it with ${run('rm', machine, ['-f'])}.`}
    case 'upgrade': return {hint: 'Upgrade berth to use this machine.'}
    case 'import': {
      const aside = `${fix.store}.docker-machine`
      return {hint: prose`The store is Docker Machine's: move it aside (mv ${fix.store} ${aside}), then bring its machines in with ${run('import', undefined, ['docker-machine', '--source', aside])}.`}
    }
    case 'none': return {}
    default: return {hint: pathFixHint(fix)}
  }
}

/** Prose ending with a full stop (or its own ! or ?), its commands kept. */
function asSentence(text: Prose): Prose {
  const parts = typeof text === 'string' ? [text] : [...text]
  const last = parts.at(-1)
  if (typeof last === 'string') parts[parts.length - 1] = last.trimEnd()
  return joinProse([parts, /[.!?]$/.test(spellProse(parts)) ? '' : '.'], '')
}

/** The message of an error's cause, as worded for the user. */
function causeMessage(error: BerthError): Prose {
  return error.cause instanceof BerthError ? wording(error.cause).message : errorMessage(error.cause)
}

/** The message and hint of an error as prose: its code's wording, else what the thrower said. */
function wording(error: BerthError): {message: Prose; hint: Prose} {
  const worded = (ERROR_WORDING[error.code] as Wording<ErrorCode> | undefined)?.(error.data, error) ?? {}
  const own = error.hintFromCause ? wording(error.cause as BerthError).hint : worded.hint
  // A worded code's hint from core is what its thrower adds (remove's retry): it follows the code's own.
  const hint = own === undefined ? error.hint : joinProse([own, error.hint])
  return {message: worded.message ?? error.message, hint: hint ?? ''}
}

/** The message and hint a user sees for an error, commands spelled with `program`. */
export function wordError(error: BerthError, program: Personality = 'berth'): {message: string; hint: string | undefined} {
  const {message, hint} = wording(error)
  const spelled = spellProse(hint, program)
  return {message: spellProse(message, program), hint: spelled === '' ? undefined : spelled}
}

