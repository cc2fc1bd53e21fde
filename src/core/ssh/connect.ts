import {errorMessage} from '../errors.js'
import {abortReason} from '../abort.js'
import {HostKeyChangedError, SshAuthenticationError, SshConnectionError, SshKeyError, type SshEndpoint, type SshSettingFlags} from './errors.js'
import {fingerprint, type KnownHosts} from './known-hosts.js'
import {SshSession, type SessionOptions} from './session.js'
import {loadSsh2} from './ssh2-module.js'

export interface ConnectOptions extends SshEndpoint, SessionOptions {
  /** The private key itself (OpenSSH or PEM, unencrypted). */
  privateKey: string | Buffer
  /** Where the key came from, for messages only. */
  keyPath?: string
  /** The machine's known_hosts: the host key is pinned on first use and checked ever after. */
  knownHosts: KnownHosts
  /** Limit for TCP connect + handshake + authentication of this one attempt. */
  readyTimeoutMs?: number
  signal?: AbortSignal
  /** The driver's flags for the address and port, named in the hint of a connection failure. */
  settingFlags?: SshSettingFlags
}

/** A dead peer is noticed after about interval × (count + 1): one minute. */
const KEEPALIVE_INTERVAL_MS = 15_000
const KEEPALIVE_COUNT_MAX = 3
const DEFAULT_READY_TIMEOUT_MS = 20_000

/**
 * One attempt to open an SSH session. Throws SshConnectionError, with its kind of failure, for what waiting may
 * cure on a host that boots (refused, unreachable, timeout, no banner), and the other errors (authentication, host
 * key, unusable key, abort) for what it cannot.
 */
export async function connectSsh(options: ConnectOptions): Promise<SshSession> {
  const {host, port, user, signal, knownHosts} = options
  const endpoint: SshEndpoint = {host, port, user}
  const ssh2 = await loadSsh2()
  const parsed = ssh2.utils.parseKey(options.privateKey)
  if (parsed instanceof Error) throw new SshKeyError(options.keyPath ?? 'given to berth', parsed.message)
  const keyName = `${options.keyPath ?? 'key'} (${fingerprint(parsed.getPublicSSH())})`
  signal?.throwIfAborted()

  const client = new ssh2.Client()
  // Set when our host verifier refuses, so the error names the keys instead of ssh2's "Host denied".
  let refusal: Error | undefined
  const ready = new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      client.destroy()
      if (signal !== undefined) reject(abortReason(signal))
    }
    signal?.addEventListener('abort', onAbort, {once: true})
    const done = () => signal?.removeEventListener('abort', onAbort)
    client.once('ready', () => {
      done()
      resolve()
    })
    // Kept for the client's whole life: an 'error' event with no listener would crash the process.
    client.on('error', (error: Error & {level?: string}) => {
      done()
      if (refusal !== undefined) reject(refusal)
      else if (error.level === 'client-authentication') reject(new SshAuthenticationError(endpoint, keyName, {cause: error}))
      else reject(SshConnectionError.from(endpoint, error, options.settingFlags))
    })
    client.once('close', () => {
      done()
      reject(refusal ?? new SshConnectionError(endpoint, 'closed', 'closed the connection before the session was ready.', {flags: options.settingFlags}))
    })
  })

  client.connect({
    host, port, username: user,
    privateKey: options.privateKey,
    readyTimeout: options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
    keepaliveInterval: KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: KEEPALIVE_COUNT_MAX,
    hostVerifier: (keyBlob: Buffer, verify: (valid: boolean) => void) => {
      knownHosts.verify(host, port, keyBlob).then(() => verify(true), (error: unknown) => {
        refusal = error instanceof HostKeyChangedError ? error : new SshConnectionError(endpoint, 'other', `failed: cannot check the host key against ${knownHosts.path}: ${errorMessage(error)}`, {cause: error})
        verify(false)
      })
    },
  })
  // Without this, every exec waits on Nagle + delayed ACK: 20 small commands took 900 ms instead of 100.
  client.setNoDelay(true)

  try {
    await ready
    return await SshSession.open(client, endpoint, options)
  } catch (error) {
    client.destroy()
    throw error
  }
}
