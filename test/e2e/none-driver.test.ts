import {X509Certificate} from 'node:crypto'
import {readFile, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {defaultCertificatePaths, issueServerCertificateFor} from '../../src/core/certs/store-certificates.js'
import {StoreLayout} from '../../src/core/store/layout.js'
import {startFakeEngine} from '../harness/fake-engine.js'
import {startTrustedEngine} from '../harness/trusted-engine.js'
import {BerthSandbox, runProcess} from '../harness/berth.js'
import {DockerdPool, type RunningDockerd} from '../harness/dockerd.js'
import {freeLoopbackPort} from '../harness/free-port.js'
import {issueTestCert, makeTestCa} from '../harness/openssl.js'
import {snapshotTree} from '../harness/tree-snapshot.js'

// The issue's proof: a real dockerd with a certificate from berth's CA, registered with `create -d none`,
// then used by the real docker CLI through `env` and through the docker context.
describe('create -d none against a real dockerd', () => {
  let sandbox: BerthSandbox
  let pool: DockerdPool
  let engine: RunningDockerd

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new DockerdPool()
    engine = await startTrustedEngine(sandbox.storePath, pool)
  })

  afterAll(async () => {
    await pool?.dispose()
    await sandbox?.dispose()
  })

  it('creates the machine, and the docker CLI works through env and through the context', async () => {
    const created = await sandbox.run(['create', '-d', 'none', '--url', engine.url, 'm1'])
    expect(created.stderr).not.toContain('Error')
    expect(created.code).toBe(0)
    expect(created.stdout).toBe('')

    const viaEnv = await sandbox.sh('eval "$($BERTH env m1)" && docker version --format "{{.Server.Version}}"')
    expect(viaEnv.stderr).toBe('')
    expect(viaEnv.code).toBe(0)
    expect(viaEnv.stdout.trim()).toMatch(/^\d+\.\d+/)

    const viaContext = await runProcess('docker', ['--context', 'm1', 'version', '--format', '{{.Server.Version}}'], sandbox.env)
    expect(viaContext.code).toBe(0)
    expect(viaContext.stdout.trim()).toBe(viaEnv.stdout.trim())

    const version = await sandbox.run(['version', 'm1'])
    expect(version.stdout.trim()).toBe(viaEnv.stdout.trim())
  })

  it('lists the machine as Running with its engine version', async () => {
    const ls = await sandbox.run(['ls'])
    expect(ls.code).toBe(0)
    const lines = ls.stdout.split('\n')
    expect(lines[0]).toMatch(/^NAME\s+ACTIVE\s+DRIVER\s+STATE\s+URL\s+SWARM\s+DOCKER\s+ERRORS$/)
    expect(lines[1]).toMatch(new RegExp(`^m1\\s+-\\s+none\\s+Running\\s+${engine.url.replace(/[.]/g, '\\.')}\\s+v\\d+\\.\\d+`))
    const json = JSON.parse((await sandbox.run(['ls', '--json'])).stdout) as Array<{name: string; state: string; engineVersion: string}>
    expect(json.map((row) => [row.name, row.state])).toEqual([['m1', 'Running']])
    expect(json[0]!.engineVersion).toMatch(/^\d+\.\d+/)
  })

  it('prints Docker Machine\'s env, config, ip, url, status and inspect outputs', async () => {
    const machineDir = join(sandbox.storePath, 'machines', 'm1')
    const env = await sandbox.run(['env', 'm1'])
    expect(env.stdout).toBe([
      'export DOCKER_TLS_VERIFY="1"',
      `export DOCKER_HOST="${engine.url}"`,
      `export DOCKER_CERT_PATH="${machineDir}"`,
      'export DOCKER_MACHINE_NAME="m1"',
      '# Run this command to configure your shell: ',
      '# eval $(berth env m1)',
      '',
    ].join('\n'))
    const config = await sandbox.run(['config', 'm1'])
    expect(config.stdout).toBe(`--tlsverify\n--tlscacert="${machineDir}/ca.pem"\n--tlscert="${machineDir}/cert.pem"\n--tlskey="${machineDir}/key.pem"\n-H=${engine.url}\n`)
    expect((await sandbox.run(['ip', 'm1'])).stdout).toBe('127.0.0.1\n')
    expect((await sandbox.run(['url', 'm1'])).stdout).toBe(`${engine.url}\n`)
    expect((await sandbox.run(['status', 'm1'])).stdout).toBe('Running\n')
    const inspect = JSON.parse((await sandbox.run(['inspect', 'm1'])).stdout) as {DriverName: string; Driver: {IPAddress: string}}
    expect(inspect.DriverName).toBe('none')
    expect((await sandbox.run(['inspect', '--format', '{{.Driver.IPAddress}}', 'm1'])).stdout).toBe('127.0.0.1\n')
    expect((await stat(join(machineDir, 'config.json'))).mode & 0o777).toBe(0o600)
    expect((await stat(machineDir)).mode & 0o777).toBe(0o700)
  })

  it('makes the machine active through DOCKER_HOST and through berth use', async () => {
    expect((await sandbox.run(['active'], {env: {DOCKER_HOST: engine.url}})).stdout).toBe('m1\n')
    const none = await sandbox.run(['active'])
    expect(none.code).toBe(1)
    expect(none.stderr).toContain('No active host found')

    expect((await sandbox.run(['use', 'm1'])).code).toBe(0)
    expect((await sandbox.run(['active'])).stdout).toBe('m1\n')
    const plain = await runProcess('docker', ['version', '--format', '{{.Server.Version}}'], sandbox.env)
    expect(plain.code).toBe(0)
    expect((await sandbox.run(['ls'])).stdout.split('\n')[1]).toMatch(/^m1\s+\*\s+/)
    expect((await sandbox.run(['use', '--unset'])).code).toBe(0)
    expect((await sandbox.run(['active'])).code).toBe(1)
  })

  it('refuses an engine whose certificate comes from another CA, and leaves the store as it was', async () => {
    const foreignCa = await makeTestCa()
    const foreignServer = await issueTestCert(foreignCa, 'server', {sans: ['IP:127.0.0.1']})
    const foreign = await pool.start({caPem: foreignCa.certPem, serverCertPem: foreignServer.certPem, serverKeyPem: foreignServer.keyPem})
    const before = await snapshotTree(sandbox.dir)
    const created = await sandbox.run(['create', '-d', 'none', '--url', foreign.url, 'stranger'])
    expect(created.code).toBe(1)
    expect(created.stderr).toMatch(/^Error: .*certificate that berth's CA did not issue/m)
    expect(await snapshotTree(sandbox.dir)).toEqual(before)
    await foreign.stop()
  })

  it('makes env fail clearly once the engine presents a certificate from another CA', async () => {
    const port = await freeLoopbackPort()
    const url = `tcp://127.0.0.1:${port}`
    const registered = await sandbox.run(['create', '-d', 'none', '--url', url, 'later'])
    expect(registered.code).toBe(0)
    expect(registered.stderr).toContain('Cannot connect to the Docker engine')
    const refused = await sandbox.run(['env', 'later'])
    expect(refused.code).toBe(1)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toContain('Cannot connect to the Docker engine')

    const foreignCa = await makeTestCa()
    const foreignServer = await issueTestCert(foreignCa, 'server', {sans: ['IP:127.0.0.1']})
    const foreign = await pool.start({caPem: foreignCa.certPem, serverCertPem: foreignServer.certPem, serverKeyPem: foreignServer.keyPem, port})
    const env = await sandbox.run(['env', 'later'])
    expect(env.code).toBe(1)
    expect(env.stdout).toBe('')
    expect(env.stderr.trim().split('\n')).toHaveLength(1)
    expect(env.stderr).toMatch(/^Error: Cannot use machine "later": .*certificate that berth's CA did not issue/)
    const ls = await sandbox.run(['ls', '--filter', 'name=later'])
    expect(ls.stdout).toMatch(/later .* Unknown\s+Unable to query docker version/)
    await foreign.stop()
    expect((await sandbox.run(['rm', '-y', 'later'])).code).toBe(0)
  })

  it('env checks a registered engine offline from the certificate it presented, and over TLS again once that changes', async () => {
    const layout = new StoreLayout(sandbox.storePath)
    const paths = defaultCertificatePaths(layout)
    const server = await issueServerCertificateFor(paths, {organization: 'tester.engine', sans: ['127.0.0.1']})
    const fake = await startFakeEngine({certPem: server.certPem, keyPem: server.keyPem, caPem: await readFile(paths.caCert, 'utf8')})
    expect((await sandbox.run(['create', '-d', 'none', '--url', fake.url, 'offline'])).code).toBe(0)
    const recorded = join(sandbox.storePath, 'machines', 'offline', 'engine-cert.pem')
    expect(new X509Certificate(await readFile(recorded)).fingerprint256).toBe(new X509Certificate(server.certPem).fingerprint256)
    expect((await stat(recorded)).mode & 0o777).toBe(0o600)

    // The engine is gone: env still hands out the settings that worked, without asking it.
    await fake.close()
    const env = await sandbox.run(['env', 'offline'])
    expect(env.stderr).toBe('')
    expect(env.code).toBe(0)
    expect(env.stdout).toContain(`export DOCKER_HOST="${fake.url}"`)
    expect((await sandbox.run(['config', 'offline'])).code).toBe(0)

    // A recorded certificate that no longer passes (here: one from another CA) sends env back to the engine.
    const foreignCa = await makeTestCa()
    const foreign = await issueTestCert(foreignCa, 'server', {sans: ['IP:127.0.0.1']})
    await writeFile(recorded, foreign.certPem, {mode: 0o600})
    const refused = await sandbox.run(['env', 'offline'])
    expect(refused.code).toBe(1)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toMatch(/^Error: Cannot use machine "offline": Cannot connect to the Docker engine/)
    expect((await sandbox.run(['rm', '-y', 'offline'])).code).toBe(0)
  })

  it('removes the machine and only its own docker context', async () => {
    const rm = await sandbox.run(['rm', '-y', 'm1'])
    expect(rm.code).toBe(0)
    expect(rm.stdout).toBe('Successfully removed m1\n')
    const contexts = await runProcess('docker', ['context', 'ls', '--format', '{{.Name}}'], sandbox.env)
    expect(contexts.stdout.split('\n')).not.toContain('m1')
    expect((await sandbox.run(['ls', '-q'])).stdout).toBe('')
    const again = await sandbox.run(['rm', '-y', 'm1'])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('does not exist')
  })
})
