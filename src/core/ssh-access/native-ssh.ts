import {readFile} from 'node:fs/promises'
import type {Client, ClientChannel, PseudoTtyOptions} from 'ssh2'
import {BerthError, errorMessage} from '../errors.js'
import {abortReason} from '../abort.js'
import {signalExitCode} from '../ssh/channel.js'
import {HostKeyChangedError, SshAuthenticationError, SshConnectionError, SshKeyError, type SshEndpoint} from '../ssh/errors.js'
import {fingerprint, KnownHosts} from '../ssh/known-hosts.js'
import {loadSsh2} from '../ssh/ssh2-module.js'
import type {SshAccess} from './ssh-access.js'

/** The local ends of a session: the process's own streams, or test doubles. */
interface SessionStreams {
  stdin: NodeJS.ReadStream
  stdout: NodeJS.WriteStream
  stderr: NodeJS.WriteStream
}

interface NativeSessionOptions {
  /** The remote command line; a login shell when undefined. */
  command?: string
  /** Ask for a terminal on the host, sized as stdout and with this TERM; stdin goes raw while the session lasts. */
  pty?: {term: string}
  /** Aborting (Ctrl-C outside a terminal session) closes the session; the result is then 130, as for SIGINT. */
  signal: AbortSignal
}

const READY_TIMEOUT_MS = 20_000
const KEEPALIVE_INTERVAL_MS = 15_000
const KEEPALIVE_COUNT_MAX = 3
const INTERRUPTED = 130

/**
 * A command or a shell over berth's own SSH client (ssh2), for computers without an ssh binary: streams wired
 * to the local ones, the remote exit code returned. The host key is checked against the machine's known_hosts
 * exactly as the provisioning connection checks it.
 */
export async function runNativeSsh(access: SshAccess, streams: SessionStreams, options: NativeSessionOptions): Promise<number> {
  const client = await connect(access, options.signal)
  try {
    const channel = await openChannel(client, access, streams, options)
    return await attach(channel, streams, options)
  } finally {
    client.end()
  }
}

async function connect(access: SshAccess, signal: AbortSignal): Promise<Client> {
  const endpoint: SshEndpoint = {host: access.host, port: access.port, user: access.user}
  let privateKey: Buffer
  try {
    privateKey = await readFile(access.keyPath)
  } catch (error) {
    throw new BerthError(`The SSH key ${access.keyPath} cannot be read: ${errorMessage(error)}`, {code: 'ssh-failed', hint: 'Check the path and its permissions.'})
  }
  const ssh2 = await loadSsh2()
  const parsed = ssh2.utils.parseKey(privateKey)
  if (parsed instanceof Error) throw new SshKeyError(access.keyPath, parsed.message)
  const keyName = `${access.keyPath} (${fingerprint(parsed.getPublicSSH())})`
  const knownHosts = new KnownHosts(access.knownHostsPath)
  signal.throwIfAborted()

  const client = new ssh2.Client()
  // Set when the host key is refused, so the error names the keys instead of ssh2's "Host denied".
  let refusal: Error | undefined
  return new Promise<Client>((resolve, reject) => {
    const onAbort = () => {
      client.destroy()
      reject(abortReason(signal))
    }
    signal.addEventListener('abort', onAbort, {once: true})
    client.once('ready', () => {
      signal.removeEventListener('abort', onAbort)
      resolve(client)
    })
    // Kept for the client's whole life: an 'error' event with no listener would crash the process.
    client.on('error', (error: Error & {level?: string}) => {
      signal.removeEventListener('abort', onAbort)
      if (refusal !== undefined) reject(refusal)
      else if (error.level === 'client-authentication') reject(new SshAuthenticationError(endpoint, keyName, {cause: error}))
      else reject(SshConnectionError.from(endpoint, error))
    })
    client.once('close', () => reject(refusal ?? new SshConnectionError(endpoint, 'closed', 'closed the connection.')))
    client.connect({
      host: access.host,
      port: access.port,
      username: access.user,
      privateKey,
      readyTimeout: READY_TIMEOUT_MS,
      keepaliveInterval: KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      hostVerifier: (keyBlob: Buffer, verify: (valid: boolean) => void) => {
        knownHosts.verify(access.host, access.port, keyBlob).then(() => verify(true), (error: unknown) => {
          refusal = error instanceof HostKeyChangedError ? error : new SshConnectionError(endpoint, 'other', `failed: cannot check the host key against ${knownHosts.path}: ${errorMessage(error)}`, {cause: error})
          verify(false)
        })
      },
    })
    // Keystrokes of an interactive session are small writes: do not hold them back.
    client.setNoDelay(true)
  })
}

function openChannel(client: Client, access: SshAccess, streams: SessionStreams, options: NativeSessionOptions): Promise<ClientChannel> {
  const window: PseudoTtyOptions | false = options.pty === undefined
    ? false
    : {term: options.pty.term, rows: streams.stdout.rows || 24, cols: streams.stdout.columns || 80, height: 0, width: 0}
  return new Promise((resolve, reject) => {
    const opened = (error: Error | undefined, channel: ClientChannel) => {
      if (error) reject(new SshConnectionError(access, 'other', `failed: the host refused a session: ${error.message}`, {cause: error}))
      else resolve(channel)
    }
    if (options.command === undefined) client.shell(window, opened)
    else client.exec(options.command, {pty: window}, opened)
  })
}

/** Wire the channel to the local streams until it closes; the remote exit code (255 when none came). */
function attach(channel: ClientChannel, {stdin, stdout, stderr}: SessionStreams, options: NativeSessionOptions): Promise<number> {
  const raw = options.pty !== undefined && stdin.isTTY
  if (raw) stdin.setRawMode(true)
  const onResize = () => channel.setWindow(stdout.rows, stdout.columns, 0, 0)
  if (options.pty !== undefined) stdout.on('resize', onResize)
  // The process's own streams must stay open after the session: berth may still print an error.
  channel.pipe(stdout, {end: false})
  channel.stderr.pipe(stderr, {end: false})
  // End of input reaches the remote command as end of file (stdin.pipe ends the channel's writing side).
  stdin.pipe(channel)
  return new Promise((resolve) => {
    let code: number | undefined
    channel.on('exit', (exitCode: number | null, signalName?: string) => {
      code = exitCode ?? signalExitCode(signalName)
    })
    const onAbort = () => {
      code ??= INTERRUPTED
      channel.close()
    }
    options.signal.addEventListener('abort', onAbort, {once: true})
    channel.once('close', () => {
      options.signal.removeEventListener('abort', onAbort)
      stdout.off('resize', onResize)
      stdin.unpipe(channel)
      // Stop reading, or a terminal on stdin would keep the process alive after the session.
      stdin.pause()
      if (raw) stdin.setRawMode(false)
      resolve(code ?? 255)
    })
  })
}
