import {hostname} from 'node:os'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, type RunResult} from '../harness/berth.js'
import {dockerViaEnv} from '../harness/docker-via-env.js'
import {useNewerEngine} from '../harness/newer-engine.js'
import {snapshotTree} from '../harness/tree-snapshot.js'
import {TestHostPool, type TestHost} from '../hosts/index.js'

// Servers that already run an engine the user configured: berth keeps what they set, refuses what cannot coexist
// before it changes anything, puts everything back when a step fails (and says so only once it checked), stores
// engine options only once they worked, refuses a second machine on a host, and rm --clean-host restores originals.
// Every case looks at the engine's pid and arguments, the host's files and the store, before and after.

/** What a user would look at to see whether their engine was touched. */
interface EngineState {
  pid: string
  args: string
  /** sha256 of the engine's configuration files and berth's state, by path ("-" for none). */
  files: string
  hostname: string
}

const SYSV_DEFAULTS = '# the admin\'s settings\nDOCKER_OPTS="--dns 10.232.0.53"\n'

const WATCHED = '/etc/docker/daemon.json /etc/default/docker /etc/docker/ca.pem /etc/docker/server.pem /etc/docker/server-key.pem /etc/systemd/system/docker.service.d/10-berth.conf /var/lib/berth/machine.json'

async function engineState(host: TestHost): Promise<EngineState> {
  const script = `pid=$(pidof dockerd); echo "$pid"; tr '\\0' ' ' < /proc/$pid/cmdline; echo
for f in ${WATCHED}; do if [ -e "$f" ]; then sha256sum "$f"; else echo "- $f"; fi; done | tr '\\n' ';'; echo
hostname`
  const [pid = '', args = '', files = '', hostname = ''] = (await host.exec(script)).stdout.split('\n')
  return {pid, args, files, hostname}
}

/** The engine answers on its own socket on the host, as the user's local docker CLI there sees it. */
async function answersOnSocket(host: TestHost): Promise<boolean> {
  return (await host.exec('docker -H unix:///var/run/docker.sock version --format "{{.Server.Version}}"')).code === 0
}

/** The one error line of a refused command (its hint follows on the next line). */
function errorLine(result: RunResult): string {
  return /^Error: .*$/m.exec(result.stderr)?.[0] ?? `(no error line in: ${result.stderr})`
}

