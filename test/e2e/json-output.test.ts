import {readFile} from 'node:fs/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {defaultCertificatePaths, ensureStoreCertificates, issueServerCertificateFor} from '../../src/core/certs/store-certificates.js'
import {StoreLayout} from '../../src/core/store/layout.js'
import {BerthSandbox, type RunResult} from '../harness/berth.js'
import {FAKE_VERSION, startFakeEngine, type FakeServer} from '../harness/fake-engine.js'
import {freeLoopbackPort} from '../harness/free-port.js'
import {schemaProblems} from '../harness/json-schema.js'

// What a script reads: each command's --json output, checked against its schema in docs/json, with no secret in it.
const SECRETS = {token: 'tok-3f9a1c77e2', password: 'pw-51d0b8e4aa', label: 'lbl-8c2e90f1d4'}

describe('--json output', () => {
  let sandbox: BerthSandbox
  let engine: FakeServer
  let closed: string

  /** Run berth, expecting success and JSON alone on stdout; the parsed document. */
  async function json(args: readonly string[]): Promise<unknown> {
    const result = await sandbox.run(args)
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
    for (const secret of Object.values(SECRETS)) expect(result.stdout + result.stderr, args.join(' ')).not.toContain(secret)
    return JSON.parse(result.stdout) as unknown
  }

  function expectConforms(schema: string, value: unknown): void {
    expect(schemaProblems(schema, value), schema).toEqual([])
  }

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    const layout = new StoreLayout(sandbox.storePath)
    const paths = defaultCertificatePaths(layout)
    await ensureStoreCertificates(layout, paths)
    const server = await issueServerCertificateFor(paths, {organization: 'tester.engine', sans: ['127.0.0.1']})
    engine = await startFakeEngine({certPem: server.certPem, keyPem: server.keyPem, caPem: await readFile(paths.caCert, 'utf8')})
    // Nothing listens here: a machine whose engine does not answer.
    closed = `tcp://127.0.0.1:${await freeLoopbackPort()}`
  })

  afterAll(async () => {
    await engine?.close()
    await sandbox?.dispose()
  })

  it('create --json prints the machine made on stdout, progress on stderr, and inspect --json the same', async () => {
    const created = await sandbox.run(['create', '--json', '-d', 'none', '--url', engine.url,
      '--engine-label', 'team=blue', '--engine-label', `api_token=${SECRETS.label}`,
      '--engine-env', `REGISTRY_TOKEN=${SECRETS.token}`, '--engine-install-url', `https://user:${SECRETS.password}@mirror.invalid/install.sh`, 'up'])
    expect(created.code, created.stderr).toBe(0)
    expect(created.stderr).toContain('Machine "up" is ready.')
    const machine = JSON.parse(created.stdout) as Record<string, unknown>
    expectConforms('machine.schema.json', machine)
    expect(machine).toMatchObject({name: 'up', driver: 'none', address: '127.0.0.1', engineUrl: engine.url, ssh: null, labels: {team: 'blue', api_token: '<redacted>', provider: 'none'}})
    expect(machine.engine).toMatchObject({env: {REGISTRY_TOKEN: '<redacted>'}})
    expect(`${created.stdout}${created.stderr}`).not.toMatch(new RegExp(Object.values(SECRETS).join('|')))
    expect(await json(['inspect', '--json', 'up'])).toEqual(machine)

    const down = await sandbox.run(['create', '-d', 'none', '--url', closed, 'down'])
    expect(down.code, down.stderr).toBe(0)
  })

  it('ls --json gives each machine once, in berth\'s shape, without Docker Machine\'s Swarm fields', async () => {
    const listed = await json(['ls', '--json']) as Array<Record<string, unknown>>
    expectConforms('ls.schema.json', listed)
    expect(listed.map((machine) => machine.name)).toEqual(['down', 'up'])
    const [down, up] = listed
    expect(up).toMatchObject({driver: 'none', state: 'Running', stateReason: null, address: '127.0.0.1', engineUrl: engine.url, engineVersion: FAKE_VERSION.Version, active: false, error: null})
    expect(up!.createdAt).toBe((await json(['inspect', '--json', 'up']) as {createdAt: string}).createdAt)
    expect(down).toMatchObject({state: 'Running', engineVersion: null, error: expect.stringMatching(/^Unable to query docker version: .*connection refused/) as unknown})
    expect(JSON.stringify(listed)).not.toMatch(/Swarm|DockerVersion/)
    // The machine the docker client points at.
    const active = await sandbox.run(['ls', '--json'], {env: {DOCKER_HOST: engine.url}})
    expect((JSON.parse(active.stdout) as Array<{name: string; active: boolean}>).map(({name, active}) => [name, active])).toEqual([['down', false], ['up', true]])
  })

  it('status, ip, url, version and drivers --json each print their shape', async () => {
    const status = await json(['status', '--json', 'up'])
    expectConforms('status.schema.json', status)
    expect(status).toEqual({name: 'up', state: 'Running'})
    const ip = await json(['ip', '--json', 'up', 'down'])
    expectConforms('ip.schema.json', ip)
    expect(ip).toEqual([{name: 'up', address: '127.0.0.1'}, {name: 'down', address: '127.0.0.1'}])
    const url = await json(['url', '--json', 'up'])
    expectConforms('url.schema.json', url)
    expect(url).toEqual({name: 'up', engineUrl: engine.url})
    const berthVersion = await json(['version', '--json'])
    expectConforms('version.schema.json', berthVersion)
    expect((await sandbox.run(['version'])).stdout).toBe(`berth version ${(berthVersion as {berthVersion: string}).berthVersion}\n`)
    const engineVersion = await json(['version', '--json', 'up'])
    expectConforms('version.schema.json', engineVersion)
    expect(engineVersion).toEqual({name: 'up', engineVersion: FAKE_VERSION.Version})
    const drivers = await json(['drivers', '--json']) as Array<{name: string}>
    expectConforms('drivers.schema.json', drivers)
    expect(drivers.map((driver) => driver.name)).toContain('none')
    const orphans = await json(['ls', '--orphans', '--json'])
    expectConforms('ls-orphans.schema.json', orphans)
    expect(orphans).toEqual([])
  })

  it('env --json prints the variables as an object, and --unset each as null', async () => {
    const set = await json(['env', '--json', '--no-proxy', 'up'])
    expectConforms('env.schema.json', set)
    expect(set).toEqual({DOCKER_TLS_VERIFY: '1', DOCKER_HOST: engine.url, DOCKER_CERT_PATH: new StoreLayout(sandbox.storePath).machine('up').dir, DOCKER_MACHINE_NAME: 'up', NO_PROXY: '127.0.0.1'})
    const unset = await json(['env', '--json', '--unset'])
    expectConforms('env.schema.json', unset)
    expect(unset).toEqual({DOCKER_TLS_VERIFY: null, DOCKER_HOST: null, DOCKER_CERT_PATH: null, DOCKER_MACHINE_NAME: null})
  })

  it('refuses --json with another output flag: one line, exit 1, nothing on stdout', async () => {
    const refusals: Array<[string[], string]> = [
      [['ls', '--json', '--format', '{{.Name}}'], '--format'],
      [['ls', '-q', '--json'], '-q'],
      [['inspect', '--json', '-f', '{{.Name}}', 'up'], '--format'],
      [['env', '--json', '--shell', 'fish', 'up'], '--shell'],
    ]
    for (const [args, other] of refusals) {
      const result: RunResult = await sandbox.run(args)
      expect(result.code, args.join(' ')).toBe(1)
      expect(result.stdout, args.join(' ')).toBe('')
      expect(result.stderr, args.join(' ')).toBe(`Error: --json and ${other} cannot be used together. Pass only one of them.\n`)
    }
  })

  it('leaves inspect and its --format templates as they were: Docker Machine\'s fields beside berth\'s', async () => {
    expect((await sandbox.run(['inspect', '--format', '{{.Driver.IPAddress}} {{.DriverName}}', 'up'])).stdout).toBe('127.0.0.1 none\n')
    const plain = await json(['inspect', 'up']) as {Driver: {URL: string}; endpoint: {url: string}}
    expect([plain.Driver.URL, plain.endpoint.url]).toEqual([engine.url, engine.url])
  })
})
