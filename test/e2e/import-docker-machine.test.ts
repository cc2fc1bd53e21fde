import {readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, repoRoot, runProcess} from '../harness/berth.js'
import {addMachine, enginePid as dockerdPid, hostShell, issueDockerMachineServerCert, makeDockerMachinePki, setUpAsDockerMachine, writeDockerMachineStore, type DockerMachinePki} from '../harness/docker-machine.js'
import {snapshotTree} from '../harness/tree-snapshot.js'
import {TestHostPool, type TestHost} from '../hosts/index.js'

describe('import docker-machine: a generic machine and a none machine Docker Machine made', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let host: TestHost
  let source: string
  let sourceBefore: Record<string, string>
  let enginePid: string

  const dockerd = (): Promise<string> => dockerdPid(hostShell(host))
  const docker = (machine: string, args: string[]) => sandbox.sh(`eval "$($BERTH env ${machine})" && docker ${args.map((arg) => `'${arg}'`).join(' ')}`)

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    host = await pool.up('dmimp', {init: 'systemd'})
    const {ca, client} = await makeDockerMachinePki()
    const server = await issueDockerMachineServerCert({ca, client}, 'dm1', host.ip)
    await setUpAsDockerMachine(hostShell(host), {ca, server}, {hostname: 'dm1', provider: 'generic', labels: ['team=web']})
    source = join(sandbox.dir, 'docker-machine')
    await writeDockerMachineStore(source, {ca, client})
    const key = await readFile(host.privateKeyPath, 'utf8')
    await addMachine(source, 'legacy-generic', 'dm1', {'10.245.1.2': host.ip, '/home/user/.ssh/id_ed25519': host.privateKeyPath}, {
      'ca.pem': {content: ca.certPem, mode: 0o644},
      'cert.pem': {content: client.certPem, mode: 0o644},
      'key.pem': {content: client.keyPem, mode: 0o600},
      'server.pem': {content: server.certPem, mode: 0o644},
      'server-key.pem': {content: server.keyPem, mode: 0o600},
      'id_ed25519': {content: key, mode: 0o600},
    })
    await addMachine(source, 'legacy-none', 'dmnone', {'127.0.99.5': host.ip}, {})
    sourceBefore = await snapshotTree(source)
    enginePid = await dockerd()
  }, 240_000)

  afterAll(async () => {
    await pool?.dispose()
    await sandbox?.dispose()
  })

  it('--dry-run says what would be imported and writes nothing', async () => {
    const dry = await sandbox.run(['import', 'docker-machine', '--source', source, '--dry-run'])
    expect(dry.stderr).toBe('')
    expect(dry.code).toBe(0)
    expect(dry.stdout).toBe(`Would import "dm1" (generic, tcp://${host.ip}:2376)\nWould import "dmnone" (none, tcp://${host.ip}:2376)\n`)
    expect(await snapshotTree(sandbox.storePath)).toEqual({})
  })

  it('imports both; env and the docker CLI work at once, the engine untouched', async () => {
    const imported = await sandbox.run(['import', 'docker-machine', '--source', source])
    expect(imported.stderr).toBe('')
    expect(imported.code).toBe(0)
    expect(imported.stdout).toBe(`Imported "dm1" (generic, tcp://${host.ip}:2376)\nImported "dmnone" (none, tcp://${host.ip}:2376)\n`)
    for (const machine of ['dm1', 'dmnone']) {
      const info = await docker(machine, ['info', '--format', '{{json .Labels}}'])
      expect(info.code).toBe(0)
      expect(info.stdout).toContain('team=web')
      const viaContext = await runProcess('docker', ['--context', machine, 'version', '--format', '{{.Server.Version}}'], sandbox.env)
      expect(viaContext.stdout.trim()).toMatch(/^\d+\.\d+/)
    }
    expect(await dockerd()).toBe(enginePid)
    expect((await sandbox.run(['ls'])).stdout).toMatch(new RegExp(`dm1\\s+-\\s+generic\\s+Running\\s+tcp://${host.ip.replace(/\./g, '\\.')}:2376`))
    // Keys and configs 0600, directories 0700, in berth's store; the source exactly as it was.
    const tree = await snapshotTree(sandbox.storePath)
    for (const [path, entry] of Object.entries(tree)) {
      if (path.startsWith('locks/')) continue
      expect(entry.split(' ')[0], path).toBe(path.endsWith('/') ? '700' : '600')
    }
    expect(tree['machines/dm1/id_ed25519']).toBeDefined()
    expect(await snapshotTree(source)).toEqual(sourceBefore)
  })

  it('a name berth already has, a name the store lacks, berth\'s own store: one line each, nothing written', async () => {
    const before = await snapshotTree(sandbox.storePath)
    const again = await sandbox.run(['import', 'docker-machine', '--source', source, 'dm1', 'nosuch'])
    expect(again.code).toBe(1)
    expect(again.stdout).toBe('')
    expect(again.stderr).toBe([
      'Error: Cannot import "dm1": berth already has a machine of this name; remove it first, or leave this one out.',
      `Error: Cannot import "nosuch": ${source} has no machine of this name.`,
      'Error: 2 of 2 machines could not be imported.',
      '',
    ].join('\n'))
    const own = await sandbox.run(['import', 'docker-machine', '--source', sandbox.storePath])
    expect(own.code).toBe(1)
    expect(own.stderr).toMatch(/^Error: .* is berth's own store, not a Docker Machine store\./)
    expect(await snapshotTree(sandbox.storePath)).toEqual(before)
  })

  it('keeps working once the Docker Machine store is gone', async () => {
    await rm(source, {recursive: true, force: true})
    const version = await docker('dm1', ['version', '--format', '{{.Server.Version}}'])
    expect(version.code).toBe(0)
    expect((await sandbox.run(['inspect', '--format', '{{.HostOptions.AuthOptions.CaCertPath}}', 'dm1'])).stdout.trim()).toMatch(new RegExp(`^${sandbox.storePath}/certs/imported/[0-9a-f]{16}/ca\\.pem$`))
  })

  it('provision takes the host over: berth\'s drop-in replaces Docker Machine\'s, the key becomes 0600', async () => {
    const provisioned = await sandbox.run(['provision', 'dm1'])
    expect(provisioned.stderr).not.toMatch(/^Error/m)
    expect(provisioned.code).toBe(0)
    // (The test host's own 00-berth-testhost-limits.conf is not the engine's configuration.)
    const left = await host.exec('ls /etc/systemd/system/docker.service.d/ | grep -v testhost; stat -c %a /etc/docker/server-key.pem')
    expect(left.stdout).toBe('10-berth.conf\n600\n')
    const info = await docker('dm1', ['info', '--format', '{{json .Labels}}'])
    expect(info.code).toBe(0)
    expect(info.stdout).toContain('team=web')
    expect((await sandbox.run(['config', 'dmnone'])).code).toBe(0)
    const again = await sandbox.run(['provision', 'dm1'])
    expect(again.code).toBe(0)
    expect(again.stderr).not.toContain('Starting the Docker engine')
  })

  it('rm forgets both and leaves the server running', async () => {
    const removed = await sandbox.run(['rm', '-y', 'dm1', 'dmnone'])
    expect(removed.code).toBe(0)
    expect((await sandbox.run(['ls', '-q'])).stdout).toBe('')
    expect((await host.exec('systemctl is-active docker')).stdout.trim()).toBe('active')
  })
})

