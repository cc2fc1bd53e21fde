import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {daemonJsonKey, parseDockerdArgs, parseDockerdHelp} from '../../../src/core/provision/dockerd-options.js'
import {INIT_SYSTEMS, type InitSystem} from '../../../src/core/provision/init-systems.js'
import {EngineConflictError, planEngineConfig, type EnginePlan} from '../../../src/core/provision/engine-plan.js'
import {interpretEngine} from '../../../src/core/provision/engine-present.js'
import type {PresentEngineConfig} from '../../../src/core/provision/host-facts.js'
import {execStartWords, parseEnvironmentFile, parseSystemctlCat, serviceStart} from '../../../src/core/provision/systemd-unit.js'
import type {EngineOptions} from '../../../src/core/store/schema.js'

/** `dockerd --help` of Debian 12's docker.io 20.10.24. */
const HELP = readFileSync(new URL('../../fixtures/dockerd/help-20.10.txt', import.meta.url), 'utf8')
const OPTIONS = parseDockerdHelp(HELP)

/** docker.service as Debian 12 packages it, with a test host's limits drop-in, as `systemctl cat` prints them. */
const DEBIAN_UNIT = `# /lib/systemd/system/docker.service
[Unit]
Description=Docker Application Container Engine
Requires=docker.socket

[Service]
Type=notify
EnvironmentFile=-/etc/default/docker
ExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS
ExecReload=/bin/kill -s HUP $MAINPID

# /etc/systemd/system/docker.service.d/00-limits.conf
[Service]
LimitNOFILE=20000
`

function engine(overrides: Partial<EngineOptions> = {}): EngineOptions {
  return {installUrl: 'https://get.docker.com', port: 2376, opts: [], env: [], labels: ['provider=generic'], insecureRegistries: [], registryMirrors: [], ...overrides}
}

function present(overrides: Partial<PresentEngineConfig> = {}): PresentEngineConfig {
  return {daemonJson: {path: '/etc/docker/daemon.json'}, texts: new Map(), dockerOpts: new Map(), dockerd: {version: 'Docker version 20.10.24+dfsg1', options: HELP}, unit: DEBIAN_UNIT, ...overrides}
}

function plan(config: PresentEngineConfig, options: EngineOptions = engine(), extra: {init?: InitSystem; previousAdditions?: Record<string, string[]>; berthConfigured?: boolean} = {}): Promise<EnginePlan> {
  const init = extra.init ?? 'systemd'
  return planEngineConfig({
    init, dockerdPath: '/usr/sbin/dockerd', engine: options, present: interpretEngine(config, init),
    previousAdditions: extra.previousAdditions ?? {}, berthConfigured: extra.berthConfigured ?? false,
  })
}

async function conflicts(config: PresentEngineConfig, options: EngineOptions = engine(), extra: Parameters<typeof plan>[2] = {}): Promise<EngineConflictError> {
  const error = await plan(config, options, extra).then(() => undefined, (caught: unknown) => caught)
  expect(error).toBeInstanceOf(EngineConflictError)
  return error as EngineConflictError
}

const dropIn = (result: EnginePlan): string => result.files.find((file) => file.path === INIT_SYSTEMS.systemd.configPath)!.content
const daemonJson = (result: EnginePlan): unknown => JSON.parse(result.files.find((file) => file.path === '/etc/docker/daemon.json')?.content ?? 'null')

describe('dockerd\'s options', () => {
  it('reads the option table of dockerd --help: names, short names, values, lists', () => {
    expect(OPTIONS.get('host')).toEqual({long: 'host', short: 'H', takesValue: true, repeatable: true})
    expect(OPTIONS.get('H')).toBe(OPTIONS.get('host'))
    expect(OPTIONS.get('label')).toMatchObject({takesValue: true, repeatable: true})
    expect(OPTIONS.get('log-opt')).toMatchObject({takesValue: true, repeatable: true})
    expect(OPTIONS.get('default-ulimit')).toMatchObject({takesValue: true, repeatable: true})
    expect(OPTIONS.get('log-level')).toEqual({long: 'log-level', short: 'l', takesValue: true, repeatable: false})
    expect(OPTIONS.get('tlsverify')).toEqual({long: 'tlsverify', takesValue: false, repeatable: false})
    expect(OPTIONS.get('debug')).toMatchObject({short: 'D', takesValue: false})
    expect(OPTIONS.has('validate')).toBe(false)
    expect(OPTIONS.has('noequals')).toBe(false)
  })

  it('reads command lines in every form dockerd takes', () => {
    const args = parseDockerdArgs(['-H', 'fd://', '--containerd=/run/c.sock', '-Htcp://0.0.0.0:2375', '--debug', '--log-level', 'warn', '-s', 'overlay2', '--bogus', 'stray'], OPTIONS)
    expect(args.map(({name, value, known}) => [name, value, known])).toEqual([
      ['host', 'fd://', true], ['containerd', '/run/c.sock', true], ['host', 'tcp://0.0.0.0:2375', true], ['debug', undefined, true],
      ['log-level', 'warn', true], ['storage-driver', 'overlay2', true], ['bogus', undefined, false], ['stray', undefined, false],
    ])
  })

  it('names daemon.json keys as dockerd does, plural for the lists', () => {
    expect(['label', 'host', 'insecure-registry', 'registry-mirror', 'log-opt', 'log-level', 'storage-driver'].map(daemonJsonKey))
      .toEqual(['labels', 'hosts', 'insecure-registries', 'registry-mirrors', 'log-opts', 'log-level', 'storage-driver'])
  })
})

