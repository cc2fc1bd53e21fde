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
        hint: `If ${hostId} was rebuilt or its host keys were regenerated on purpose, remove the line for ${hostId} ` +
          `from ${knownHostsPath} and retry; the new key is then trusted on first use. ` +
          'If not, someone may be intercepting the connection: do not continue.',
      },
    )
  }
}

/** The server refused our key for this user. Never retried: waiting does not change the answer. */
export class SshAuthenticationError extends BerthError {
  override readonly name = 'SshAuthenticationError'

  constructor(readonly endpoint: SshEndpoint, keyName: string, options: {cause?: unknown} = {}) {
    super(`The SSH server at ${endpoint.host}:${endpoint.port} rejected the key ${keyName} for user "${endpoint.user}".`, {
      hint: `Check that the public half of ${keyName} is in ~${endpoint.user}/.ssh/authorized_keys on the host, ` +
        'and that the user name is right (--ssh-user).',
      cause: options.cause,
    })
  }
}

/** The private key cannot be used at all (unreadable, unsupported format, or protected by a passphrase). */
export class SshKeyError extends BerthError {
  override readonly name = 'SshKeyError'

  constructor(keyName: string, reason: string) {
    super(`Cannot use the SSH key ${keyName}: ${reason}.`, {
      hint: 'berth needs an unencrypted private key in OpenSSH or PEM format.',
    })
  }
}

/**
 * No SSH session could be set up or kept: refused, unreachable, no banner, handshake timeout, connection lost.
 * These are the failures that waiting may cure, so connectWithRetry retries them.
 */
export class SshConnectionError extends BerthError {
  override readonly name = 'SshConnectionError'

  constructor(readonly endpoint: SshEndpoint, reason: string, options: {cause?: unknown} = {}) {
    super(`SSH to ${describeEndpoint(endpoint)} failed: ${reason}`, {cause: options.cause})
  }
}

export type SudoFailure = 'password' | 'not-allowed' | 'missing'

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
    super(problem, {
      hint: `Give "${user}" passwordless sudo (a sudoers line "${user} ALL=(ALL) NOPASSWD:ALL" in /etc/sudoers.d/), ` +
        'or connect as root.',
    })
  }
}