// Docker Machine on a host without systemd wrote its options into the init script's file: DOCKER_OPTS over several lines.
describe('import docker-machine: a generic machine on a host without systemd', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let host: TestHost

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    host = await pool.up('dmsysv', {init: 'sysv'})
    const {ca, client} = await makeDockerMachinePki()
    const server = await issueDockerMachineServerCert({ca, client}, 'dm2', host.ip)
    const put = (path: string, content: string): Promise<unknown> => host.exec(`mkdir -p /etc/docker && cat > ${path} && chmod 644 ${path}`, {input: content})
    await put('/etc/docker/ca.pem', ca.certPem)
    await put('/etc/docker/server.pem', server.certPem)
    await put('/etc/docker/server-key.pem', server.keyPem)
    await put('/etc/default/docker', "\nDOCKER_OPTS='\n-H tcp://0.0.0.0:2376\n-H unix:///var/run/docker.sock\n--tlsverify\n--tlscacert /etc/docker/ca.pem\n--tlscert /etc/docker/server.pem\n--tlskey /etc/docker/server-key.pem\n--label provider=generic\n'\n")
    expect((await host.exec('service docker start >/dev/null 2>&1; sleep 1; pidof dockerd')).stdout.trim()).not.toBe('')
    const source = join(sandbox.dir, 'docker-machine')
    await writeDockerMachineStore(source, {ca, client})
    await addMachine(source, 'legacy-generic', 'dm2', {'10.245.1.2': host.ip, '/home/user/.ssh/id_ed25519': host.privateKeyPath}, {
      'server.pem': {content: server.certPem, mode: 0o644},
      'server-key.pem': {content: server.keyPem, mode: 0o600},
      'id_ed25519': {content: await readFile(host.privateKeyPath, 'utf8'), mode: 0o600},
    })
    const imported = await sandbox.run(['import', 'docker-machine', '--source', source])
    expect(imported.stderr).toBe('')
  }, 240_000)

  afterAll(async () => {
    await pool?.dispose()
    await sandbox?.dispose()
  })

  it('provision replaces Docker Machine\'s DOCKER_OPTS with berth\'s part, and docker works through env', async () => {
    const provisioned = await sandbox.run(['provision', 'dm2'])
    expect(provisioned.stderr).not.toMatch(/^Error/m)
    expect(provisioned.code).toBe(0)
    const options = (await host.exec('cat /etc/default/docker; stat -c %a /etc/docker/server-key.pem')).stdout
    expect(options).not.toContain('--label provider=generic\n\'')
    expect(options).toContain('# >>> berth')
    expect(options.trim().endsWith('600')).toBe(true)
    const version = await sandbox.sh(`eval "$($BERTH env dm2)" && docker info --format '{{json .Labels}}'`)
    expect(version.code).toBe(0)
    expect(version.stdout).toContain('team=web')
  })
})