describe('servers whose engine the user configured', () => {
  let sandbox: BerthSandbox
  let other: BerthSandbox
  let pool: TestHostPool
  let labelled: TestHost
  let sockets: TestHost
  let sysv: TestHost
  let newer: TestHost

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    other = await BerthSandbox.create()
    pool = new TestHostPool()
    ;[labelled, sockets, sysv, newer] = await Promise.all([
      pool.up('ec-labels', {init: 'systemd', startDocker: true}),
      pool.up('ec-hosts', {init: 'systemd', startDocker: true}),
      pool.up('ec-sysv', {init: 'sysv', startDocker: true}),
      pool.up('ec-newer', {init: 'systemd', startDocker: true}),
    ])
    await useNewerEngine(newer)
    // The user's own settings, in effect before berth comes.
    await writeFile(labelled, '/etc/docker/daemon.json', '{"labels": ["env=prod"], "log-level": "warn"}\n')
    await labelled.exec('systemctl restart docker')
    await writeFile(sockets, '/etc/systemd/system/docker.service.d/hosts.conf', '[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd --containerd=/run/containerd/containerd.sock\n')
    await writeFile(sockets, '/etc/docker/daemon.json', '{"hosts": ["unix:///var/run/docker.sock", "tcp://127.0.0.1:2375"]}\n')
    await sockets.exec('systemctl daemon-reload && systemctl restart docker')
    await writeFile(sysv, '/etc/default/docker', SYSV_DEFAULTS)
    await sysv.exec('service docker stop; service docker start')
    for (const host of [labelled, sockets, sysv, newer]) await waitFor(() => answersOnSocket(host))
    // Stores that have their CA and a machine already, as a user's have.
    for (const box of [sandbox, other]) expect((await box.run(['create', '-d', 'none', '--url', 'tcp://127.0.0.1:9', 'seed'])).code).toBe(0)
  }, 180_000)

  afterAll(async () => {
    await pool?.dispose()
    await sandbox?.dispose()
    await other?.dispose()
  })

  const create = (name: string, host: TestHost, extra: string[] = [], box = sandbox): Promise<RunResult> => box.run([
    'create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', host.privateKeyPath, ...extra, name,
  ])

  it('refuses an option dockerd does not know before changing anything: the engine keeps its pid, the store is as it was', async () => {
    const before = await engineState(labelled)
    const store = await snapshotTree(sandbox.dir)
    for (const opt of ['noequals', 'bogus-flag=1']) {
      const result = await create('ec-bad', labelled, ['--engine-opt', opt])
      expect(result.code).toBe(1)
      expect(errorLine(result)).toMatch(new RegExp(`^Error: Provisioning failed at step "host\\.check" \\(Checking the engine's present configuration\\): The host's engine configuration conflicts with berth's: dockerd on the host \\(Docker version 20\\.10\\.[^)]*\\) has no option --${opt.split('=')[0]}, but berth sets --engine-opt ${opt}\\. Nothing on the host was changed\\. Check the name with "dockerd --help" on the host`))
    }
    expect(await engineState(labelled)).toEqual(before)
    expect(await snapshotTree(sandbox.dir)).toEqual(store)
  })

  it('refuses daemon.json "hosts" and a plain TCP socket, naming both sides, with the engine untouched', async () => {
    const before = await engineState(sockets)
    const result = await create('ec-hosts', sockets)
    expect(result.code).toBe(1)
    expect(errorLine(result)).toContain('/etc/docker/daemon.json sets "hosts": ["unix:///var/run/docker.sock","tcp://127.0.0.1:2375"], but berth sets -H (its sockets) as dockerd flags')
    expect(errorLine(result)).toContain('/etc/systemd/system/docker.service.d/hosts.conf sets ExecStart= after it, but berth sets its own ExecStart= in 10-berth.conf')
    expect(errorLine(result)).toContain('Nothing on the host was changed. (1) Move the dockerd options of /etc/systemd/system/docker.service.d/hosts.conf into /etc/docker/daemon.json')
    expect(errorLine(result)).toContain('(2) Remove "hosts" from /etc/docker/daemon.json')
    expect(await engineState(sockets)).toEqual(before)
    expect(await answersOnSocket(sockets)).toBe(true)
  })

  it('merges its labels into daemon.json\'s, keeps the user\'s other settings and the unit\'s own flags, and docker works over TLS', async () => {
    const result = await create('ec-m1', labelled)
    expect(result.stderr).not.toMatch(/^Error/m)
    expect(result.code).toBe(0)
    const daemonJson = JSON.parse((await labelled.exec('cat /etc/docker/daemon.json')).stdout) as Record<string, unknown>
    expect(daemonJson).toEqual({labels: ['env=prod', 'provider=generic'], 'log-level': 'warn'})
    const info = await dockerViaEnv(sandbox, 'ec-m1', ['info', '--format', '{{json .Labels}}'])
    // dockerd reports its labels in no fixed order.
    expect((JSON.parse(info.stdout) as string[]).sort()).toEqual(['env=prod', 'provider=generic'])
    // The packaged unit's socket activation and containerd stay; berth's TLS port is added.
    const {args} = await engineState(labelled)
    expect(args).toMatch(/^\/usr\/sbin\/dockerd -H fd:\/\/ --containerd=\/run\/containerd\/containerd\.sock -H tcp:\/\/0\.0\.0\.0:2376 --tlsverify /)
    expect(args).not.toContain('--label')
    expect(await answersOnSocket(labelled)).toBe(true)
  }, 240_000)

  it('stores an engine option only once the engine came up with it; a failing one is undone and the engine runs again as before', async () => {
    const before = await engineState(labelled)
    const stored = await snapshotTree(sandbox.storePath)
    // Known to dockerd, refused by it as it starts: the restart fails, berth puts the host back and checks it.
    const failed = await sandbox.run(['provision', '--engine-opt', 'default-ulimit=nofile=bogus', 'ec-m1'])
    expect(failed.code).toBe(1)
    expect(errorLine(failed)).toMatch(/^Error: Provisioning failed at step "engine\.(restart|verify)" \(.*\): .* berth undid its changes on the host: the engine runs again as before with its previous configuration \(pid \d+, Docker 20\.10\.\d+\S* answering on its socket\)\./)
    const after = await engineState(labelled)
    expect({...after, pid: ''}).toEqual({...before, pid: ''})
    expect(await snapshotTree(sandbox.storePath)).toEqual(stored)
    expect((await dockerViaEnv(sandbox, 'ec-m1', ['version', '--format', '{{.Server.Version}}'])).code).toBe(0)

    // A good one is stored once it works, and taken away again by its name.
    const debug = await sandbox.run(['provision', '--engine-opt', 'max-concurrent-downloads=5', 'ec-m1'])
    expect(debug.stderr).not.toMatch(/^Error/m)
    expect((await engineState(labelled)).args).toContain('--max-concurrent-downloads=5')
    expect((await sandbox.run(['inspect', '-f', '{{json .HostOptions.EngineOptions.ArbitraryFlags}}', 'ec-m1'])).stdout).toBe('["max-concurrent-downloads=5"]\n')
    const removed = await sandbox.run(['provision', '--engine-opt-rm', 'max-concurrent-downloads', 'ec-m1'])
    expect(removed.stderr).not.toMatch(/^Error/m)
    expect((await engineState(labelled)).args).not.toContain('max-concurrent-downloads')
    expect((await sandbox.run(['inspect', '-f', '{{json .HostOptions.EngineOptions.ArbitraryFlags}}', 'ec-m1'])).stdout).toBe('[]\n')
    const unknown = await sandbox.run(['provision', '--engine-opt-rm', 'max-concurrent-downloads', 'ec-m1'])
    expect(unknown.code).toBe(1)
    expect(errorLine(unknown)).toMatch(/^Error: --engine-opt-rm max-concurrent-downloads: the machine has no such engine setting\./)
  }, 240_000)

  it('refuses a second machine on a host another machine manages, before renaming it; --force-adopt says what it takes over', async () => {
    const before = await engineState(labelled)
    const store = await snapshotTree(other.dir)
    const second = await create('ec-m2', labelled, [], other)
    expect(second.code).toBe(1)
    expect(errorLine(second)).toBe(`Error: Provisioning failed at step "host.check" (Checking the engine's present configuration): The host's engine is managed by machine "ec-m1" of the berth store ${sandbox.storePath} on ${hostname()}. Nothing on the host was changed. To take the host over for "ec-m2" anyway, run the same command with --force-adopt (the other machine then loses its engine until it is provisioned again).`)
    expect(await engineState(labelled)).toEqual(before)
    expect(await snapshotTree(other.dir)).toEqual(store)
    expect((await dockerViaEnv(sandbox, 'ec-m1', ['version', '--format', '{{.Server.Version}}'])).code).toBe(0)

    const adopted = await create('ec-m2', labelled, ['--force-adopt'], other)
    expect(adopted.stderr).not.toMatch(/^Error/m)
    expect(adopted.stderr).toContain(`Taking the host over from machine "ec-m1" of the berth store ${sandbox.storePath}`)
    expect((await labelled.exec('hostname')).stdout).toBe('ec-m2\n')
    const labels = JSON.parse((await dockerViaEnv(other, 'ec-m2', ['info', '--format', '{{json .Labels}}'])).stdout) as string[]
    expect(labels.sort()).toEqual(['env=prod', 'provider=generic'])
  }, 240_000)

  it('has a Docker 26 engine check the new configuration before it is put in place: a value it refuses leaves the engine running untouched', async () => {
    expect((await newer.exec('docker version --format "{{.Server.Version}}"')).stdout).toMatch(/^26\./)
    const before = await engineState(newer)
    const refused = await create('ec-new', newer, ['--engine-opt', 'default-ulimit=nofile=bogus'])
    expect(refused.code).toBe(1)
    expect(errorLine(refused)).toMatch(/^Error: Provisioning failed at step "engine\.configure" \(Configuring the engine for TLS\): dockerd on the host refuses the new configuration: Status: invalid argument "nofile=bogus" for "--default-ulimit" flag: .* berth undid its changes on the host: its files are as they were, and the engine was not restarted \(pid \d+, Docker 26\.\d+\S* answering on its socket\)\./)
    // Not restarted at all: the same process, the same files, and nothing of berth's left.
    expect(await engineState(newer)).toEqual(before)
    expect((await newer.exec('ls /var/lib/berth 2>&1')).stdout).toMatch(/No such file or directory/)
    const created = await create('ec-new', newer)
    expect(created.stderr).not.toMatch(/^Error/m)
    expect((await dockerViaEnv(sandbox, 'ec-new', ['version', '--format', '{{.Server.Version}}'])).stdout).toMatch(/^26\./)
  }, 240_000)

  it('keeps the admin\'s DOCKER_OPTS on a sysvinit server, and rm --clean-host puts every file back as it was', async () => {
    const before = await engineState(sysv)
    const original = (await sysv.exec('sha256sum /etc/default/docker; hostname')).stdout
    const created = await create('ec-sysv', sysv)
    expect(created.stderr).not.toMatch(/^Error/m)
    const running = await engineState(sysv)
    expect(running.args, running.args).toMatch(/ --dns 10\.232\.0\.53 -H unix:\/\/\/var\/run\/docker\.sock -H tcp:\/\/0\.0\.0\.0:2376 --tlsverify /)
    expect((await sysv.exec('head -n 2 /etc/default/docker')).stdout).toBe(SYSV_DEFAULTS)

    const removed = await sandbox.run(['rm', '-y', '--clean-host', 'ec-sysv'])
    expect(removed.stderr).not.toMatch(/^Error/m)
    expect((await sysv.exec('sha256sum /etc/default/docker; hostname')).stdout).toBe(original)
    const after = await engineState(sysv)
    expect({...after, pid: ''}).toEqual({...before, pid: ''})
    expect((await sysv.exec('ls -A /var/lib/berth 2>&1; ls /etc/docker')).stdout).toMatch(/No such file or directory/)
    expect(await answersOnSocket(sysv)).toBe(true)
  }, 240_000)
})

async function writeFile(host: TestHost, path: string, content: string): Promise<void> {
  const written = await host.exec(`mkdir -p "$(dirname '${path}')" && cat > '${path}'`, {input: content})
  expect(written.code, written.stderr).toBe(0)
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}
