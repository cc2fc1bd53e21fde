import {isIPv6} from 'node:net'
import {openSshOptions, openSshValue, type SshAccess} from './ssh-access.js'

/** A FUSE option list is comma separated: a comma inside a value is escaped. */
function fuseOption(option: string): string {
  return option.replaceAll('\\', '\\\\').replaceAll(',', '\\,')
}

/**
 * sshfs arguments for a machine's directory (the SSH user's home when path is empty): the machine's key and its
 * own known_hosts with strict checking, as for ssh; no prompts (sshfs runs in the background once mounted),
 * and a dropped connection is made again.
 */
export function sshfsArgs(access: SshAccess, user: string | undefined, remotePath: string, mountpoint: string): string[] {
  // sshfs takes the port as its own -p and the user in the address; it refuses Port= and User= as ssh options.
  const options = openSshOptions(access, {batch: true}).filter(([key]) => key !== 'Port' && key !== 'User')
  return [
    `${user ?? access.user}@${isIPv6(access.host) ? `[${access.host}]` : access.host}:${remotePath}`,
    mountpoint,
    '-F', '/dev/null',
    '-p', String(access.port),
    ...options.flatMap(([key, value]) => ['-o', fuseOption(`${key}=${openSshValue(value)}`)]),
    '-o', 'reconnect,ServerAliveCountMax=3',
  ]
}