describe('import docker-machine: stores that cannot be imported as they are', () => {
  let sandbox: BerthSandbox
  let source: string
  let pki: DockerMachinePki

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    source = join(sandbox.dir, 'dm')
    pki = await makeDockerMachinePki()
    await writeDockerMachineStore(source, pki)
  })

  afterAll(async () => {
    await sandbox?.dispose()
  })

  const withFixture = async (name: string, fixtureName: string, change: (config: Record<string, unknown>) => unknown): Promise<void> => {
    await addMachine(source, fixtureName, name, {}, {})
    const path = join(source, 'machines', name, 'config.json')
    const changed = change(JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>)
    await writeFile(path, typeof changed === 'string' ? changed : JSON.stringify(changed))
  }

  it('reports each bad machine on its own line, imports the good ones and exits 1', async () => {
    await withFixture('good', 'legacy-none', (config) => ({...config, ForkOnlyField: {any: 1}, Driver: {...(config.Driver as object), ForkSetting: true}}))
    await withFixture('truncated', 'legacy-none', (config) => JSON.stringify(config).slice(0, 200))
    await withFixture('unknown-driver', 'legacy-none', (config) => ({...config, DriverName: 'hyperv'}))
    await withFixture('no-url', 'legacy-none', (config) => ({...config, Driver: {...(config.Driver as object), URL: ''}}))
    await withFixture('no-server-cert', 'legacy-generic', (config) => config)
    await withFixture('vbox', 'legacy-generic', (config) => ({...config, DriverName: 'virtualbox', Driver: {...(config.Driver as object), VBoxManager: {}, HostOnlyCIDR: '192.168.99.1/24'}}))
    const sourceBefore = await snapshotTree(source)
    const result = await sandbox.run(['import', 'docker-machine', '--source', source])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('Imported "good" (none, tcp://127.0.99.5:2376)\n')
    const lines = result.stderr.trim().split('\n')
    expect(lines).toEqual([
      expect.stringMatching(/^Error: Cannot import "no-server-cert": its server certificate .*machines\/no-server-cert\/server\.pem does not exist\.$/),
      'Error: Cannot import "no-url": its "Driver.URL" is missing.',
      expect.stringMatching(/^Error: Cannot import "truncated": its config\.json is not valid JSON \(.*\); it may be truncated\.$/),
      'Error: Cannot import "unknown-driver": berth has no hyperv driver.',
      expect.stringMatching(/^Error: Cannot import "vbox": its server certificate .*machines\/vbox\/server\.pem does not exist\.$/),
      'Error: 5 of 6 machines could not be imported.',
    ])
    const machines = Object.keys(await snapshotTree(join(sandbox.storePath, 'machines'))).filter((path) => path.endsWith('/') && !path.slice(0, -1).includes('/'))
    expect(machines).toEqual(['good/'])
    expect(await snapshotTree(source)).toEqual(sourceBefore)
  })

  it('a missing CA key is refused for the machine', async () => {
    const other = join(sandbox.dir, 'dm-no-ca-key')
    await writeDockerMachineStore(other, pki)
    await rm(join(other, 'certs', 'ca-key.pem'))
    await addMachine(other, 'legacy-none', 'lonely', {}, {})
    const result = await sandbox.run(['import', 'docker-machine', '--source', other])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^Error: Cannot import "lonely": its CA key .*certs\/ca-key\.pem does not exist\.\n/)
  })

  it('a relative --source is taken from the current directory; a directory that is no store is refused', async () => {
    const relative = await runProcess('bash', ['-c', `cd ${sandbox.dir} && node ${join(repoRoot, 'bin', 'run.cjs')} import docker-machine --source dm --dry-run good`], sandbox.env)
    expect(relative.stdout).toBe('')
    expect(relative.stderr).toBe('Error: Cannot import "good": berth already has a machine of this name; remove it first, or leave this one out.\nError: 1 of 1 machines could not be imported.\n')
    const notStore = await sandbox.run(['import', 'docker-machine', '--source', join(source, 'certs')])
    expect(notStore.code).toBe(1)
    expect(notStore.stderr).toMatch(/^Error: .*\/dm\/certs is not a Docker Machine store: it has no machines\/ directory\./)
    const empty = await sandbox.run(['import', 'docker-machine'], {env: {MACHINE_STORAGE_PATH: join(sandbox.dir, 'nowhere')}})
    expect(empty.code).toBe(1)
    expect(empty.stderr).toMatch(/nowhere does not exist\./)
  })
})