describe('docker.service as systemd reads it', () => {
  it('finds the ExecStart= berth builds on, its environment files, and drop-ins that would override berth\'s', () => {
    const files = parseSystemctlCat(`${DEBIAN_UNIT}
# /etc/systemd/system/docker.service.d/10-berth.conf
[Service]
ExecStart=
ExecStart=/usr/sbin/dockerd -H tcp://0.0.0.0:2376

# /etc/systemd/system/docker.service.d/override.conf
[Service]
ExecStart=
ExecStart=/usr/sbin/dockerd -H fd:// \\
  --log-level warn
`)
    const start = serviceStart(files, INIT_SYSTEMS.systemd.configPath)
    expect(start.execStart).toBe('/usr/sbin/dockerd -H fd://    --log-level warn')
    expect(start.overriding).toEqual(['/etc/systemd/system/docker.service.d/override.conf'])
    expect(start.environmentFiles).toEqual(['-/etc/default/docker'])
  })

  it('expands $VAR into words and ${VAR} into one, as systemd does on a command line', () => {
    const environment = new Map([['DOCKER_OPTS', '--dns 10.0.0.53  --debug'], ['ROOT', '/srv/my docker']])
    expect(execStartWords('-/usr/sbin/dockerd -H fd:// $DOCKER_OPTS --data-root=${ROOT} "--label=a b" cost=$$5', environment))
      .toEqual(['/usr/sbin/dockerd', '-H', 'fd://', '--dns', '10.0.0.53', '--debug', '--data-root=/srv/my docker', '--label=a b', 'cost=$5'])
  })

  it('reads an environment file: assignments, quotes, comments', () => {
    expect(parseEnvironmentFile('# comment\nDOCKER_OPTS="--dns 10.0.0.53"\n; other\nexport TZ=\'UTC\'\nNOT A LINE\nEMPTY=\n')).toEqual([['DOCKER_OPTS', '--dns 10.0.0.53'], ['TZ', 'UTC'], ['EMPTY', '']])
  })
})

