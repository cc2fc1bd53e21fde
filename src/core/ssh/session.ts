import type {Client, SFTPWrapper} from 'ssh2'
import {BerthError, errorMessage, TimeoutError} from '../errors.js'
import {execOnChannel, type RawExecResult} from './channel.js'
import {describeEndpoint, SshConnectionError, type SshEndpoint} from './errors.js'
import {chmod, posixRename, readRemoteFile, realpath, SFTP_PERMISSION_DENIED, sftpStatus, unlink, writeNewFile} from './sftp.js'
import {shellQuote} from './shell-quote.js'
import {sudoCommand, sudoFailure} from './sudo.js'
import {checkRemotePath, installCommand, octalMode, privateTempPath, privateTempRoots, stagingPath, type UploadOptions} from './upload-plan.js'

export type {UploadOptions} from './upload-plan.js'

export interface ExecResult {
  code: number
  stdout: string
  stderr: string
}

interface ExecOptions {
  /** Run as root: through `sudo -n` when the SSH user is not root, directly when it is. */
  sudo?: boolean
  /** Given to the command's standard input, which is closed afterwards (never logged). */
  stdin?: string | Buffer
  /**
   * Give up (TimeoutError) after this long and ask the host to stop the command (SIGTERM). sshd honours that for
   * non-root users only; a root command runs on, so a command that must not outlive its limit uses timeout(1).
   */
  timeoutMs?: number
  /** Aborting rejects with the signal's reason at once, and asks the host to stop the command as timeoutMs does. */
  signal?: AbortSignal
  /** Told the command's output (stdout and stderr) piece by piece as it arrives; the result still holds all of it. */
  onOutput?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void
}

/** A shell on a remote host, the way provisioning sees it. */
export interface RemoteSession {
  /** Never throws for a non-zero exit: the code is in the result. Throws when the command could not run at all. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>
  /**
   * Write a file with its final mode (and owner), replacing any file there at once. The content goes over SFTP
   * only: never on a command line, never in a log. The directory must exist.
   */
  upload(remotePath: string, content: string | Buffer, options: UploadOptions): Promise<void>
  download(remotePath: string): Promise<Buffer>
  readonly user: string
  readonly isRoot: boolean
  close(): Promise<void>
}

export interface SessionOptions {
  /** Told each command (without stdin), upload and download: for --debug. File contents never reach it. */
  log?: (line: string) => void
}

/** How long close() waits for the server to acknowledge before dropping the socket. */
const CLOSE_GRACE_MS = 2_000

/** A RemoteSession over one ssh2 connection, shared by every command and file of a pipeline. */
export class SshSession implements RemoteSession {
  readonly user: string
  readonly host: string
  readonly port: number
  private closed = false
  private lastError: Error | undefined
  private sftpChannel: Promise<SFTPWrapper> | undefined
  private homeDir: Promise<string> | undefined

  private constructor(
    private readonly client: Client,
    endpoint: SshEndpoint,
    readonly isRoot: boolean,
    private readonly options: SessionOptions,
  ) {
    this.user = endpoint.user
    this.host = endpoint.host
    this.port = endpoint.port
    // A connection error with no listener would crash the process; later calls report it instead.
    client.on('error', (error: Error) => {
      this.lastError = error
    })
    client.on('close', () => {
      this.closed = true
    })
  }

  /** Wrap a connection that is ready, and learn whether its user is root (uid 0, whatever its name). */
  static async open(client: Client, endpoint: SshEndpoint, options: SessionOptions = {}): Promise<SshSession> {
    options.log?.(`${describeEndpoint(endpoint)} $ id -u`)
    const id = await execOnChannel(client, 'id -u', {label: 'id -u'})
    const uid = id.stdout.toString('utf8').trim()
    if (id.code !== 0 || !/^\d+$/.test(uid)) {
      const output = id.stderr.toString('utf8').trim() || uid
      throw new SshConnectionError(endpoint, 'other', `failed: "id -u" failed (exit ${id.code}): ${output}`)
    }
    return new SshSession(client, endpoint, uid === '0', options)
  }

  private get endpoint(): SshEndpoint {
    return {host: this.host, port: this.port, user: this.user}
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const raw = await this.execRaw(command, options)
    return {code: raw.code, stdout: raw.stdout.toString('utf8'), stderr: raw.stderr.toString('utf8')}
  }

  async upload(remotePath: string, content: string | Buffer, options: UploadOptions): Promise<void> {
    checkRemotePath(remotePath)
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content
    const owner = options.owner === undefined && options.group === undefined ? '' : ` ${options.owner ?? ''}:${options.group ?? ''}`
    this.log(`upload ${remotePath} (${data.length} bytes, mode ${octalMode(options.mode)}${owner})`)
    const sftp = await this.sftp()
    // SFTP as root creates files owned by root:root, so only another owner needs install(1).
    const rootOwned = (options.owner ?? 'root') === 'root' && (options.group ?? 'root') === 'root'
    if (this.isRoot && rootOwned) {
      await this.uploadAsRoot(sftp, remotePath, data, options.mode)
      return
    }
    const temp = await this.writePrivateTemp(sftp, data)
    try {
      const result = await this.execRaw(installCommand(temp, remotePath, options), {sudo: true})
      if (result.code !== 0) {
        throw new BerthError(`Cannot write ${remotePath} on ${describeEndpoint(this.endpoint)}: ${result.stderr.toString('utf8').trim()}`, {code: 'ssh-failed'})
      }
    } finally {
      await unlink(sftp, temp).catch(() => undefined)
    }
  }

