import {parseSubjectAltNames} from '../core/certs/subject-alt-names.js'
import {UsageError} from '../core/errors.js'
import {DEFAULT_SSH_TIMEOUT_MS} from '../core/machine/machine-ssh.js'
import type {EngineFlags, EngineRemovals} from '../core/provision-machine/index.js'
import {DEFAULT_INSTALL_URL} from '../core/provision/index.js'
import {quoteValue} from '../core/safe-text.js'
import type {FlagSpec, ParsedFlags} from './spec.js'

/** Docker Machine's --engine-* flags (and --tls-san), shared by create and provision. */
export const engineFlagSpecs: Record<string, FlagSpec> = {
  'engine-install-url': {type: 'string', env: 'BERTH_DOCKER_INSTALL_URL', helpValue: 'URL', defaultHelp: DEFAULT_INSTALL_URL, description: 'Script that installs a missing engine ("none": never install).'},
  'engine-opt': {type: 'strings', helpValue: 'FLAG=VALUE', description: 'Extra dockerd flag (log-level=debug).'},
  'engine-env': {type: 'strings', helpValue: 'NAME=VALUE', description: 'Environment variable for dockerd.'},
  'engine-label': {type: 'strings', helpValue: 'KEY=VALUE', description: 'Engine label (repeatable); provider=<driver> is always added.'},
  'engine-insecure-registry': {type: 'strings', helpValue: 'HOST', description: 'Registry, HOST[:PORT], the engine may reach without TLS (repeatable).'},
  'engine-registry-mirror': {type: 'strings', helpValue: 'URL', description: 'Registry mirror (repeatable).'},
  'engine-storage-driver': {type: 'string', helpValue: 'NAME', defaultHelp: 'the engine\'s choice', description: 'Storage driver for dockerd.'},
  'engine-no-docker-group': {type: 'boolean', description: 'Leave a non-root SSH user out of the docker group.'},
  'tls-san': {type: 'strings', helpValue: 'NAME|IP', description: 'Extra name or address for the engine\'s server certificate (repeatable).'},
}

/** provision's flags that take stored engine options away (each is checked to name something the machine has). */
export const engineRemovalFlagSpecs: Record<string, FlagSpec> = {
  'engine-opt-rm': {type: 'strings', helpValue: 'FLAG', description: 'Remove a stored --engine-opt by its flag name, e.g. log-level (repeatable).'},
  'engine-env-rm': {type: 'strings', helpValue: 'NAME', description: 'Remove a stored --engine-env by its variable name (repeatable).'},
  'engine-label-rm': {type: 'strings', helpValue: 'KEY', description: 'Remove a stored --engine-label by its key (repeatable).'},
  'engine-insecure-registry-rm': {type: 'strings', helpValue: 'HOST[:PORT]', description: 'Remove a stored --engine-insecure-registry (repeatable).'},
  'engine-registry-mirror-rm': {type: 'strings', helpValue: 'URL', description: 'Remove a stored --engine-registry-mirror (repeatable).'},
  'engine-storage-driver-rm': {type: 'boolean', description: 'Remove the stored --engine-storage-driver (the engine chooses again).'},
  'engine-no-docker-group-rm': {type: 'boolean', description: 'Remove the stored --engine-no-docker-group (the SSH user is added to the docker group again).'},
}

export const forceAdoptFlag: Record<string, FlagSpec> = {
  'force-adopt': {type: 'boolean', description: 'Take over a host whose engine another machine manages (that one loses it).'},
}

export function engineRemovalsFrom(flags: ParsedFlags): EngineRemovals {
  const strings = (key: string): string[] | undefined => flags[key] as string[] | undefined
  return {
    opts: strings('engine-opt-rm'),
    env: strings('engine-env-rm'),
    labels: strings('engine-label-rm'),
    insecureRegistries: strings('engine-insecure-registry-rm'),
    registryMirrors: strings('engine-registry-mirror-rm'),
    storageDriver: flags['engine-storage-driver-rm'] === true,
    noDockerGroup: flags['engine-no-docker-group-rm'] === true,
  }
}

export const sshTimeoutFlag: Record<string, FlagSpec> = {
  'ssh-timeout': {type: 'integer', min: 1, default: DEFAULT_SSH_TIMEOUT_MS / 1000, env: 'BERTH_SSH_TIMEOUT', helpValue: 'SECONDS', description: 'How long to wait for the host to answer SSH.'},
}

/** The engine flags as parsed, validated: a bad pair fails before anything is made. */
export function engineFlagsFrom(flags: ParsedFlags): EngineFlags & {sans: string[]} {
  const strings = (key: string): string[] => (flags[key] as string[] | undefined) ?? []
  checkPairs('--engine-env', strings('engine-env'), /^[A-Za-z_][A-Za-z0-9_]*=/, 'NAME=value')
  checkPairs('--engine-label', strings('engine-label'), /^[^=\s]+=/, 'key=value')
  checkPairs('--engine-opt', strings('engine-opt'), /^[A-Za-z0-9][A-Za-z0-9-]*(=|$)/, 'flag=value')
  if (strings('tls-san').some((san) => san.trim() === '')) throw new UsageError('--tls-san needs a name or an address.', {code: 'tls-san-invalid', data: {value: '', kind: 'empty'}})
  // Each one is read as the certificate will read it, so that a value that is neither an address nor a name fails now.
  parseSubjectAltNames(strings('tls-san'))
  return {
    installUrl: flags['engine-install-url'] as string | undefined,
    opts: strings('engine-opt'),
    env: strings('engine-env'),
    labels: strings('engine-label'),
    insecureRegistries: strings('engine-insecure-registry'),
    registryMirrors: strings('engine-registry-mirror'),
    storageDriver: flags['engine-storage-driver'] as string | undefined,
    noDockerGroup: flags['engine-no-docker-group'] === true,
    sans: strings('tls-san'),
  }
}

function checkPairs(flag: string, values: readonly string[], pattern: RegExp, form: string): void {
  const bad = values.find((value) => !pattern.test(value))
  if (bad !== undefined) throw new UsageError(`${flag} ${quoteValue(bad)} is not of the form ${form}.`, {code: 'flag-value-malformed', data: {flag, value: bad, form}})
}
