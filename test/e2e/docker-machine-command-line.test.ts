import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {defaultCertificatePaths, issueServerCertificateFor} from '../../src/core/certs/store-certificates.js'
import {StoreLayout} from '../../src/core/store/layout.js'
import {BerthSandbox} from '../harness/berth.js'
import {startFakeEngine, type FakeServer} from '../harness/fake-engine.js'
import {freeLoopbackPort} from '../harness/free-port.js'

/**
 * Docker Machine's command line, as its users' scripts type it: -h for help on every command, placeholder URLs
 * for none machines, its global flags before the command, a declined rm, and the names it allowed.
 */
describe('Docker Machine command lines', () => {
  let sandbox: BerthSandbox
  /** An HTTPS engine on loopback whose certificate berth's CA issued: env works against it. */
  let engine: FakeServer
  let closed: string

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    closed = `tcp://127.0.0.1:${await freeLoopbackPort()}`
    // The first machine makes the store's CA, which then issues the engine's certificate.
    const first = await sandbox.run(['create', '-d', 'none', '--url', 'none', 'first'])
    expect(first.code, first.stderr).toBe(0)
    const paths = defaultCertificatePaths(new StoreLayout(sandbox.storePath))
    const server = await issueServerCertificateFor(paths, {organization: 'tester.engine', sans: ['127.0.0.1']})
    engine = await startFakeEngine({certPem: server.certPem, keyPem: server.keyPem, caPem: await readFile(paths.caCert, 'utf8')})
  })

  afterAll(async () => {
    await engine?.close()
    await sandbox?.dispose()
  })

  describe('-h is --help on every command', () => {
    const commands = ['active', 'config', 'create', 'drivers', 'env', 'inspect', 'ip', 'kill', 'ls', 'mount', 'provision', 'regenerate-certs',
      'restart', 'rm', 'scp', 'ssh', 'start', 'status', 'stop', 'upgrade', 'url', 'use', 'version']

    it('prints the command\'s help and exits 0, before or after other arguments', async () => {
      for (const command of commands) {
        const long = await sandbox.run([command, '--help'])
        expect(long.code, command).toBe(0)
        expect(long.stdout, command).toContain(`$ berth ${command}`)
        expect(await sandbox.run([command, '-h']), command).toEqual(long)
      }
      expect((await sandbox.run(['rm', 'first', '-h'])).stdout).toContain('$ berth rm')
      const top = await sandbox.run(['-h'])
      expect(top.code).toBe(0)
      expect(top.stdout).toMatch(/^COMMANDS$/m)
    })

    it('lists the chosen driver\'s flags for create -d D -h, create -d D --help and help create -d D', async () => {
      const help = await sandbox.run(['create', '-d', 'generic', '-h'])
      expect(help.code, help.stderr).toBe(0)
      expect(help.stdout).toMatch(/^GENERIC DRIVER FLAGS$/m)
      expect(help.stdout).toContain('--generic-ip-address')
      expect(help.stdout).not.toContain('--amazonec2-')
      expect(await sandbox.run(['create', '-d', 'generic', '--help'])).toEqual(help)
      expect(await sandbox.run(['help', 'create', '-d', 'generic'])).toEqual(help)
      expect(await sandbox.run(['help', 'create', '--driver=generic'])).toEqual(help)
    })

    it('leaves a -h or --help after ssh\'s machine name to the remote command', async () => {
      const ssh = await sandbox.run(['ssh', 'first', 'ls', '--help'])
      expect(ssh.stdout).toBe('')
      expect(ssh.stderr).toMatch(/^Error: Machine "first" cannot be reached over SSH: the none driver gives no SSH access\./)
      expect((await sandbox.run(['ssh', 'first', 'ls', '-h'])).stderr).toBe(ssh.stderr)
    })
  })

  describe('none machines with a placeholder URL', () => {
    it('stores any text as given, connects nowhere, and writes no docker context', async () => {
      for (const [name, url] of [['p-none', 'none'], ['p-url1', 'url1']]) {
        const created = await sandbox.run(['--debug', 'create', '-d', 'none', '--url', url!, name!])
        expect(created.code, created.stderr).toBe(0)
        expect(created.stdout).toBe('')
        expect(created.stderr).toContain(`Warning: The URL "${url}" is not a tcp:// URL: "${name}" is registered as a placeholder, with no docker context, and berth never connects to it.`)
        expect(created.stderr).not.toMatch(/Checking the engine|127\.0\.0\.1|connect to/i)
        expect(existsSync(join(sandbox.dir, 'docker', 'contexts', 'meta'))).toBe(false)
      }
    })

    it('shows the URL in ls, url and inspect, as Docker Machine did', async () => {
      expect((await sandbox.run(['ls', '--format', '{{.Name}} {{.URL}} {{.State}}', '--filter', 'name=^p-'])).stdout).toBe('p-none none Running\np-url1 url1 Running\n')
      const table = await sandbox.run(['ls', '--filter', 'name=p-none'])
      expect(table.code).toBe(0)
      expect(table.stdout.split('\n')[1]).toMatch(/^p-none +- +none +Running +none +Unknown +Unable to query docker version: The engine URL of machine "p-none" is "none", not a tcp:\/\/ URL: berth cannot connect to it\.$/)
      expect(await sandbox.run(['url', 'p-url1'])).toEqual({code: 0, stdout: 'url1\n', stderr: ''})
      expect((await sandbox.run(['inspect', '-f', '{{.Driver.URL}}', 'p-url1'])).stdout).toBe('url1\n')
      expect((await sandbox.run(['status', 'p-url1'])).stdout).toBe('Running\n')
    })

    it('says why env, config, use and version cannot reach it', async () => {
      for (const command of ['env', 'config', 'use', 'version']) {
        const refused = await sandbox.run([command, 'p-none'])
        expect(refused.code, command).toBe(1)
        expect(refused.stdout, command).toBe('')
        expect(refused.stderr, command).toBe('Error: The engine URL of machine "p-none" is "none", not a tcp:// URL: berth cannot connect to it. '
          + 'To reach an engine, remove the machine with "berth rm p-none" and create it again with --url tcp://HOST:PORT.\n')
      }
    })

    it('still checks the engine of a tcp:// URL at create', async () => {
      const created = await sandbox.run(['create', '-d', 'none', '--url', closed, 'p-closed'])
      expect(created.code).toBe(0)
      expect(created.stderr).toMatch(/Cannot connect to the Docker engine at tcp:\/\/127\.0\.0\.1:\d+.*The machine is registered/)
      expect((await sandbox.run(['rm', '-y', 'p-none', 'p-url1', 'p-closed'])).code).toBe(0)
    })
  })

  describe('Docker Machine\'s global flags before the command', () => {
    it('accepts --native-ssh, --bugsnag-api-token and --github-api-token, and --debug says they are ignored', async () => {
      const listed = await sandbox.run(['--native-ssh', '--bugsnag-api-token', 'no-report', '--github-api-token', 'abc', 'ls', '-q'])
      expect(listed).toEqual({code: 0, stdout: 'first\n', stderr: ''})
      const debug = await sandbox.run(['-D', '--bugsnag-api-token', 'no-report', '--native-ssh', 'url', 'first'])
      expect(debug.code).toBe(0)
      expect(debug.stdout).toBe('none\n')
      expect(debug.stderr).toContain('[debug] --native-ssh is ignored: berth connects with its own SSH client')
      expect(debug.stderr).toContain('[debug] --bugsnag-api-token is ignored: berth sends no error reports.')
      // After the command too, and with Docker Machine's other global flags, on both start-up paths.
      expect((await sandbox.run(['ls', '-q', '--github-api-token=abc'])).stdout).toBe('first\n')
      expect((await sandbox.run(['--storage-path', sandbox.storePath, '--debug', '--tls-ca-cert', join(sandbox.storePath, 'certs', 'ca.pem'), 'drivers', '--bugsnag-api-token', 'x'])).code).toBe(0)
      expect((await sandbox.run(['ls', '--help'])).stdout).not.toMatch(/bugsnag|github|native-ssh/)
      // Before ssh, --native-ssh is ssh's own flag: honoured there, so not noted as ignored.
      const ssh = await sandbox.run(['-D', '--native-ssh', 'ssh', 'first', 'true'])
      expect(ssh.stderr).toMatch(/^Error: Machine "first" cannot be reached over SSH/m)
      expect(ssh.stderr).not.toContain('is ignored')
    })
  })

  describe('rm answered "n"', () => {
    it('exits 0, removes nothing and says nothing more, as Docker Machine did', async () => {
      for (const input of ['n\n', '']) {
        const declined = await sandbox.run(['rm', 'first'], {input})
        expect(declined).toEqual({
          code: 0,
          stdout: '',
          // The answer's line is ended for it, as no terminal echoed one.
          stderr: 'About to remove first\nfirst (none): only berth\'s record goes; the engine and its host are left as they are.\nAre you sure? (y/n): \n',
        })
      }
      expect((await sandbox.run(['ls', '-q'])).stdout).toBe('first\n')
    })

    it('regenerate-certs answered "n" exits 0 too, having changed nothing', async () => {
      const before = await readFile(join(sandbox.storePath, 'machines', 'first', 'config.json'), 'utf8')
      const declined = await sandbox.run(['regenerate-certs', 'first'], {input: 'n\n'})
      expect(declined).toEqual({
        code: 0,
        stdout: '',
        stderr: 'Regenerate TLS machine certs? Warning: the Docker engine restarts, which may stop running containers. (y/n): \n',
      })
      expect(await readFile(join(sandbox.storePath, 'machines', 'first', 'config.json'), 'utf8')).toBe(before)
    })
  })

  describe('names Docker Machine allowed', () => {
    const names = ['a.b-c', '9lives', 'ls', 'help', 'version', 'create', 'debug', 'native-ssh']

    it('creates, lists, points env at and removes each', async () => {
      for (const name of names) {
        const created = await sandbox.run(['create', '-d', 'none', '--url', engine.url, name])
        expect(created.code, `${name}: ${created.stderr}`).toBe(0)
      }
      expect((await sandbox.run(['ls', '-q'])).stdout.split('\n').filter(Boolean).sort()).toEqual([...names, 'first'].sort())
      expect((await sandbox.run(['ls', '--format', '{{.Name}}', '--filter', 'name=^a\\.b'])).stdout).toBe('a.b-c\n')
      for (const name of names) {
        const env = await sandbox.run(['env', name])
        expect(env.code, `${name}: ${env.stderr}`).toBe(0)
        expect(env.stdout).toContain(`export DOCKER_MACHINE_NAME="${name}"`)
        expect(env.stdout).toContain(`export DOCKER_HOST="${engine.url}"`)
        expect((await sandbox.run(['url', name])).stdout).toBe(`${engine.url}\n`)
      }
      const removed = await sandbox.run(['rm', '-y', ...names])
      expect(removed.code, removed.stderr).toBe(0)
      expect(removed.stdout).toBe(names.map((name) => `Successfully removed ${name}\n`).join(''))
      expect((await sandbox.run(['ls', '-q'])).stdout).toBe('first\n')
    })
  })
})
