import {mkdir, mkdtemp, readdir, readFile, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTrustedEngine} from '../harness/trusted-engine.js'
import {BerthSandbox, repoRoot, runProcess, type RunResult} from '../harness/berth.js'
import {DockerdPool, type RunningDockerd} from '../harness/dockerd.js'
import {freeLoopbackPort} from '../harness/free-port.js'
import {snapshotTree} from '../harness/tree-snapshot.js'

// The proof for third-party drivers: real plugin packages under test/fixtures, installed into a
// sandboxed berth with `berth plugins link` / `plugins install file:`, then used by create against a real
// dockerd whose certificate berth's CA issued.
const fixtures = join(repoRoot, 'test', 'fixtures')
const SECRET = 's3cret-fixture-token'

/** oclif prints this for linked ESM plugins that have commands; berth's fixtures must not trigger it. */
const NOISE = /auto-transpiled|Warning|ts-node/i

interface DriverRow {
  name: string
  source: string
  health: {installed: boolean; healthy: boolean; problem?: string; fix?: string}
}

function errorLines(result: RunResult): string[] {
  return result.stderr.split('\n').filter((line) => line.startsWith('Error'))
}

/** Every file under dir as text, for "the secret is nowhere on disk" checks. */
/** Every file's text, but the credentials files that exist to keep typed secrets. */
async function allText(dir: string): Promise<string> {
  const entries = await readdir(dir, {recursive: true, withFileTypes: true})
  const files = entries.filter((entry) => entry.isFile() && entry.name !== 'credentials.json').map((entry) => join(entry.parentPath, entry.name))
  return (await Promise.all(files.map((file) => readFile(file, 'utf8')))).join('\n')
}

