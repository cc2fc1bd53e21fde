import {BerthError} from '../errors.js'

/** Where an SSH failure happened, as the user knows it. */
export interface SshEndpoint {
  host: string
  port: number
  user: string
}

export function describeEndpoint({host, port, user}: SshEndpoint): string {
  return port === 22 ? `${user}@${host}` : `${user}@${host}:${port}`
}

/** The host presented a key other than the one pinned in the machine's known_hosts. Never retried. */
export class HostKeyChangedError extends BerthError {
  override readonly name = 'HostKeyChangedError'

  constructor(
    readonly hostId: string,
    readonly knownHostsPath: string,
    readonly pinned: readonly string[],
    readonly presented: string,
  ) {
    super(
      `The SSH host key of ${hostId} has changed: ${knownHostsPath} pins ${pinned.join(', ')}, ` +
        `but the host presented ${presented}. berth refused to connect.`,
      {
        code: 'host-key-changed',
        data: {host: hostId, knownHosts: knownHostsPath, pinned, presented},
      },
    )
  }
}

/** The server refused our key for this user. Never retried: waiting does not change the answer. */
export class SshAuthenticationError extends BerthError {
  override readonly name = 'SshAuthenticationError'

  constructor(readonly endpoint: SshEndpoint, keyName: string, options: {cause?: unknown} = {}) {
    super(`The SSH server at ${endpoint.host}:${endpoint.port} rejected the key ${keyName} for user "${endpoint.user}".`, {
      code: 'ssh-authentication',
      data: {host: endpoint.host, port: endpoint.port, user: endpoint.user, key: keyName},
      cause: options.cause,
    })
  }
}

/** The private key cannot be used at all (unreadable, unsupported format, or protected by a passphrase). */
export class SshKeyError extends BerthError {
  override readonly name = 'SshKeyError'

  constructor(keyName: string, reason: string) {
    super(`Cannot use the SSH key ${keyName}: ${reason}.`, {code: 'ssh-key-unusable', data: {key: keyName, reason}})
  }
}

/** Why no SSH session could be set up, as far as waiting is concerned (see connectWithRetry); 'other' for the rest, such as a session lost later. */
export type SshFailure = 'refused' | 'unreachable' | 'unresolved' | 'timeout' | 'closed' | 'other'

/** The driver's flags that set a machine's SSH address and port, so that a hint names the one to change. */
export interface SshSettingFlags {
  address?: string
  port?: string
}

const NETWORK_CODES: Readonly<Record<string, [SshFailure, string]>> = {
  ECONNREFUSED: ['refused', 'refused the connection'],
  EHOSTUNREACH: ['unreachable', 'cannot be reached: no route to host'],
  ENETUNREACH: ['unreachable', 'cannot be reached: the network is unreachable'],
  EHOSTDOWN: ['unreachable', 'cannot be reached: the host is down'],
  EADDRNOTAVAIL: ['unreachable', 'cannot be reached: the address is not available'],
  ENOTFOUND: ['unresolved', 'cannot be reached: its host name is not found'],
  EAI_AGAIN: ['unresolved', 'cannot be reached: its host name could not be looked up'],
  ETIMEDOUT: ['timeout', 'did not answer: the connection timed out'],
  ECONNRESET: ['closed', 'reset the connection before the session was ready'],
  EPIPE: ['closed', 'closed the connection before the session was ready'],
}

/**
 * No SSH session could be set up or kept: refused, unreachable, no banner, handshake timeout, connection lost.
 * `failure` says which, so that a wait retries only what can pass while a host boots.
 */
export class SshConnectionError extends BerthError {
  override readonly name = 'SshConnectionError'

  constructor(readonly endpoint: SshEndpoint, readonly failure: SshFailure, what: string, options: {cause?: unknown; flags?: SshSettingFlags | undefined} = {}) {
    const {host, port, user} = endpoint
    super(`SSH on ${describeEndpoint(endpoint)} ${what}`, {code: 'ssh-connection-failed', data: {host, port, user, failure, what, flags: options.flags ?? {}}, cause: options.cause})
  }

  /** The error for what the SSH client reported: a socket error (by its code), the handshake timeout, or anything else. */
  static from(endpoint: SshEndpoint, error: Error & {code?: unknown; level?: unknown}, flags?: SshSettingFlags): SshConnectionError {
    const code = typeof error.code === 'string' ? error.code : ''
    const known = NETWORK_CODES[code]
    if (known !== undefined) return new SshConnectionError(endpoint, known[0], `${known[1]} (${code}).`, {cause: error, flags})
    if (error.level === 'client-timeout') return new SshConnectionError(endpoint, 'timeout', `did not complete the SSH handshake in time (${error.message}).`, {cause: error, flags})
    return new SshConnectionError(endpoint, 'other', `failed: ${error.message}`, {cause: error, flags})
  }
}

type SudoFailure = 'password' | 'not-allowed' | 'missing'

/** A command needed root, the SSH user is not root, and sudo would not run it without a person at a terminal. */
export class SudoError extends BerthError {
  override readonly name = 'SudoError'

  constructor(readonly endpoint: SshEndpoint, readonly reason: SudoFailure) {
    const {user, host} = endpoint
    const problem = {
      password: `sudo on ${host} asks "${user}" for a password, and berth cannot type one.`,
      'not-allowed': `"${user}" may not use sudo on ${host}.`,
      missing: `sudo is not installed on ${host}, and "${user}" is not root.`,
    }[reason]
    super(problem, {code: 'sudo', data: {host, user, reason}})
  }
}
