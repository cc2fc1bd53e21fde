import {readFile} from 'node:fs/promises'
import {BerthError, errorMessage} from '../errors.js'
import type {SshEndpoint} from '../../driver-kit/contract.js'
import type {SshSettingFlags} from '../ssh/errors.js'
import {KnownHosts} from '../ssh/known-hosts.js'
import type {SshSession} from '../ssh/session.js'
import {connectWithRetry} from '../ssh/wait-for-ssh.js'
import type {MachineLayout} from '../store/layout.js'

export const DEFAULT_SSH_TIMEOUT_MS = 120_000

interface MachineSshOptions {
  /** The deadline for SSH to answer (--ssh-timeout). */
  timeoutMs: number
  signal: AbortSignal
  /** Whether the host may still be booting, so that refusals and timeouts are waited on (see connectWithRetry). */
  mayBeBooting: boolean
  /** The driver's flags for the SSH address and port, named in the hint of a connection failure. */
  settingFlags?: SshSettingFlags | undefined
  /** For --debug: commands only, never file contents. */
  log?: (line: string) => void
  /** The cause of the last failed attempt while attempts go on: for the progress line. */
  status?: (message: string) => void
}

/** An SSH session to a machine, waiting for SSH to come up, with the host key pinned in the machine's known_hosts. */
export async function openMachineSsh(machine: MachineLayout, endpoint: SshEndpoint, options: MachineSshOptions): Promise<SshSession> {
  let privateKey: Buffer
  try {
    privateKey = await readFile(endpoint.keyPath)
  } catch (error) {
    throw new BerthError(`The SSH key ${endpoint.keyPath} cannot be read: ${errorMessage(error)}`, {code: 'ssh-failed', hint: 'Check the path and its permissions.'})
  }
  const {status} = options
  return connectWithRetry({
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    privateKey,
    keyPath: endpoint.keyOrigin ?? endpoint.keyPath,
    knownHosts: new KnownHosts(machine.knownHosts),
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    mayBeBooting: options.mayBeBooting,
    ...(options.settingFlags ? {settingFlags: options.settingFlags} : {}),
    ...(options.log ? {log: options.log} : {}),
    ...(status ? {onAttempt: (_attempt, last) => last && status(`${last.message} Trying again.`)} : {}),
  })
}
