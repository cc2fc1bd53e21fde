import {readdir, readFile} from 'node:fs/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {defaultCertificatePaths, issueServerCertificateFor} from '../../src/core/certs/store-certificates.js'
import {StoreLayout} from '../../src/core/store/layout.js'
import {BerthSandbox, runProcess, type RunResult} from '../harness/berth.js'
import {DockerdPool, type RunningDockerd} from '../harness/dockerd.js'
import {freeLoopbackPort} from '../harness/free-port.js'

const MACHINES = 20
const SAME_NAME_RACERS = 10

/**
 * One CA and one client certificate per store, made on first need, even when many `create` processes need them
 * at the same moment: 20 creates started at once on an empty store register 20 machines whose certificates all
 * verify against the one CA, and a real dockerd with a server certificate from that CA serves all of them.
 */
describe('concurrent creates', () => {
  let sandbox: BerthSandbox
  let pool: DockerdPool
  let engine: RunningDockerd
  let url: string
  let port: number
  let layout: StoreLayout
  const names = Array.from({length: MACHINES}, (_, index) => `m${index + 1}`)
  let creates: RunResult[]

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new DockerdPool()
    layout = new StoreLayout(sandbox.storePath)
    port = await freeLoopbackPort()
    url = `tcp://127.0.0.1:${port}`
  })

  afterAll(async () => {
    await pool?.dispose()
    await sandbox?.dispose()
  })

  it(`${MACHINES} creates started at once on an empty store make one CA and ${MACHINES} machines`, async () => {
    const started = performance.now()
    // The engine is not up yet (its certificate needs the CA these creates make): each registers with a warning.
    creates = await Promise.all(names.map((name) => sandbox.run(['create', '-d', 'none', '--url', url, name])))
    const seconds = (performance.now() - started) / 1000
    console.log(`${MACHINES} concurrent creates took ${seconds.toFixed(1)}s`)
    for (const [index, result] of creates.entries()) {
      expect(result.code, `create ${names[index]!}: ${result.stderr}`).toBe(0)
      expect(result.stderr).toContain(`The machine is registered; "berth env ${names[index]!}" works once the engine answers.`)
      expect(result.stderr).not.toMatch(/^Error/m)
    }
    expect(creates.filter((result) => result.stderr.includes('Creating CA:'))).toHaveLength(1)
    expect(creates.filter((result) => result.stderr.includes('Creating client certificate:'))).toHaveLength(1)
    expect((await readdir(layout.certsDir)).sort()).toEqual(['ca-key.pem', 'ca.pem', 'cert.pem', 'key.pem'])
    expect((await readdir(layout.machinesDir)).sort()).toEqual([...names].sort())
  })

  it('leaves no lock or temporary file behind', async () => {
    const leftovers = (await readdir(sandbox.storePath, {recursive: true})).filter((path) => /(^|\/)\.[^/]*$/.test(path))
    expect(leftovers).toEqual([])
  })

  it('gives every machine the one CA and a client certificate that verifies against it', async () => {
    const ca = await readFile(layout.caCert, 'utf8')
    const client = await readFile(layout.clientCert, 'utf8')
    for (const name of names) {
      const machine = layout.machine(name)
      expect(await readFile(machine.caCert, 'utf8'), name).toBe(ca)
      expect(await readFile(machine.clientCert, 'utf8'), name).toBe(client)
      const verified = await runProcess('openssl', ['verify', '-CAfile', layout.caCert, machine.caCert, machine.clientCert], sandbox.env)
      expect(verified.stdout, `${name}: ${verified.stderr}`).toBe(`${machine.caCert}: OK\n${machine.clientCert}: OK\n`)
      expect(verified.code).toBe(0)
    }
  })

  it('serves all of them from one dockerd whose certificate comes from that CA', async () => {
    const paths = defaultCertificatePaths(layout)
    const server = await issueServerCertificateFor(paths, {organization: 'tester.engine', sans: ['127.0.0.1', 'localhost']})
    const [caPem, clientCertPem, clientKeyPem] = await Promise.all([paths.caCert, paths.clientCert, paths.clientKey].map((path) => readFile(path, 'utf8')))
    // With the store's client certificate, "ready" means the TLS API answers that certificate.
    engine = await pool.start({caPem: caPem!, serverCertPem: server.certPem, serverKeyPem: server.keyPem, port, clientCertPem: clientCertPem!, clientKeyPem: clientKeyPem!})
    expect(engine.url).toBe(url)

    const ls = await sandbox.run(['ls'])
    expect(ls.stderr).toBe('')
    expect(ls.code).toBe(0)
    const [header, ...rows] = ls.stdout.trimEnd().split('\n')
    expect(header).toMatch(/^NAME\s+ACTIVE\s+DRIVER\s+STATE\s+URL\s+SWARM\s+DOCKER\s+ERRORS$/)
    expect(rows).toHaveLength(MACHINES)
    const versions = new Set<string>()
    for (const [index, row] of rows.entries()) {
      // Natural order: m1, m2, ..., m10, ...
      const match = new RegExp(`^m${index + 1}\\s+-\\s+none\\s+Running\\s+${url.replace(/\./g, '\\.')}\\s+(v\\d+\\.\\d+\\S*)\\s*$`).exec(row)
      expect(match, row).not.toBeNull()
      versions.add(match![1]!)
    }
    expect(versions.size).toBe(1)

    for (const name of ['m1', 'm7', 'm20']) {
      const docker = await runProcess('docker', ['--context', name, 'version', '--format', '{{.Server.Version}}'], sandbox.env)
      expect(docker.stderr, name).toBe('')
      expect(`v${docker.stdout.trim()}`).toBe([...versions][0])
      const viaEnv = await sandbox.sh(`eval "$($BERTH env ${name})" && docker version --format "{{.Server.Version}}"`)
      expect(viaEnv.code, viaEnv.stderr).toBe(0)
      expect(viaEnv.stdout).toBe(docker.stdout)
    }
  })

  it(`lets exactly one of ${SAME_NAME_RACERS} creates of the same name win`, async () => {
    const before = await readdir(layout.machinesDir)
    const results = await Promise.all(Array.from({length: SAME_NAME_RACERS}, () => sandbox.run(['create', '-d', 'none', '--url', url, 'same'])))
    const winners = results.filter((result) => result.code === 0)
    const losers = results.filter((result) => result.code !== 0)
    expect(winners).toHaveLength(1)
    // The engine is up now: the winner checked it over TLS, with no warning.
    expect(winners[0]!.stderr).not.toMatch(/Warning|Error/)
    expect(losers).toHaveLength(SAME_NAME_RACERS - 1)
    for (const loser of losers) {
      expect(loser.code).toBe(1)
      expect(loser.stdout).toBe('')
      expect(loser.stderr.split('\n').filter((line) => line.startsWith('Error'))).toEqual(['Error: Machine "same" already exists. Choose another name, or remove it first with "berth rm same".'])
    }
    expect((await readdir(layout.machinesDir)).sort()).toEqual([...before, 'same'].sort())
    // The losers rolled back nothing of the winner's.
    const ls = await sandbox.run(['ls', '--filter', 'name=^same$', '--format', '{{.Name}} {{.State}} {{.DockerVersion}} {{.Error}}'])
    expect(ls.stdout).toMatch(/^same Running v\d+\.\d+\S* \n$/)
    const docker = await runProcess('docker', ['--context', 'same', 'version', '--format', '{{.Server.Version}}'], sandbox.env)
    expect(docker.code, docker.stderr).toBe(0)
    const verified = await runProcess('openssl', ['verify', '-CAfile', layout.caCert, layout.machine('same').clientCert], sandbox.env)
    expect(verified.code).toBe(0)
    expect((await readdir(layout.certsDir)).sort()).toEqual(['ca-key.pem', 'ca.pem', 'cert.pem', 'key.pem'])
  })

  it('removes them all at once, and the store is empty again', async () => {
    const all = [...names, 'same']
    const removed = await sandbox.run(['rm', '-y', ...all])
    expect(removed.code, removed.stderr).toBe(0)
    expect(removed.stdout).toBe(all.map((name) => `Successfully removed ${name}\n`).join(''))
    expect(await readdir(layout.machinesDir)).toEqual([])
    const contexts = await runProcess('docker', ['context', 'ls', '--format', '{{.Name}}'], sandbox.env)
    expect(contexts.code).toBe(0)
    expect(contexts.stdout.split('\n').filter((name) => all.includes(name))).toEqual([])
  })
})