describe('driver plugins linked into berth, used against a real dockerd', () => {
  let sandbox: BerthSandbox
  let pool: DockerdPool
  let engine: RunningDockerd
  let logDir: string
  let fixtureLog: string
  let shadowLog: string
  let driverEnv: NodeJS.ProcessEnv

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    logDir = await mkdtemp(join(tmpdir(), 'berth-plugin-log-'))
    fixtureLog = join(logDir, 'fixture.log')
    shadowLog = join(logDir, 'shadow.log')
    driverEnv = {FIXTURE_DRIVER_LOG: fixtureLog, SHADOW_DRIVER_LOG: shadowLog}
    pool = new DockerdPool()
    engine = await startTrustedEngine(sandbox.storePath, pool)
  })

  afterAll(async () => {
    await pool?.dispose()
    await sandbox?.dispose()
    if (logDir) await rm(logDir, {recursive: true, force: true})
  })

  const berth = (args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> => sandbox.run(args, {env: {...driverEnv, ...env}})
  const log = async (file: string): Promise<string[]> => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean)

  it('links the fixture plugin; plugins and drivers list it next to the built-in driver', async () => {
    const linked = await berth(['plugins', 'link', join(fixtures, 'berth-driver-fixture'), '--no-install'])
    expect(linked.code).toBe(0)
    expect(linked.stdout).toBe('')
    expect(linked.stderr).not.toMatch(NOISE)

    const plugins = await berth(['plugins'])
    expect(plugins.code).toBe(0)
    expect(plugins.stdout).toContain(`berth-driver-fixture 1.0.0 (link) ${join(fixtures, 'berth-driver-fixture')}`)
    expect(plugins.stderr).toBe('')

    const drivers = await berth(['drivers'])
    expect(drivers.code).toBe(0)
    expect(drivers.stderr).toBe('')
    // No VirtualBox on the test machines: its driver says so, with what to do. qemu's row says what this computer has
    // (QEMU or not, which accelerator): it is checked in qemu-driver.test.ts.
    const noVBox = 'VBoxManage was not found on PATH or in VirtualBox\'s usual install locations. Install VirtualBox 6.1 or later from https://www.virtualbox.org/wiki/Downloads (VBoxManage must be on PATH or in its usual place).'
    expect(drivers.stdout).toMatch(/^qemu {11}built-in {28}(healthy|not installed) /m)
    expect(drivers.stdout.split('\n').filter((line) => !line.startsWith('qemu ')).map((line) => line.trimEnd())).toEqual([
      'NAME           SOURCE                              HEALTH          PROBLEM / FIX',
      'amazonec2      built-in                            healthy',
      'azure          built-in                            healthy',
      'digitalocean   built-in                            healthy',
      'fixture        plugin berth-driver-fixture@1.0.0   healthy',
      'generic        built-in                            healthy',
      'none           built-in                            healthy',
      `virtualbox     built-in                            not installed   ${noVBox}`,
      '',
    ])
    const json = JSON.parse((await berth(['drivers', '--json'])).stdout) as DriverRow[]
    expect(json.filter((row) => row.name !== 'qemu')).toEqual([
      {name: 'amazonec2', source: 'built-in', health: {installed: true, healthy: true}},
      {name: 'azure', source: 'built-in', health: {installed: true, healthy: true}},
      {name: 'digitalocean', source: 'built-in', health: {installed: true, healthy: true}},
      {name: 'fixture', source: 'plugin berth-driver-fixture@1.0.0', health: {installed: true, healthy: true}},
      {name: 'generic', source: 'built-in', health: {installed: true, healthy: true}},
      {name: 'none', source: 'built-in', health: {installed: true, healthy: true}},
      {name: 'virtualbox', source: 'built-in', health: {installed: false, healthy: false, problem: 'VBoxManage was not found on PATH or in VirtualBox\'s usual install locations.', fix: 'Install VirtualBox 6.1 or later from https://www.virtualbox.org/wiki/Downloads (VBoxManage must be on PATH or in its usual place).'}},
    ])
    // Listing drivers imports the module to probe it; nothing is called that makes or changes a machine.
    expect(await log(fixtureLog)).toEqual([])
  })

  it('shows a plugin driver\'s flags in `create -d fixture --help`, and the built-in ones otherwise', async () => {
    const help = await berth(['create', '-d', 'fixture', '--help'])
    expect(help.code).toBe(0)
    expect(help.stderr).toBe('')
    expect(help.stdout).toContain('FIXTURE DRIVER FLAGS')
    expect(help.stdout).toMatch(/--fixture-url=<value>\s+Engine URL, tcp:\/\/HOST:PORT/)
    expect(help.stdout).toMatch(/--fixture-label=<value>\s+A free-form label kept in the driver state\s+\[default: plain\]/)
    expect(help.stdout).toMatch(/--fixture-token=<value>\s+A credential \(never stored\) \[env: FIXTURE_TOKEN\]/)
    expect(help.stdout).not.toMatch(/--url[ =]<value>/)
    expect(help.stdout).toContain('--engine-opt')
    expect(help.stdout).toMatch(/^EXAMPLES\n {2}\$ berth create -d fixture --fixture-url tcp:\/\/192\.0\.2\.30:2376 lab1$/m)

    // Without -d: each driver in one line, the plugin's among them; no driver's flags.
    const plain = await berth(['create', '--help'])
    expect(plain.code).toBe(0)
    expect(plain.stdout).toMatch(/^DRIVERS\n(?: {2}\S+ +.+\n)*? {2}fixture +Test driver provided by a plugin\.\n/m)
    expect(plain.stdout).toMatch(/^ {2}none +An existing engine/m)
    expect(plain.stdout).not.toMatch(/--url=<value>|--generic-engine-port|--fixture-/)

    const none = await berth(['create', '-d', 'none', '--help'])
    expect(none.stdout).toMatch(/NONE DRIVER FLAGS\n\s+--url=<value>/)
    expect(none.stdout).not.toContain('--fixture-')

    const unknown = await berth(['create', '-d', 'nope', '--help'])
    expect(unknown.code).toBe(1)
    expect(unknown.stdout).toBe('')
    expect(unknown.stderr).toBe('Error: Unknown driver "nope". Available drivers: amazonec2, azure, digitalocean, fixture, generic, none, qemu, virtualbox. Run "berth drivers" for details.\n')
  })

  it('creates a machine with the plugin driver; docker works through env; ls shows it Running', async () => {
    const created = await berth(['create', '-d', 'fixture', '--fixture-url', engine.url, '--fixture-token', SECRET, '--fixture-label', 'blue', '--debug', 'p1'])
    expect(created.stderr).not.toContain('Error')
    expect(created.code).toBe(0)
    expect(created.stdout).toBe('')
    expect(created.stderr).toContain('Checking the engine over TLS: done')
    expect(created.stderr).toContain('[debug] engine at')
    expect(created.stderr).not.toMatch(NOISE)
    expect(created.stderr).not.toContain(SECRET)
    expect(await log(fixtureLog)).toEqual(['preCreateCheck p1', 'create p1 token=set label=blue'])

    const viaEnv = await sandbox.sh('eval "$($BERTH env p1)" && docker version --format "{{.Server.Version}}"')
    expect(viaEnv.stderr).toBe('')
    expect(viaEnv.code).toBe(0)
    expect(viaEnv.stdout.trim()).toMatch(/^\d+\.\d+/)
    const viaContext = await runProcess('docker', ['--context', 'p1', 'version', '--format', '{{.Server.Version}}'], sandbox.env)
    expect(viaContext.stdout.trim()).toBe(viaEnv.stdout.trim())

    // A none machine next to it: ls must show both, with the plugin machine read through oclif's plugin list.
    expect((await berth(['create', '-d', 'none', '--url', engine.url, 'm1'])).code).toBe(0)
    const ls = await berth(['ls'])
    expect(ls.code).toBe(0)
    expect(ls.stderr).toBe('')
    const lines = ls.stdout.split('\n')
    expect(lines[0]).toMatch(/^NAME\s+ACTIVE\s+DRIVER\s+STATE\s+URL\s+SWARM\s+DOCKER\s+ERRORS$/)
    const url = engine.url.replace(/[.]/g, '\\.')
    expect(lines[1]).toMatch(new RegExp(`^m1\\s+-\\s+none\\s+Running\\s+${url}\\s+v\\d+\\.\\d+\\S*\\s*$`))
    expect(lines[2]).toMatch(new RegExp(`^p1\\s+-\\s+fixture\\s+Running\\s+${url}\\s+v\\d+\\.\\d+\\S*\\s*$`))
    expect(lines).toHaveLength(4)
    expect((await berth(['ls', '-q', '--filter', 'driver=fixture'])).stdout).toBe('p1\n')
    expect((await berth(['ls', '--format', '{{.Name}} {{.DriverName}} {{.State}}'])).stdout).toBe('m1 none Running\np1 fixture Running\n')
    const rows = JSON.parse((await berth(['ls', '--json'])).stdout) as Array<{name: string; driver: string; state: string; engineUrl: string}>
    expect(rows.map((row) => [row.name, row.driver, row.state, row.engineUrl])).toEqual([['m1', 'none', 'Running', engine.url], ['p1', 'fixture', 'Running', engine.url]])
    for (const command of [['status', 'p1'], ['url', 'p1'], ['ip', 'p1']]) {
      const result = await berth(command)
      expect(result.code, command.join(' ')).toBe(0)
    }
    expect((await berth(['status', 'p1'])).stdout).toBe('Running\n')

    // ls asks the driver once for all its machines.
    expect((await berth(['create', '-d', 'fixture', '--fixture-url', engine.url, 'p5'])).code).toBe(0)
    expect((await berth(['ls', '-q', '--filter', 'state=Running'])).stdout).toBe('m1\np1\np5\n')
    expect((await log(fixtureLog)).filter((line) => line.startsWith('queryStates')).at(-1)).toBe('queryStates p1,p5')
    expect((await berth(['rm', '-y', 'p5'])).code).toBe(0)
  })

  it('keeps the secret flag out of config.json, inspect, debug output and the docker config', async () => {
    const config = await readFile(join(sandbox.storePath, 'machines', 'p1', 'config.json'), 'utf8')
    expect(config).not.toContain(SECRET)
    expect((JSON.parse(config) as {driver: unknown}).driver).toEqual({name: 'fixture', state: {url: engine.url, label: 'blue'}})

    // The token also in the environment, as a user with FIXTURE_TOKEN exported would run every command.
    const env = {FIXTURE_TOKEN: SECRET}
    const inspect = await berth(['inspect', '--debug', 'p1'], env)
    expect(inspect.code).toBe(0)
    expect(JSON.parse(inspect.stdout)).toMatchObject({DriverName: 'fixture', Driver: {url: engine.url, label: 'blue', IPAddress: '127.0.0.1', URL: engine.url}})
    for (const args of [['inspect', '--debug', 'p1'], ['inspect', '--json', 'p1'], ['ls', '--debug'], ['ls', '--json'], ['env', '--debug', 'p1'], ['env', '--json', 'p1'], ['config', '--debug', 'p1']]) {
      const result = await berth(args, env)
      expect(result.code, args.join(' ')).toBe(0)
      expect(result.stdout + result.stderr, args.join(' ')).not.toContain(SECRET)
    }
    expect(await allText(sandbox.storePath)).not.toContain(SECRET)
    expect(await allText(sandbox.env.DOCKER_CONFIG!)).not.toContain(SECRET)
    expect((await readFile(fixtureLog, 'utf8'))).not.toContain(SECRET)

    // Typed only on the command line, the token is kept apart, 0600, for later commands that run without it.
    const credentials = join(sandbox.storePath, 'machines', 'p1', 'credentials.json')
    expect(JSON.parse(await readFile(credentials, 'utf8'))).toEqual({'fixture-token': SECRET})
    expect((await stat(credentials)).mode & 0o777).toBe(0o600)

    // The token from the environment reaches the driver at create as well.
    const fromEnv = await berth(['create', '-d', 'fixture', '--fixture-url', engine.url, 'p2'], env)
    expect(fromEnv.code).toBe(0)
    expect(fromEnv.stderr).not.toContain(SECRET)
    expect((await log(fixtureLog)).at(-1)).toBe('create p2 token=set label=plain')
    expect(await allText(sandbox.storePath)).not.toContain(SECRET)
    // From the environment, it is not kept: the environment provides it again.
    await expect(stat(join(sandbox.storePath, 'machines', 'p2', 'credentials.json'))).rejects.toThrow('ENOENT')
    expect((await berth(['rm', '-y', 'p2'])).code).toBe(0)
    expect((await log(fixtureLog)).at(-1)).toBe('remove p2 fixture-p2 token=unset')
  })

  it('rejects another driver\'s flags and a failing pre-create check, changing nothing', async () => {
    const before = await snapshotTree(sandbox.dir)
    const logBefore = await log(fixtureLog)

    const foreign = await berth(['create', '-d', 'none', '--fixture-url', engine.url, 'x1'])
    expect(foreign.code).toBe(1)
    expect(foreign.stdout).toBe('')
    expect(foreign.stderr).toBe('Error: --fixture-url belongs to the fixture driver, not to none. See "berth create -d none --help" for its flags.\n')

    const builtInFlag = await berth(['create', '-d', 'fixture', '--fixture-url', engine.url, '--url', engine.url, 'x2'])
    expect(builtInFlag.code).toBe(1)
    expect(builtInFlag.stderr).toBe('Error: --url belongs to the none driver, not to fixture. See "berth create -d fixture --help" for its flags.\n')

    const noDriver = await berth(['create', '--fixture-url', engine.url, 'x3'])
    expect(noDriver.code).toBe(1)
    expect(noDriver.stderr).toBe('Error: --fixture-url belongs to the fixture driver, and no driver was chosen. Pass -d fixture to use it.\n')

    const unknownFlag = await berth(['create', '-d', 'fixture', '--fixture-nope', 'x', 'x4'])
    expect(unknownFlag.code).toBe(1)
    expect(errorLines(unknownFlag)).toEqual(['Error: Nonexistent flag: --fixture-nope. See "berth help" or add --help to the command.'])

    const badUrl = await berth(['create', '-d', 'fixture', '--fixture-url', 'http://127.0.0.1', '--fixture-token', SECRET, 'x5'])
    expect(badUrl.code).toBe(3)
    expect(badUrl.stdout).toBe('')
    expect(errorLines(badUrl)).toEqual(['Error: Pre-create check failed: --fixture-url must be tcp://HOST:PORT'])
    expect(badUrl.stderr.trim().split('\n').at(-1)).toBe('Error: Pre-create check failed: --fixture-url must be tcp://HOST:PORT')
    expect(badUrl.stderr).not.toContain(SECRET)

    expect(await snapshotTree(sandbox.dir)).toEqual(before)
    expect(await log(fixtureLog)).toEqual(logBefore)
  })

  it('reports a broken plugin as an unhealthy driver, and every other command keeps working', async () => {
    const linked = await berth(['plugins', 'link', join(fixtures, 'berth-driver-broken'), '--no-install'])
    expect(linked.code).toBe(0)
    expect(linked.stderr).not.toMatch(NOISE)

    const drivers = await berth(['drivers'])
    expect(drivers.code).toBe(0)
    expect(drivers.stderr).toBe('')
    expect(drivers.stdout).toMatch(/^broken\s+plugin berth-driver-broken@0\.0\.1\s+unhealthy\s+Driver "broken" could not be loaded: cannot find module "some-missing-sdk"\. Reinstall or remove the plugin: "berth plugins install berth-driver-broken" or "berth plugins uninstall berth-driver-broken"\.$/m)
    expect(drivers.stdout).toMatch(/^fixture\s+plugin berth-driver-fixture@1\.0\.0\s+healthy\s*$/m)
    expect(drivers.stdout).toMatch(/^none\s+built-in\s+healthy\s*$/m)
    const broken = (JSON.parse((await berth(['drivers', '--json'])).stdout) as DriverRow[]).find((row) => row.name === 'broken')
    expect(broken).toEqual({
      name: 'broken',
      source: 'plugin berth-driver-broken@0.0.1',
      health: {
        installed: true,
        healthy: false,
        problem: 'Driver "broken" could not be loaded: cannot find module "some-missing-sdk"',
        fix: 'Reinstall or remove the plugin: "berth plugins install berth-driver-broken" or "berth plugins uninstall berth-driver-broken".',
      },
    })

    const ls = await berth(['ls', '--format', '{{.Name}} {{.DriverName}} {{.State}}'])
    expect(ls.stderr).toBe('')
    expect(ls.stdout).toBe('m1 none Running\np1 fixture Running\n')
    const viaEnv = await sandbox.sh('eval "$($BERTH env m1)" && docker version --format "{{.Server.Version}}"')
    expect(viaEnv.code).toBe(0)
    expect(viaEnv.stderr).toBe('')
    const none = await berth(['create', '-d', 'none', '--url', engine.url, 'm2'])
    expect(none.code).toBe(0)
    expect(none.stderr).not.toContain('Error')
    expect((await berth(['rm', '-y', 'm2'])).code).toBe(0)
    expect((await berth(['plugins'])).code).toBe(0)

    const before = await snapshotTree(sandbox.dir)
    const create = await berth(['create', '-d', 'broken', 'x'])
    expect(create.code).toBe(1)
    expect(create.stdout).toBe('')
    expect(create.stderr).toMatch(/^Error: Driver "broken" could not be loaded: cannot find module "some-missing-sdk"\.? Reinstall or remove the plugin: "berth plugins install berth-driver-broken" or "berth plugins uninstall berth-driver-broken"\.\n$/)
    const help = await berth(['create', '-d', 'broken', '--help'])
    expect(help.code).toBe(1)
    expect(help.stderr).toBe(create.stderr)
    // create --help lists it all the same, saying it cannot be loaded.
    const plain = await berth(['create', '--help'])
    expect({code: plain.code, stderr: plain.stderr}).toEqual({code: 0, stderr: ''})
    expect(plain.stdout).toMatch(/^ {2}broken +cannot be loaded \(Driver "broken" could not be loaded: /m)
    expect(await snapshotTree(sandbox.dir)).toEqual(before)

    expect((await berth(['plugins', 'uninstall', 'berth-driver-broken'])).code).toBe(0)
    expect((await berth(['drivers'])).stdout).not.toContain('broken')
  })

  it('never lets a plugin replace the built-in none driver', async () => {
    const linked = await berth(['plugins', 'link', join(fixtures, 'berth-driver-shadow'), '--no-install'])
    expect(linked.code).toBe(0)

    const rows = JSON.parse((await berth(['drivers', '--json'])).stdout) as DriverRow[]
    expect(rows.filter((row) => row.name === 'none')).toEqual([
      {name: 'none', source: 'built-in', health: {installed: true, healthy: true}},
      {
        name: 'none',
        source: 'plugin berth-driver-shadow@0.1.0',
        health: {
          installed: true,
          healthy: false,
          problem: 'ignored: the driver "none" is already provided by berth itself (built-in), which is used instead.',
          fix: 'Uninstall the plugin with "berth plugins uninstall berth-driver-shadow".',
        },
      },
    ])
    expect((await berth(['drivers'])).stdout).toMatch(/^none\s+plugin berth-driver-shadow@0\.1\.0\s+unhealthy\s+ignored: /m)

    const help = await berth(['create', '-d', 'none', '--help'])
    expect(help.stdout).toMatch(/--url=<value>\s+URL of the engine, tcp:\/\/HOST:PORT/)
    const created = await berth(['create', '-d', 'none', '--url', engine.url, 'm3'])
    expect(created.code).toBe(0)
    expect((await berth(['ls', '--format', '{{.Name}} {{.DriverName}} {{.State}}', '--filter', 'name=m3'])).stdout).toBe('m3 none Running\n')
    expect((await berth(['rm', '-y', 'm3'])).code).toBe(0)
    // The impostor's module was never even imported.
    expect(await log(shadowLog)).toEqual([])

    expect((await berth(['plugins', 'uninstall', 'berth-driver-shadow'])).code).toBe(0)
  })

  it('removes a plugin machine through its driver, with the resources it recorded', async () => {
    const rm = await berth(['rm', '-y', 'p1'])
    expect(rm.code).toBe(0)
    expect(rm.stdout).toBe('Successfully removed p1\n')
    // Run without the token: it comes from what create kept.
    expect((await log(fixtureLog)).at(-1)).toBe('remove p1 fixture-p1 token=set')
    const contexts = await runProcess('docker', ['context', 'ls', '--format', '{{.Name}}'], sandbox.env)
    expect(contexts.stdout.split('\n')).not.toContain('p1')
    expect((await berth(['ls', '-q'])).stdout).toBe('m1\n')
  })

  it('shows a machine whose plugin was uninstalled as an Error row, and the rest keeps working', async () => {
    const p3 = await berth(['create', '-d', 'fixture', '--fixture-url', engine.url, 'p3'])
    expect(p3.code, p3.stderr).toBe(0)
    const uninstalled = await berth(['plugins', 'uninstall', 'berth-driver-fixture'])
    expect(uninstalled.code).toBe(0)
    expect((await berth(['plugins'])).stdout).not.toContain('berth-driver-fixture')

    const ls = await berth(['ls'])
    expect(ls.code).toBe(0)
    expect(ls.stderr).toBe('')
    const lines = ls.stdout.split('\n')
    expect(lines[1]).toMatch(/^m1\s+-\s+none\s+Running\s+tcp:/)
    expect(lines[2]).toMatch(/^p3\s+-\s+not found\s+Error\s+Unknown\s+Unknown driver "fixture"\.$/)
    const drivers = JSON.parse((await berth(['drivers', '--json'])).stdout) as DriverRow[]
    expect(drivers.map((row) => row.name)).toEqual(['amazonec2', 'azure', 'digitalocean', 'generic', 'none', 'qemu', 'virtualbox'])
    const viaEnv = await sandbox.sh('eval "$($BERTH env m1)" && docker version --format "{{.Server.Version}}"')
    expect(viaEnv.code).toBe(0)

    // env needs no driver (berth stored the endpoint): the engine stays usable; the driver's own calls fail clearly.
    const viaStoredEndpoint = await sandbox.sh('eval "$($BERTH env p3)" && docker version --format "{{.Server.Version}}"')
    expect(viaStoredEndpoint.code).toBe(0)
    const status = await berth(['status', 'p3'])
    expect(status.code).toBe(1)
    expect(status.stdout).toBe('')
    expect(errorLines(status)).toHaveLength(1)
    expect(status.stderr).toContain('Unknown driver "fixture"')
    const rm = await berth(['rm', '-y', 'p3'])
    expect(rm.code).toBe(1)
    expect(errorLines(rm)[0]).toContain('Unknown driver "fixture".')
    // Forced, the machine is forgotten; what its driver recorded cannot be removed without it, so it stays on record.
    const forced = await berth(['rm', '-f', 'p3'])
    expect(forced.code).toBe(1)
    expect(forced.stdout).toBe('')
    expect(errorLines(forced)).toEqual(['Error: "p3" was forgotten, but its driver could not remove 1 resource (fixture-host fixture-p3): it may still exist and cost money. Remove it with the command above, then run "berth rm --forget-orphans fixture-p3"; "berth ls --orphans" lists them until then.'])
    expect((await berth(['ls', '--orphans'])).stdout).toContain('fixture-p3')
    expect((await berth(['ls', '-q'])).stdout).toBe('m1\n')
    expect((await berth(['rm', '-y', 'm1'])).code).toBe(0)
  })
})

