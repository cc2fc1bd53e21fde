import {spawn, execFileSync, type ChildProcess} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {createServer, type Server, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {wordError} from '../../src/cli/error-wording.js'
import {BerthError, TimeoutError} from '../../src/core/errors.js'
import {HostKeyChangedError, SshAuthenticationError, SshConnectionError, SshKeyError, SudoError} from '../../src/core/ssh/errors.js'
import {generateSshKeyPair} from '../../src/core/ssh/keys.js'
import {KnownHosts} from '../../src/core/ssh/known-hosts.js'
import type {SshSession} from '../../src/core/ssh/session.js'
import {shellJoin} from '../../src/core/ssh/shell-quote.js'
import {connectWithRetry, type WaitForSshOptions} from '../../src/core/ssh/wait-for-ssh.js'
import {freeLoopbackPort} from '../harness/free-port.js'
import {listProcesses, relatedProcesses, signalAll, waitForExit} from '../harness/processes.js'

// A real OpenSSH sshd per server, on 127.0.0.1, started as root in a private mount namespace: there sshd gets
// the /run/sshd it insists on without this machine's /run being touched. Every command a client runs passes a
// recorder (ForceCommand) that writes the command line to commands.log, so tests can read exactly what the
// host saw. A "non-root" server puts fake `id` (uid 1000) and `sudo` first in PATH, so berth's sudo path runs
// without creating users here.

const SSHD = '/usr/sbin/sshd'
/** Debian's; internal-sftp would not pass through the ForceCommand recorder. */
const SFTP_SERVER = '/usr/lib/openssh/sftp-server'

interface TestServer {
  dir: string
  record: boolean
  privateKey: string
  keyPath: string
  /** Every command line the host ran, one after another (ForceCommand's SSH_ORIGINAL_COMMAND). */
  commandsLog: string
  /** Non-root servers: the arguments of every sudo call, and a file whose content 'password' makes sudo refuse. */
  sudoLog: string
  sudoMode: string
}

interface HostKey {
  path: string
  /** As ssh-keygen -lf prints it. */
  fingerprint: string
  /** "ssh-ed25519 AAAA..." */
  publicKey: string
}

interface RunningSshd {
  port: number
  child: ChildProcess
  /** sshd's own log (-e) so far. */
  log: () => string
  /** Unique to this start: it appears on the listener's command line. */
  config: string
}

function recorderScript(server: {dir: string}, fakeBin: string | undefined): string {
  return [
    '#!/bin/sh',
    `printf '%s\\n' "$SSH_ORIGINAL_COMMAND" >> ${server.dir}/commands.log`,
    ...(fakeBin === undefined ? [] : [`PATH=${fakeBin}:$PATH; export PATH`]),
    'exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"',
    '',
  ].join('\n')
}

const FAKE_ID = `#!/bin/sh
# Pretends the SSH user is uid 1000, so berth takes its non-root (sudo) path.
if [ "$1" = -u ]; then echo 1000; else exec /usr/bin/id "$@"; fi
`

function fakeSudo(server: {sudoLog: string; sudoMode: string}): string {
  return `#!/bin/sh
# Stands in for sudo: records its arguments, then refuses as a sudo that wants a password would, or runs them.
printf '%s\\n' "$*" >> ${server.sudoLog}
if [ "$(cat ${server.sudoMode} 2>/dev/null)" = password ]; then echo 'sudo: a password is required' >&2; exit 1; fi
[ "$1" = -n ] || { echo 'fake sudo: berth must pass -n' >&2; exit 2; }
shift
exec "$@"
`
}

class SshdPool {
  private readonly dirs: string[] = []
  private readonly running = new Set<RunningSshd>()
  private starts = 0

  /**
   * record: false leaves out the ForceCommand recorder (sshd will not signal a forced command) and logs at DEBUG1
   * instead, to show which requests arrived.
   */
  async server(options: {pretendNonRoot?: boolean; record?: boolean} = {}): Promise<TestServer> {
    const dir = await mkdtemp(join(tmpdir(), 'berth-sshd-'))
    this.dirs.push(dir)
    const key = generateSshKeyPair()
    const server: TestServer = {
      dir, record: options.record !== false, privateKey: key.privateKey, keyPath: join(dir, 'id_ed25519'), commandsLog: join(dir, 'commands.log'),
      sudoLog: join(dir, 'sudo.log'), sudoMode: join(dir, 'sudo-mode'),
    }
    await writeFile(server.keyPath, key.privateKey, {mode: 0o600})
    await writeFile(join(dir, 'authorized_keys'), `${key.publicKey}\n`)
    let fakeBin: string | undefined
    if (options.pretendNonRoot === true) {
      fakeBin = join(dir, 'fakebin')
      await mkdir(fakeBin)
      await writeFile(join(fakeBin, 'id'), FAKE_ID, {mode: 0o755})
      await writeFile(join(fakeBin, 'sudo'), fakeSudo(server), {mode: 0o755})
    }
    await writeFile(join(dir, 'record-command'), recorderScript(server, fakeBin), {mode: 0o755})
    return server
  }

  async hostKey(server: TestServer, name: string): Promise<HostKey> {
    const path = join(server.dir, name)
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path])
    const printed = execFileSync('ssh-keygen', ['-lf', `${path}.pub`], {encoding: 'utf8'})
    const publicKey = (await readFile(`${path}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ')
    return {path, fingerprint: printed.split(' ')[1] ?? '', publicKey}
  }

  /** Start sshd with this host key, on `port` or on a free one (retrying if another process takes it first). */
  async start(server: TestServer, hostKey: HostKey, port?: number): Promise<RunningSshd> {
    for (let attempt = 1; ; attempt++) {
      const chosen = port ?? await freeLoopbackPort()
      const config = join(server.dir, `sshd_config.${++this.starts}`)
      await writeFile(config, [
        `Port ${chosen}`, 'ListenAddress 127.0.0.1', `HostKey ${hostKey.path}`,
        `AuthorizedKeysFile ${server.dir}/authorized_keys`, `PidFile ${config}.pid`,
        // DEBUG1 logs requests such as "req signal", but also leaks lines into the sessions' stderr.
        ...(server.record ? [] : ['LogLevel DEBUG1']), 'UsePAM no', 'StrictModes no', 'PermitRootLogin prohibit-password',
        'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
        // bash skips ~/.bashrc for sshd's "bash -c" when SHLVL shows it is nested: root's .bashrc here (pyenv)
        // costs 300 ms per command, which would drown what these tests measure.
        'SetEnv SHLVL=1',
        ...(server.record ? [`ForceCommand ${server.dir}/record-command`] : []), `Subsystem sftp ${SFTP_SERVER}`, '',
      ].join('\n'))
      const child = spawn('unshare', [
        '--mount', '--propagation', 'private', '--', 'sh', '-c',
        'mount -t tmpfs -o mode=755 tmpfs /run && mkdir -m 755 /run/sshd && exec "$0" -D -e -f "$1"', SSHD, config,
      ], {stdio: ['ignore', 'ignore', 'pipe']})
      let log = ''
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        log += chunk
      })
      const running: RunningSshd = {port: chosen, child, log: () => log, config}
      this.running.add(running)
      const listening = await new Promise<boolean>((resolve) => {
        const check = () => {
          if (log.includes('Server listening on')) resolve(true)
        }
        child.stderr?.on('data', check)
        child.once('exit', () => resolve(false))
        check()
      })
      if (listening) return running
      this.running.delete(running)
      if (port === undefined && attempt < 5 && log.includes('Address already in use')) continue
      throw new Error(`sshd did not start on port ${chosen}:\n${log}`)
    }
  }

  /** Stop one sshd and the per-connection processes it forked. */
  async stop(running: RunningSshd): Promise<void> {
    this.running.delete(running)
    const pid = running.child.pid
    if (pid === undefined) return
    const pids = relatedProcesses(await listProcesses(), running.config, [pid]).map((entry) => entry.pid)
    const exited = running.child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => running.child.once('exit', resolve))
    signalAll(pids, 'SIGTERM')
    const left = await waitForExit(pids, 3_000)
    signalAll(left, 'SIGKILL')
    await waitForExit(left, 2_000)
    await exited
  }

  async dispose(): Promise<string[]> {
    for (const running of [...this.running]) await this.stop(running)
    for (const dir of this.dirs) await rm(dir, {recursive: true, force: true})
    return this.dirs
  }
}

async function failure(call: Promise<unknown>): Promise<unknown> {
  return call.then(() => {
    throw new Error('expected a failure')
  }, (thrown: unknown) => thrown)
}

describe('SSH sessions against a real OpenSSH sshd', () => {
  const pool = new SshdPool()
  const sessions: SshSession[] = []
  let scratch: string
  let main: TestServer
  let mainKey: HostKey
  let mainSshd: RunningSshd

  /** Connect to a test server as root with its key, as to a host that may be booting; the session is closed after the test. */
  async function connect(server: TestServer, port: number, options: Partial<WaitForSshOptions> & {knownHostsPath?: string} = {}): Promise<SshSession> {
    const {knownHostsPath, ...rest} = options
    const session = await connectWithRetry({
      host: '127.0.0.1', port, user: 'root', privateKey: server.privateKey, keyPath: server.keyPath,
      knownHosts: new KnownHosts(knownHostsPath ?? join(scratch, `known_hosts-${randomBytes(4).toString('hex')}`)),
      timeoutMs: 10_000, mayBeBooting: true, ...rest,
    })
    sessions.push(session)
    return session
  }

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'berth-ssh-client-'))
    main = await pool.server()
    mainKey = await pool.hostKey(main, 'ssh_host_ed25519_key')
    mainSshd = await pool.start(main, mainKey)
  })

  afterEach(async () => {
    for (const session of sessions.splice(0)) await session.close()
  })

  afterAll(async () => {
    const dirs = await pool.dispose()
    if (scratch !== undefined) await rm(scratch, {recursive: true, force: true})
    const all = await listProcesses()
    for (const dir of dirs) {
      expect(relatedProcesses(all, dir)).toEqual([])
      expect(existsSync(dir)).toBe(false)
    }
  })

  describe('connection and host key', () => {
    it('connects, pins the host key on first use, and trusts it afterwards', async () => {
      const knownHostsPath = join(scratch, 'known_hosts-tofu')
      const started = performance.now()
      const session = await connect(main, mainSshd.port, {knownHostsPath})
      console.log(`[measure] connect + auth + id -u (first use, key pinned): ${(performance.now() - started).toFixed(0)} ms`)
      expect({user: session.user, isRoot: session.isRoot}).toEqual({user: 'root', isRoot: true})
      const pinned = await readFile(knownHostsPath, 'utf8')
      expect(pinned).toBe(`[127.0.0.1]:${mainSshd.port} ${mainKey.publicKey}\n`)
      expect((await stat(knownHostsPath)).mode & 0o777).toBe(0o600)
      // OpenSSH's own client accepts the file berth wrote.
      expect(execFileSync('ssh-keygen', ['-lF', `[127.0.0.1]:${mainSshd.port}`, '-f', knownHostsPath], {encoding: 'utf8'})).toContain(mainKey.fingerprint)

      const again = performance.now()
      await connect(main, mainSshd.port, {knownHostsPath})
      console.log(`[measure] connect + auth + id -u (key known): ${(performance.now() - again).toFixed(0)} ms`)
      expect(await readFile(knownHostsPath, 'utf8')).toBe(pinned)
    })

    it('refuses a changed host key at once, naming both fingerprints as ssh-keygen prints them, and re-trusts after the line is removed', async () => {
      const server = await pool.server()
      const [oldKey, newKey] = [await pool.hostKey(server, 'host_old'), await pool.hostKey(server, 'host_new')]
      const knownHostsPath = join(scratch, 'known_hosts-rekey')
      const first = await pool.start(server, oldKey)
      await (await connect(server, first.port, {knownHostsPath})).close()
      await pool.stop(first)
      const rebuilt = await pool.start(server, newKey, first.port)
      const pinned = await readFile(knownHostsPath, 'utf8')

      const attempts: number[] = []
      const started = performance.now()
      const error = await failure(connect(server, rebuilt.port, {knownHostsPath, timeoutMs: 20_000, onAttempt: (n) => attempts.push(n)}))
      const elapsed = performance.now() - started
      expect(error).toBeInstanceOf(HostKeyChangedError)
      const {message, hint} = wordError(error as HostKeyChangedError)
      console.log(`[message] ${message}\n[hint] ${hint}`)
      expect(message).toContain(`[127.0.0.1]:${first.port}`)
      expect(message).toContain(`ssh-ed25519 ${oldKey.fingerprint}`)
      expect(message).toContain(`ssh-ed25519 ${newKey.fingerprint}`)
      expect(message).toContain(knownHostsPath)
      expect(hint).toContain(`remove the line for [127.0.0.1]:${first.port} from ${knownHostsPath}`)
      expect(attempts).toEqual([1])
      expect(elapsed).toBeLessThan(3_000)
      expect(await readFile(knownHostsPath, 'utf8')).toBe(pinned)

      // Doing what the hint says: the new key is trusted on first use again.
      execFileSync('ssh-keygen', ['-R', `[127.0.0.1]:${first.port}`, '-f', knownHostsPath], {stdio: 'ignore'})
      await connect(server, rebuilt.port, {knownHostsPath})
      expect(await readFile(knownHostsPath, 'utf8')).toContain(newKey.publicKey)
    })

    it('does not retry a rejected key, and names the key and the user', async () => {
      const other = generateSshKeyPair()
      const attempts: number[] = []
      const started = performance.now()
      const error = await failure(connectWithRetry({
        host: '127.0.0.1', port: mainSshd.port, user: 'root', privateKey: other.privateKey, keyPath: '/somewhere/other_key',
        knownHosts: new KnownHosts(join(scratch, 'known_hosts-auth')), timeoutMs: 20_000, mayBeBooting: true, onAttempt: (n) => attempts.push(n),
      }))
      const elapsed = performance.now() - started
      console.log(`[measure] rejected key reported after ${elapsed.toFixed(0)} ms`)
      expect(error).toBeInstanceOf(SshAuthenticationError)
      expect((error as Error).message).toContain('/somewhere/other_key')
      expect((error as Error).message).toContain('"root"')
      expect(attempts).toEqual([1])
      expect(elapsed).toBeLessThan(3_000)
    })

    it('refuses an unusable key before connecting', async () => {
      const error = await failure(connect(main, mainSshd.port, {privateKey: 'not a key', keyPath: '/somewhere/broken'}))
      expect(error).toBeInstanceOf(SshKeyError)
      expect((error as Error).message).toContain('/somewhere/broken')
    })

    it('waits for an sshd that comes up late', async () => {
      const server = await pool.server()
      const key = await pool.hostKey(server, 'host_late')
      const port = await freeLoopbackPort()
      const errors: string[] = []
      const started = performance.now()
      const late = setTimeout(() => void pool.start(server, key, port), 1_500)
      try {
        const session = await connect(server, port, {timeoutMs: 15_000, onAttempt: (_n, last) => last && errors.push(last.message)})
        const elapsed = performance.now() - started
        console.log(`[measure] sshd started after 1500 ms; connected after ${elapsed.toFixed(0)} ms, ${errors.length + 1} attempts`)
        expect(elapsed).toBeGreaterThanOrEqual(1_500)
        expect(errors.length).toBeGreaterThanOrEqual(2)
        expect(errors[0]).toMatch(/ECONNREFUSED/)
        expect((await session.exec('echo up')).stdout).toBe('up\n')
      } finally {
        clearTimeout(late)
      }
    })

    it('fails at once on a closed port of a host that should be up, naming the refusal and the flag that sets the port', async () => {
      const port = await freeLoopbackPort()
      const attempts: number[] = []
      const started = performance.now()
      const error = await failure(connect(main, port, {timeoutMs: 30_000, mayBeBooting: false, settingFlags: {port: '--generic-ssh-port'}, onAttempt: (n) => attempts.push(n)}))
      const elapsed = performance.now() - started
      expect(error).toBeInstanceOf(SshConnectionError)
      expect((error as SshConnectionError).failure).toBe('refused')
      expect((error as Error).message).toBe(`SSH on root@127.0.0.1:${port} refused the connection (ECONNREFUSED).`)
      expect(wordError(error as SshConnectionError).hint).toBe('Is sshd listening on that port? --generic-ssh-port sets it.')
      expect(attempts).toEqual([1])
      expect(elapsed).toBeLessThan(1_000)
    })

    it('gives up at the deadline on a closed port, saying what it waited for, how long and the last error', async () => {
      const port = await freeLoopbackPort()
      const started = performance.now()
      const error = await failure(connect(main, port, {timeoutMs: 1_500}))
      const elapsed = performance.now() - started
      expect(error).toBeInstanceOf(TimeoutError)
      const {message, hint} = wordError(error as TimeoutError)
      console.log(`[message] ${message}\n[hint] ${hint}`)
      expect(message).toMatch(new RegExp(`^Timed out after 1\\.\\d s waiting for SSH on root@127\\.0\\.0\\.1:${port} \\(\\d+ attempts\\); last error: .*ECONNREFUSED`))
      expect(hint).toContain('--ssh-timeout')
      expect(elapsed).toBeGreaterThanOrEqual(1_400)
      expect(elapsed).toBeLessThan(3_500)
    })

    describe('against a port that accepts but never speaks SSH', () => {
      let silent: Server
      let silentPort: number
      const sockets = new Set<Socket>()
      beforeAll(async () => {
        silent = createServer((socket) => {
          sockets.add(socket)
          // Read (and drop) whatever comes, so the client's close is noticed.
          socket.resume()
          socket.on('close', () => sockets.delete(socket))
        })
        await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
        silentPort = (silent.address() as {port: number}).port
      })
      afterAll(async () => {
        for (const socket of sockets) socket.destroy()
        await new Promise((resolve) => silent.close(resolve))
      })

      it('times out at the deadline, naming the missing handshake', async () => {
        const error = await failure(connect(main, silentPort, {timeoutMs: 1_500}))
        expect(error).toBeInstanceOf(TimeoutError)
        expect((error as Error).message).toMatch(/waiting for SSH on .*last error: .*handshake/i)
      })

      it('stops at once when aborted mid-handshake', async () => {
        const controller = new AbortController()
        setTimeout(() => controller.abort(), 300)
        const started = performance.now()
        const error = await failure(connect(main, silentPort, {timeoutMs: 30_000, signal: controller.signal}))
        const elapsed = performance.now() - started
        expect((error as Error).name).toBe('AbortError')
        expect(elapsed).toBeLessThan(800)
        // The half-open connection was dropped.
        await expect.poll(() => sockets.size).toBe(0)
      })
    })

    it('stops at once when aborted between attempts', async () => {
      const port = await freeLoopbackPort()
      const controller = new AbortController()
      setTimeout(() => controller.abort(), 600)
      const started = performance.now()
      const error = await failure(connect(main, port, {timeoutMs: 30_000, signal: controller.signal}))
      const elapsed = performance.now() - started
      expect((error as Error).name).toBe('AbortError')
      expect(elapsed).toBeLessThan(1_000)
    })
  })

  describe('commands', () => {
    it('returns the exit code and both streams, without throwing for a failure', async () => {
      const session = await connect(main, mainSshd.port)
      expect(await session.exec('echo out; echo err >&2; exit 3')).toEqual({code: 3, stdout: 'out\n', stderr: 'err\n'})
      expect(await session.exec('true')).toEqual({code: 0, stdout: '', stderr: ''})
      // A process killed by a signal reports 128 + the signal's number, as a shell would.
      expect((await session.exec('kill -TERM $$')).code).toBe(143)
    })

    it('runs 20 commands one after another on one connection', async () => {
      const session = await connect(main, mainSshd.port)
      const accepted = () => mainSshd.log().split('Accepted publickey').length
      const before = accepted()
      const started = performance.now()
      for (let index = 0; index < 20; index++) expect((await session.exec(`echo ${index}`)).stdout).toBe(`${index}\n`)
      console.log(`[measure] 20 sequential execs on one connection: ${(performance.now() - started).toFixed(0)} ms`)
      expect(accepted()).toBe(before)
    })

    it('delivers stdin, text and binary, and closes it', async () => {
      const session = await connect(main, mainSshd.port)
      const lines: string[] = []
      const logged = await connect(main, mainSshd.port, {log: (line) => lines.push(line)})
      expect((await session.exec('cat', {stdin: 'hello\nworld'})).stdout).toBe('hello\nworld')
      const binary = randomBytes(1024 * 1024)
      const digest = createHash('sha256').update(binary).digest('hex')
      expect((await session.exec('wc -c', {stdin: binary})).stdout.trim()).toBe(String(binary.length))
      expect((await session.exec('sha256sum', {stdin: binary})).stdout.split(' ')[0]).toBe(digest)
      // A command that reads stdin gets end-of-file when there is none.
      expect(await session.exec('cat', {timeoutMs: 5_000})).toEqual({code: 0, stdout: '', stderr: ''})
      await logged.exec('cat >/dev/null', {stdin: 'STDIN-SECRET-VALUE'})
      expect(lines.join('\n')).toContain('$ cat >/dev/null <stdin: 18 bytes>')
      expect(lines.join('\n')).not.toContain('STDIN-SECRET-VALUE')
    })

    describe('stopping a command (a server without the recorder: sshd does not signal forced commands)', () => {
      let plain: TestServer
      let plainSshd: RunningSshd
      beforeAll(async () => {
        plain = await pool.server({record: false})
        plainSshd = await pool.start(plain, await pool.hostKey(plain, 'host_plain'))
      })

      /** The live processes running exactly `sleep <seconds>`. */
      async function sleeping(seconds: string): Promise<number[]> {
        return (await listProcesses()).filter((entry) => entry.state !== 'Z' && entry.cmdline === `sleep ${seconds}`).map((entry) => entry.pid)
      }

      /** How many signal requests sshd has received so far. */
      const signalRequests = () => plainSshd.log().split('req signal').length - 1

      // OpenSSH refuses signal requests in root sessions ("session signalling requires privilege separation"):
      // the sleep outlives the timeout here, and the test ends it itself. What can be checked is that berth asked.
      it('gives up on a command at its timeout, asks the host to stop it, and keeps the session usable', async () => {
        const session = await connect(plain, plainSshd.port)
        const seconds = `3.${Date.now() % 100_000}`
        const requests = signalRequests()
        const started = performance.now()
        const error = await failure(session.exec(`sleep ${seconds}`, {timeoutMs: 300}))
        expect(error).toBeInstanceOf(TimeoutError)
        expect((error as Error).message).toBe(`The command "sleep ${seconds}" did not finish within 300 ms.`)
        expect(performance.now() - started).toBeLessThan(1_500)
        await expect.poll(signalRequests).toBe(requests + 1)
        signalAll(await sleeping(seconds), 'SIGTERM')
        expect((await session.exec('echo still here')).stdout).toBe('still here\n')
      })

      it('stops a command at once when aborted', async () => {
        const session = await connect(plain, plainSshd.port)
        const seconds = `3.${Date.now() % 100_000}`
        const requests = signalRequests()
        const controller = new AbortController()
        const running = session.exec(`sleep ${seconds}`, {signal: controller.signal})
        await expect.poll(async () => (await sleeping(seconds)).length).toBe(1)
        const started = performance.now()
        controller.abort()
        const error = await failure(running)
        expect((error as Error).name).toBe('AbortError')
        expect(performance.now() - started).toBeLessThan(100)
        await expect.poll(signalRequests).toBe(requests + 1)
        signalAll(await sleeping(seconds), 'SIGTERM')
        await expect(session.exec('echo x', {signal: controller.signal})).rejects.toMatchObject({name: 'AbortError'})
        expect((await session.exec('echo fine')).stdout).toBe('fine\n')
      })
    })

    it('passes nasty arguments through intact', async () => {
      const session = await connect(main, mainSshd.port)
      const words = ['', 'a b', 'it\'s', '"q"', '$HOME', '$(touch /pwned-berth)', '`id`', '*', '\\', 'x\ny', '--', 'ü']
      const result = await session.exec(`printf '%s\\0' ${shellJoin(words)}`)
      expect(result.stdout.split('\0').slice(0, -1)).toEqual(words)
      expect(existsSync('/pwned-berth')).toBe(false)
    })

    it('reports a lost connection instead of hanging', async () => {
      const server = await pool.server()
      const sshd = await pool.start(server, await pool.hostKey(server, 'host_lost'))
      const session = await connect(server, sshd.port)
      await pool.stop(sshd)
      const error = await failure(session.exec('true'))
      expect(error).toBeInstanceOf(BerthError)
      expect((error as Error).message).toMatch(/^SSH on root@127\.0\.0\.1:\d+ failed: /)
    })
  })

  describe('files', () => {
    let files: string
    beforeAll(async () => {
      files = join(main.dir, 'files')
      await mkdir(files)
    })

    /** The names an upload might leave in root's home. */
    async function homeLeftovers(): Promise<string[]> {
      return (await readdir('/root')).filter((name) => name.startsWith('.berth-upload-'))
    }

    it('writes a secret with its exact mode and owner, never putting the content on a command line or in the log', async () => {
      const lines: string[] = []
      const session = await connect(main, mainSshd.port, {log: (line) => lines.push(line)})
      const secret = `-----BEGIN PRIVATE KEY-----\nSECRET-${randomBytes(16).toString('hex')}\n-----END PRIVATE KEY-----\n`
      const target = join(files, 'server-key.pem')
      const homeBefore = await homeLeftovers()
      const started = performance.now()
      await session.upload(target, secret, {mode: 0o600, owner: 'root', group: 'root'})
      console.log(`[measure] upload with owner (SFTP + install): ${(performance.now() - started).toFixed(0)} ms`)
      const info = await stat(target)
      expect({mode: info.mode & 0o7777, uid: info.uid, gid: info.gid}).toEqual({mode: 0o600, uid: 0, gid: 0})
      expect(await readFile(target, 'utf8')).toBe(secret)
      const marker = secret.split('\n')[1] ?? ''
      expect(lines.join('\n')).not.toContain(marker)
      expect(lines.join('\n')).toContain(`upload ${target} (${Buffer.byteLength(secret)} bytes, mode 0600 root:root)`)
      expect(await readFile(main.commandsLog, 'utf8')).not.toContain(marker)
      expect(await readdir(files)).toEqual(['server-key.pem'])
      expect(await homeLeftovers()).toEqual(homeBefore)
    })

    it('replaces a file as root over SFTP alone, with the exact mode whatever the umask', async () => {
      const session = await connect(main, mainSshd.port)
      const target = join(files, 'daemon.json')
      await writeFile(target, 'old content that is longer than the new one')
      await chmod(target, 0o600)
      const commands = async () => (await readFile(main.commandsLog, 'utf8')).split('\n').filter((line) => line !== SFTP_SERVER)
      const commandsBefore = await commands()
      const started = performance.now()
      await session.upload(target, '{"tls": true}\n', {mode: 0o644})
      console.log(`[measure] upload as root without owner change (SFTP only): ${(performance.now() - started).toFixed(0)} ms`)
      expect(await readFile(target, 'utf8')).toBe('{"tls": true}\n')
      expect((await stat(target)).mode & 0o7777).toBe(0o644)
      // No command ran (the first SFTP use starts the sftp-server subsystem): the whole upload went over SFTP.
      expect(await commands()).toEqual(commandsBefore)
      expect((await readdir(files)).filter((name) => name.startsWith('.'))).toEqual([])
    })

    it('downloads what it uploaded, byte for byte', async () => {
      const session = await connect(main, mainSshd.port)
      const content = randomBytes(256 * 1024)
      const target = join(files, 'blob.bin')
      await session.upload(target, content, {mode: 0o640})
      const started = performance.now()
      const back = await session.download(target)
      console.log(`[measure] download of 256 KiB: ${(performance.now() - started).toFixed(0)} ms`)
      expect(back.equals(content)).toBe(true)
    })

    it('names the file and the host when a download or upload fails', async () => {
      const session = await connect(main, mainSshd.port)
      const missing = join(files, 'no-such-file')
      const error = await failure(session.download(missing))
      expect(error).toBeInstanceOf(BerthError)
      expect((error as Error).message).toMatch(new RegExp(`^Cannot read ${missing} on root@127\\.0\\.0\\.1:\\d+: `))
      await expect(session.upload(join(files, 'no-dir', 'x'), 'x', {mode: 0o600})).rejects.toBeInstanceOf(Error)
      await expect(session.upload('relative/path', 'x', {mode: 0o600})).rejects.toThrow(/absolute path/)
      expect(await readdir(files)).not.toContain('no-dir')
    })
  })

  describe('as a user who is not root (fake id and sudo on the host)', () => {
    let server: TestServer
    let sshd: RunningSshd
    beforeAll(async () => {
      server = await pool.server({pretendNonRoot: true})
      sshd = await pool.start(server, await pool.hostKey(server, 'host_nonroot'))
    })
    afterEach(() => rm(server.sudoMode, {force: true}))

    it('knows it is not root and runs root commands through sudo -n sh -c, quoted', async () => {
      const session = await connect(server, sshd.port)
      expect(session.isRoot).toBe(false)
      expect((await session.exec('id -u')).stdout).toBe('1000\n')
      const words = ['a b', 'it\'s', '$(touch /pwned-berth-sudo)', '`id`', '"', '\\', 'x\ny']
      const command = `printf '%s\\0' ${shellJoin(words)}`
      const result = await session.exec(command, {sudo: true})
      expect(result.stdout.split('\0').slice(0, -1)).toEqual(words)
      expect(existsSync('/pwned-berth-sudo')).toBe(false)
      expect(await readFile(server.sudoLog, 'utf8')).toContain(`-n sh -c ${command}\n`)
      // Without sudo: true, no sudo.
      const calls = (await readFile(server.sudoLog, 'utf8')).split('\n').length
      await session.exec('true')
      expect((await readFile(server.sudoLog, 'utf8')).split('\n').length).toBe(calls)
    })

    it('uploads through a private copy and sudo install, with the exact mode and owner, leaving nothing behind', async () => {
      const session = await connect(server, sshd.port)
      const secret = `SECRET-${randomBytes(16).toString('hex')}`
      const target = join(server.dir, 'ca-key.pem')
      const before = (await readdir('/root')).filter((name) => name.startsWith('.berth-upload-'))
      const started = performance.now()
      await session.upload(target, secret, {mode: 0o640, owner: 'root', group: 'daemon'})
      console.log(`[measure] upload through sudo install: ${(performance.now() - started).toFixed(0)} ms`)
      const info = await stat(target)
      const daemonGid = Number(execFileSync('getent', ['group', 'daemon'], {encoding: 'utf8'}).split(':')[2])
      expect({mode: info.mode & 0o7777, uid: info.uid, gid: info.gid}).toEqual({mode: 0o640, uid: 0, gid: daemonGid})
      expect(await readFile(target, 'utf8')).toBe(secret)
      expect(await readFile(server.sudoLog, 'utf8')).toMatch(/install -m 0640 -o root -g daemon /)
      expect(await readFile(server.sudoLog, 'utf8')).not.toContain(secret)
      expect(await readFile(server.commandsLog, 'utf8')).not.toContain(secret)
      expect((await readdir('/root')).filter((name) => name.startsWith('.berth-upload-'))).toEqual(before)
      expect((await readdir(server.dir)).filter((name) => name.includes('.berth-'))).toEqual([])
    })

    it('turns sudo asking for a password into a clear error, for commands and uploads', async () => {
      const session = await connect(server, sshd.port)
      await writeFile(server.sudoMode, 'password')
      const error = await failure(session.exec('systemctl restart docker', {sudo: true}))
      expect(error).toBeInstanceOf(SudoError)
      const {message, hint} = wordError(error as SudoError)
      console.log(`[message] ${message}\n[hint] ${hint}`)
      expect(message).toBe('sudo on 127.0.0.1 asks "root" for a password, and berth cannot type one.')
      expect(hint).toContain('NOPASSWD')
      const before = (await readdir('/root')).filter((name) => name.startsWith('.berth-upload-'))
      await expect(session.upload(join(server.dir, 'x.pem'), 'x', {mode: 0o600, owner: 'root'})).rejects.toBeInstanceOf(SudoError)
      expect((await readdir('/root')).filter((name) => name.startsWith('.berth-upload-'))).toEqual(before)
      expect(existsSync(join(server.dir, 'x.pem'))).toBe(false)
      // A command that fails on its own is still just a result.
      expect((await session.exec('exit 4')).code).toBe(4)
    })

  })
})