  async download(remotePath: string): Promise<Buffer> {
    checkRemotePath(remotePath)
    this.log(`download ${remotePath}`)
    const sftp = await this.sftp()
    try {
      return await readRemoteFile(sftp, remotePath)
    } catch (error) {
      if (!this.isRoot && sftpStatus(error) === SFTP_PERMISSION_DENIED) {
        // Root-only files (keys, engine config) are read through sudo; the bytes come back on stdout.
        const result = await this.execRaw(`cat ${shellQuote(remotePath)}`, {sudo: true})
        if (result.code === 0) return result.stdout
        throw new BerthError(`Cannot read ${remotePath} on ${describeEndpoint(this.endpoint)}: ${result.stderr.toString('utf8').trim()}`, {code: 'ssh-failed'})
      }
      throw new BerthError(`Cannot read ${remotePath} on ${describeEndpoint(this.endpoint)}: ${errorMessage(error)}`, {code: 'ssh-failed', cause: error})
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    const closed = new Promise<void>((resolve) => this.client.once('close', () => resolve()))
    this.client.end()
    let timer: NodeJS.Timeout | undefined
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.client.destroy()
        resolve()
      }, CLOSE_GRACE_MS)
    })
    await Promise.race([closed, grace])
    clearTimeout(timer)
    this.closed = true
  }

  private async execRaw(command: string, options: ExecOptions): Promise<RawExecResult> {
    const viaSudo = options.sudo === true && !this.isRoot
    const stdinNote = options.stdin === undefined ? '' : ` <stdin: ${Buffer.byteLength(options.stdin)} bytes>`
    this.log(`${describeEndpoint(this.endpoint)}${options.sudo === true ? ' (root)' : ''} $ ${command}${stdinNote}`)
    const started = performance.now()
    let result: RawExecResult
    try {
      result = await execOnChannel(this.client, viaSudo ? sudoCommand(command) : command, {
        stdin: options.stdin, timeoutMs: options.timeoutMs, signal: options.signal, label: command, onOutput: options.onOutput,
      })
    } catch (error) {
      // A timeout or an abort is the caller's own limit; anything else means the connection failed us.
      if (error instanceof TimeoutError || options.signal?.aborted === true) throw error
      const reason = this.closed ? `the connection was lost (${errorMessage(this.lastError ?? error)})` : `could not run "${command}": ${errorMessage(error)}`
      throw new SshConnectionError(this.endpoint, 'other', `failed: ${reason}`, {cause: error})
    }
    this.log(`  exit ${result.code} (${(performance.now() - started).toFixed(0)} ms)`)
    if (viaSudo) {
      const refusal = sudoFailure({code: result.code, stderr: result.stderr.toString('utf8')}, this.endpoint)
      if (refusal !== undefined) throw refusal
    }
    return result
  }

  /** As root with no owner change: all over SFTP, staged beside the target, given its mode, renamed over it. */
  private async uploadAsRoot(sftp: SFTPWrapper, remotePath: string, data: Buffer, mode: number): Promise<void> {
    const staged = stagingPath(remotePath)
    await writeNewFile(sftp, staged, data)
    try {
      await chmod(sftp, staged, mode)
      await posixRename(sftp, staged, remotePath).catch(async () => {
        // A server without OpenSSH's posix-rename extension: mv does the same rename(2).
        const moved = await this.execRaw(`mv -f ${shellQuote(staged)} ${shellQuote(remotePath)}`, {})
        if (moved.code !== 0) throw new BerthError(`Cannot write ${remotePath}: ${moved.stderr.toString('utf8').trim()}`, {code: 'ssh-failed'})
      })
    } catch (error) {
      await unlink(sftp, staged).catch(() => undefined)
      throw error
    }
  }

  /** The content's first, private copy (0600, a new random name), in the SSH user's home or else in /tmp. */
  private async writePrivateTemp(sftp: SFTPWrapper, data: Buffer): Promise<string> {
    let firstError: unknown
    for (const dir of privateTempRoots(await this.home(sftp))) {
      const path = privateTempPath(dir)
      try {
        await writeNewFile(sftp, path, data)
        return path
      } catch (error) {
        firstError ??= error
      }
    }
    throw new BerthError(`Cannot write a temporary file on ${describeEndpoint(this.endpoint)}: ${errorMessage(firstError)}`, {code: 'ssh-failed', cause: firstError})
  }

  private home(sftp: SFTPWrapper): Promise<string> {
    this.homeDir ??= realpath(sftp, '.').catch(() => '/tmp')
    return this.homeDir
  }

  /** One SFTP channel per session, opened on first use. */
  private sftp(): Promise<SFTPWrapper> {
    this.sftpChannel ??= new Promise<SFTPWrapper>((resolve, reject) => {
      this.client.sftp((error, sftp) => (error ? reject(new SshConnectionError(this.endpoint, 'other', `failed: SFTP is not available: ${error.message}`, {cause: error})) : resolve(sftp)))
    }).then((sftp) => {
      sftp.on('close', () => {
        this.sftpChannel = undefined
      })
      return sftp
    }, (error: unknown) => {
      this.sftpChannel = undefined
      throw error
    })
    return this.sftpChannel
  }

  private log(line: string): void {
    this.options.log?.(line)
  }
}