describe('planEngineConfig', () => {
  it('on a packaged engine: keeps the unit\'s ExecStart= (socket activation, containerd, $DOCKER_OPTS) and adds TLS on the port', async () => {
    const result = await plan(present())
    expect(result.files.map((file) => file.path)).toEqual([INIT_SYSTEMS.systemd.configPath])
    expect(dropIn(result)).toContain('ExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS -H tcp://0.0.0.0:2376 --tlsverify ')
    // docker.socket serves the unix socket: berth does not bind it a second time.
    expect(dropIn(result)).not.toContain('unix:///var/run/docker.sock')
    expect(result.args).toEqual(['-H', 'fd://', '--containerd=/run/containerd/containerd.sock', '-H', 'tcp://0.0.0.0:2376', '--tlsverify', '--tlscacert', '/etc/docker/ca.pem', '--tlscert', '/etc/docker/server.pem', '--tlskey', '/etc/docker/server-key.pem', '--label', 'provider=generic'])
  })

  it('without a unit: dockerd with the unix socket and everything of berth\'s', async () => {
    const result = await plan(present({unit: ''}))
    expect(dropIn(result)).toContain('ExecStart=/usr/sbin/dockerd -H unix:///var/run/docker.sock -H tcp://0.0.0.0:2376 --tlsverify')
  })

  it('keeps the user\'s DOCKER_OPTS on a sysvinit host, after which berth\'s part follows', async () => {
    const text = '# mine\nDOCKER_OPTS="--dns 10.0.0.53"\n'
    const result = await plan(present({unit: undefined, texts: new Map([['/etc/default/docker', text]]), dockerOpts: new Map([['/etc/default/docker', '--dns 10.0.0.53']])}), engine(), {init: 'sysvinit'})
    const file = result.files[0]!
    expect(file.path).toBe('/etc/default/docker')
    expect(file.content.startsWith(`${text}# >>> berth: `)).toBe(true)
    expect(result.args.slice(0, 4)).toEqual(['--dns', '10.0.0.53', '-H', 'unix:///var/run/docker.sock'])
  })

  it('merges berth\'s labels, registries and mirrors into daemon.json\'s lists instead of passing flags dockerd would refuse', async () => {
    const json = {labels: ['env=prod'], 'registry-mirrors': ['https://mirror.example.com'], debug: true}
    const result = await plan(present({daemonJson: {path: '/etc/docker/daemon.json', text: JSON.stringify(json)}}), engine({labels: ['provider=generic', 'env=prod'], registryMirrors: ['https://other.example.com'], insecureRegistries: ['10.0.0.5:5000']}))
    expect(daemonJson(result)).toEqual({labels: ['env=prod', 'provider=generic'], 'registry-mirrors': ['https://mirror.example.com', 'https://other.example.com'], debug: true})
    expect(result.additions).toEqual({labels: ['provider=generic'], 'registry-mirrors': ['https://other.example.com']})
    expect(dropIn(result)).not.toContain('--label')
    expect(dropIn(result)).not.toContain('--registry-mirror')
    // daemon.json has no insecure-registries: that one stays a flag.
    expect(dropIn(result)).toContain('--insecure-registry 10.0.0.5:5000')
  })

  it('takes out what it added before, so a label berth no longer wants leaves daemon.json', async () => {
    const text = JSON.stringify({labels: ['env=prod', 'provider=generic', 'team=web']})
    const result = await plan(present({daemonJson: {path: '/etc/docker/daemon.json', text}}), engine({labels: ['provider=generic']}), {previousAdditions: {labels: ['provider=generic', 'team=web']}})
    expect(daemonJson(result)).toEqual({labels: ['env=prod', 'provider=generic']})
    // Unchanged when berth wants the same again: nothing to write.
    const again = await plan(present({daemonJson: {path: '/etc/docker/daemon.json', text: JSON.stringify({labels: ['env=prod', 'provider=generic']})}}), engine(), {previousAdditions: {labels: ['provider=generic']}})
    expect(again.files.map((file) => file.path)).toEqual([INIT_SYSTEMS.systemd.configPath])
  })

  it.each([
    ['daemon.json "hosts"', present({daemonJson: {path: '/etc/docker/daemon.json', text: '{"hosts": ["tcp://0.0.0.0:2375"]}'}}), engine(), /\/etc\/docker\/daemon\.json sets "hosts": \["tcp:\/\/0\.0\.0\.0:2375"\], but berth sets -H/],
    ['daemon.json "tlsverify"', present({daemonJson: {path: '/etc/docker/daemon.json', text: '{"tlsverify": true}'}}), engine(), /sets "tlsverify": true, but berth sets --tlsverify/],
    ['a plain TCP socket in DOCKER_OPTS', present({texts: new Map([['/etc/default/docker', 'DOCKER_OPTS="-H tcp://0.0.0.0:2375"']])}), engine(), /the ExecStart= of docker\.service gives -H tcp:\/\/0\.0\.0\.0:2375, but berth sets -H tcp:\/\/0\.0\.0\.0:PORT with TLS/],
    ['an option dockerd does not know', present(), engine({opts: ['noequals']}), /dockerd on the host \(Docker version 20\.10\.24\+dfsg1\) has no option --noequals, but berth sets --engine-opt noequals/],
    ['an option without its value', present(), engine({opts: ['log-level']}), /dockerd's option --log-level needs a value/],
    ['an option berth owns', present(), engine({opts: ['tlscert=/x.pem']}), /berth sets --tlscert itself/],
    ['another log level in daemon.json', present({daemonJson: {path: '/etc/docker/daemon.json', text: '{"log-level": "warn"}'}}), engine({opts: ['log-level=debug']}), /sets "log-level": "warn", but berth sets --engine-opt log-level=debug/],
    ['another storage driver in the service', present({texts: new Map([['/etc/default/docker', 'DOCKER_OPTS="-s vfs"']])}), engine({storageDriver: 'overlay2'}), /gives --storage-driver vfs, but berth sets --engine-storage-driver overlay2/],
    ['a label key with another value', present({daemonJson: {path: '/etc/docker/daemon.json', text: '{"labels": ["provider=manual"]}'}}), engine(), /sets the label provider=manual, but berth sets the label provider=generic/],
    ['a list berth merges into that is not a list', present({daemonJson: {path: '/etc/docker/daemon.json', text: '{"labels": "env=prod"}'}}), engine(), /"labels" to "env=prod", which is not a list of strings/],
    ['daemon.json that is not JSON', present({daemonJson: {path: '/etc/docker/daemon.json', text: '{labels: [}'}}), engine(), /\/etc\/docker\/daemon\.json cannot be read: it is not valid JSON/],
    ['a drop-in after berth\'s that sets ExecStart=', present({unit: `${DEBIAN_UNIT}\n# /etc/systemd/system/docker.service.d/override.conf\n[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd://\n`}), engine(), /\/etc\/systemd\/system\/docker\.service\.d\/override\.conf sets ExecStart= after it/],
  ])('refuses %s, naming both sides, before anything changes', async (_what, config, options, message) => {
    const error = await conflicts(config, options)
    expect(error.message).toMatch(message)
    expect(error.message).toMatch(/Nothing on the host was changed\.$/)
    expect(error.message).not.toContain('\n')
    expect(error.hint).toBeTruthy()
  })

  it('sets what the host already sets the same way only once (dockerd refuses an option from flag and file, even equal)', async () => {
    const result = await plan(present({daemonJson: {path: '/etc/docker/daemon.json', text: '{"log-level": "debug", "storage-driver": "overlay2"}'}}), engine({opts: ['log-level=debug'], storageDriver: 'overlay2'}))
    expect(dropIn(result)).not.toContain('--log-level')
    expect(dropIn(result)).not.toContain('--storage-driver')
  })

  it('refuses a dockerd started by hand on a plain TCP socket its service does not give (a restart would drop it)', async () => {
    const running = {pid: 4242, args: ['-H', 'fd://', '--containerd=/run/containerd/containerd.sock', '-H', 'tcp://0.0.0.0:2375']}
    const error = await conflicts(present({running}))
    expect(error.message).toContain('the running dockerd (pid 4242) was started with -H tcp://0.0.0.0:2375, which its service does not give')
    // berth's own earlier configuration is not a conflict with itself.
    await expect(plan(present({running}), engine(), {berthConfigured: true})).resolves.toBeDefined()
  })
})

describe('taking over a host Docker Machine set up', () => {
  const machineArgs = '-H tcp://0.0.0.0:2376 -H unix:///var/run/docker.sock --storage-driver overlay2 --tlsverify --tlscacert /etc/docker/ca.pem --tlscert /etc/docker/server.pem --tlskey /etc/docker/server-key.pem --label team=web --label provider=generic --log-level=warn'
  const running = {pid: 812, args: machineArgs.split(' ')}
  const systemd = present({unit: `${DEBIAN_UNIT}\n# /etc/systemd/system/docker.service.d/10-machine.conf\n[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd ${machineArgs} \nEnvironment=\n`, running})
  const dockerOpts = `DOCKER_OPTS='\n${machineArgs.split(' -').join('\n-')}\n'\nexport DOCKER_TMPDIR=/var/tmp\n`
  const sysvinit = present({texts: new Map([['/etc/default/docker', dockerOpts]]), dockerOpts: new Map([['/etc/default/docker', machineArgs]]), running})
  const takeOver = (config: PresentEngineConfig, init: InitSystem): Promise<EnginePlan> => planEngineConfig({
    init, dockerdPath: '/usr/sbin/dockerd', engine: engine({labels: ['team=web', 'provider=generic'], opts: ['log-level=warn']}), present: interpretEngine(config, init, true),
    previousAdditions: {}, berthConfigured: true,
  })

  it('is a conflict for a machine berth did not import: Docker Machine\'s drop-in and flags are named', async () => {
    const error = await conflicts(systemd)
    expect(error.message).toContain('/etc/systemd/system/docker.service.d/10-machine.conf sets ExecStart= after it')
    expect(error.message).toContain('gives -H tcp://0.0.0.0:2376')
  })

  it('systemd: berth\'s drop-in builds on the packaged ExecStart, leaving out Docker Machine\'s', async () => {
    const content = dropIn(await takeOver(systemd, 'systemd'))
    expect(content).toContain('ExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS')
    expect(content).not.toContain('overlay2')
  })

  it('sysvinit: DOCKER_OPTS that Docker Machine wrote (over several lines) goes, the rest of the file stays', async () => {
    const result = await takeOver(sysvinit, 'sysvinit')
    const file = result.files.find((planned) => planned.path === '/etc/default/docker')!.content
    expect(file).toContain('export DOCKER_TMPDIR=/var/tmp')
    expect(file).not.toContain('/etc/docker/ca.pem\n-')
    expect(file).not.toContain('overlay2')
  })
})