describe('a driver plugin installed from a packed tarball', () => {
  let sandbox: BerthSandbox
  let packDir: string

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    packDir = await mkdtemp(join(tmpdir(), 'berth-plugin-pack-'))
  })

  afterAll(async () => {
    await sandbox?.dispose()
    if (packDir) await rm(packDir, {recursive: true, force: true})
  })

  it('installs with `plugins install file:` (offline) and create uses it', async () => {
    // npm pack of a package without dependencies or scripts needs no network; its cache goes to the sandbox HOME.
    const packed = await runProcess('npm', ['pack', '--silent', '--pack-destination', packDir, join(fixtures, 'berth-driver-fixture')], sandbox.env)
    expect(packed.code).toBe(0)
    const tarball = join(packDir, packed.stdout.trim())
    expect(tarball).toMatch(/berth-driver-fixture-1\.0\.0\.tgz$/)

    const installed = await sandbox.run(['plugins', 'install', `file:${tarball}`])
    expect(installed.stderr).not.toMatch(NOISE)
    expect(installed.code).toBe(0)
    expect((await sandbox.run(['plugins'])).stdout).toMatch(/^berth-driver-fixture 1\.0\.0$/m)
    const rows = JSON.parse((await sandbox.run(['drivers', '--json'])).stdout) as DriverRow[]
    expect(rows).toContainEqual({name: 'fixture', source: 'plugin berth-driver-fixture@1.0.0', health: {installed: true, healthy: true}})

    // No engine here: the machine is registered with a warning, as for the none driver.
    const url = `tcp://127.0.0.1:${await freeLoopbackPort()}`
    const logDir = join(sandbox.dir, 'log')
    const env = {FIXTURE_DRIVER_LOG: join(logDir, 'fixture.log')}
    await mkdir(logDir)
    const created = await sandbox.run(['create', '-d', 'fixture', '--fixture-url', url, 'packed'], {env})
    expect(created.code).toBe(0)
    expect(created.stderr).toContain('Warning: Cannot connect to the Docker engine')
    expect((await sandbox.run(['ls', '--format', '{{.Name}} {{.DriverName}} {{.State}}'])).stdout).toBe('packed fixture Running\n')
    expect((await sandbox.run(['rm', '-y', 'packed'], {env})).code).toBe(0)
    expect((await readFile(env.FIXTURE_DRIVER_LOG, 'utf8')).split('\n').filter(Boolean)).toEqual(['preCreateCheck packed', 'create packed token=unset label=plain', 'remove packed fixture-packed token=unset'])
    expect((await sandbox.run(['plugins', 'uninstall', 'berth-driver-fixture'])).code).toBe(0)
  })
})
