import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, type RunResult} from '../harness/berth.js'
import {busyboxTarball} from '../harness/busybox-image.js'
import {dockerViaEnv} from '../harness/docker-via-env.js'
import {newerEnginePackage, startPackageRepository, type EnginePackage} from '../harness/engine-package.js'
import {InstallServer} from '../harness/install-server.js'
import {snapshotTree} from '../harness/tree-snapshot.js'
import {TestHostPool, type TestHost} from '../hosts/index.js'

// berth upgrade on a real systemd host: it finds out first whether anything is newer, asks before a restart, and
// restarts the engine only when its binary changed. The host has no route out, so its Debian sources cannot be
// reached; a newer engine comes from a local apt repository served on the host's gateway (this machine's docker.io
// rebuilt at a higher version). Every case checks the exit code, the one error line, the store and the host.

const errorLines = (result: RunResult): string[] => `${result.stdout}\n${result.stderr}`.split(/\r?\n/).filter((line) => line.startsWith('Error'))

// An upgrade downloads and installs a 50 MB package and restarts an engine: minutes on a loaded machine.
describe('berth upgrade does no harm', {timeout: 240_000}, () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let host: TestHost
  let engine: EnginePackage
  let repository: Awaited<ReturnType<typeof startPackageRepository>>
  let scripts: InstallServer
  const timings: string[] = []

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    const started = Date.now()
    const [up, built, image] = await Promise.all([pool.up('upg1', {init: 'systemd'}), newerEnginePackage(), busyboxTarball()])
    host = up
    engine = built
    timings.push(`host, package (${built.built ? 'built' : 'cached'}) and image: ${((Date.now() - started) / 1000).toFixed(1)} s`)
    repository = await startPackageRepository(host.gateway, engine)
    scripts = await InstallServer.start(host.gateway, {
      '/install.sh': {text: '#!/bin/sh\nset -e\nmkdir -p /var/lib/berth-test\necho run >> /var/lib/berth-test/install-script-runs\n'},
    })
    const created = await sandbox.run(['create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', host.privateKeyPath, 'u1'])
    expect(created.stderr).not.toMatch(/^Error/m)
    expect(created.code).toBe(0)
    expect((await dockerViaEnv(sandbox, 'u1', ['import', '-c', 'CMD ["/bin/sh"]', image.path, 'busybox:local'])).code).toBe(0)
    await image.remove()
    // One container the engine starts again after a restart, one it does not; both stop within a second.
    for (const [name, policy] of [['keeps', 'always'], ['plain', 'no']] as const) {
      const ran = await dockerViaEnv(sandbox, 'u1', ['run', '-d', '--name', name, '--restart', policy, '--stop-timeout', '1', 'busybox:local', '/bin/busybox', 'sleep', '86400'])
      expect(ran.stderr).toBe('')
    }
  })

  afterAll(async () => {
    console.log(`upgrade faults: ${timings.join('; ')}`)
    await repository?.server.close()
    await scripts?.close()
    await pool?.dispose()
    await sandbox?.dispose()
  })

  /** What must not change when berth refuses or finds nothing to do: the engine's process, its package, the containers. */
  async function hostState(): Promise<{pid: string; version: string; starts: number; containers: string}> {
    const state = await host.exec([
      'pidof dockerd',
      `dpkg-query -W -f='\${Version}\\n' docker.io`,
      'journalctl -u docker.service -o cat | grep -c "^Started docker.service" || true',
      'docker inspect -f "{{.Name}} {{.State.Status}} {{.State.StartedAt}}" keeps plain | tr "\\n" " "',
    ].join('; '))
    const [pid = '', version = '', starts = '0', containers = ''] = state.stdout.split('\n')
    return {pid, version, starts: Number(starts), containers}
  }

  async function containerStates(): Promise<Record<string, string>> {
    const listed = await host.exec('docker ps -a --format "{{.Names}} {{.State}}"')
    return Object.fromEntries(listed.stdout.trim().split('\n').map((line) => line.split(' ') as [string, string]))
  }

  async function timed(what: string, work: () => Promise<RunResult>): Promise<RunResult> {
    const started = Date.now()
    const result = await work()
    timings.push(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`)
    return result
  }

  it('the host\'s package sources cannot be reached: exit 1 quoting apt, nothing restarted, even with -y', async () => {
    const [store, before] = [await snapshotTree(sandbox.storePath), await hostState()]
    const result = await timed('unreachable sources', () => sandbox.run(['upgrade', '-y', 'u1']))
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(errorLines(result)).toEqual([
      expect.stringMatching(/^Error: The package sources of "u1" could not be refreshed \(apt-get update\): W: Failed to fetch http:\/\/deb\.debian\.org\/\S+ +Temporary failure resolving 'deb\.debian\.org'\. berth cannot tell whether a newer engine exists, so it changed nothing\. Fix the host's package sources \(\/etc\/apt\/sources\.list and \/etc\/apt\/sources\.list\.d\/\) or its network, then run "berth upgrade u1" again\.$/),
    ])
    expect(result.stderr).toContain('Refreshing the package index of "u1" (apt-get update): failed')
    expect(result.stderr).not.toMatch(/\[y\/N\]|Upgrading |Restarting /)
    expect(await hostState()).toEqual(before)
    expect(await containerStates()).toEqual({keeps: 'running', plain: 'running'})
    expect(await snapshotTree(sandbox.storePath)).toEqual(store)
  })

  describe('with a local repository that offers a newer docker.io', () => {
    beforeAll(async () => {
      const written = await host.exec(`mkdir -p /root/apt-sources-off && mv /etc/apt/sources.list.d/debian.sources /root/apt-sources-off/ && echo '${repository.sourcesLine}' > /etc/apt/sources.list.d/berth-test.list`)
      expect(written.stderr).toBe('')
    })

    const question = (): string => `Upgrade Docker ${engine.installedEngine} → ${engine.engine} on "u1" and restart the engine? [y/N]`

    it('the answer n leaves everything as it was', async () => {
      const [store, before] = [await snapshotTree(sandbox.storePath), await hostState()]
      const result = await timed('declined', () => sandbox.runInTerminal(['upgrade', 'u1'], 'n\n'))
      expect(result.code).toBe(1)
      expect(result.stdout).toContain(`Newer packages on "u1" (apt): docker.io ${engine.installedVersion} → ${engine.version}.`)
      expect(result.stdout).toMatch(/2 running containers stop when the engine restarts:\r?\n {2}NAME +IMAGE +RESTART POLICY +AFTER THE RESTART\r?\n/)
      expect(result.stdout).toMatch(/ {2}keeps +busybox:local +always +starts again\r?\n/)
      expect(result.stdout).toMatch(/ {2}plain +busybox:local +no +stays stopped\r?\n/)
      expect(result.stdout).toContain(question())
      expect(errorLines(result)).toEqual(['Error: Nothing was changed on "u1". Answer "y" to upgrade, or pass -y.'])
      expect(await hostState()).toEqual(before)
      expect(before.version).toBe(engine.installedVersion)
      expect(await snapshotTree(sandbox.storePath)).toEqual(store)
    })

    it('without a terminal and without -y it refuses in one line, before changing anything', async () => {
      const [store, before] = [await snapshotTree(sandbox.storePath), await hostState()]
      const result = await timed('no terminal', () => sandbox.run(['upgrade', 'u1']))
      expect(result.code).toBe(1)
      expect(result.stdout).toBe('')
      expect(errorLines(result)).toEqual([
        `Error: Upgrading Docker ${engine.installedEngine} → ${engine.engine} on "u1" restarts its engine, and there is no terminal to ask whether to go on; nothing was changed. Pass -y to upgrade "u1" without asking.`,
      ])
      expect(result.stderr).not.toContain('[y/N]')
      expect(await hostState()).toEqual(before)
      expect(await snapshotTree(sandbox.storePath)).toEqual(store)
    })

    it('-y upgrades, restarts the engine once, and says which container did not come back', async () => {
      const before = await hostState()
      const result = await timed('upgrade -y', () => sandbox.run(['upgrade', '-y', 'u1']))
      expect(result.stderr).not.toMatch(/^Error/m)
      expect(result.code).toBe(0)
      expect(result.stdout).toBe('')
      expect(result.stderr).not.toContain('[y/N]')
      expect(result.stderr).toContain('Upgrading docker.io on "u1" with apt: done')
      expect(result.stderr).toContain('Restarting the engine of "u1" to run its new binary: done')
      expect(result.stderr).toContain(`Machine "u1" runs Docker ${engine.engine} (upgraded from ${engine.installedEngine}).`)
      expect(result.stderr).toContain('Warning: A container that ran before the restart does not run now: plain (busybox:local). Start it with "docker start NAME" if it should run.')
      const after = await hostState()
      expect(after.version).toBe(engine.version)
      expect(after.pid).not.toBe(before.pid)
      expect(after.starts).toBe(before.starts + 1)
      expect(await containerStates()).toEqual({keeps: 'running', plain: 'exited'})
      const version = await dockerViaEnv(sandbox, 'u1', ['version', '--format', '{{.Server.Version}}'])
      expect(version.stdout.trim()).toBe(engine.engine)
    })

    it('with nothing newer it says so and exits 0, without a question or a restart, also without a terminal', async () => {
      const [store, before] = [await snapshotTree(sandbox.storePath), await hostState()]
      const result = await timed('nothing newer', () => sandbox.run(['upgrade', 'u1']))
      expect(result.stderr).not.toMatch(/^Error/m)
      expect(result.code).toBe(0)
      expect(result.stdout).toBe('')
      expect(result.stderr).toContain(`Docker ${engine.engine} on "u1" is the newest the host's package sources offer.`)
      expect(result.stderr).not.toMatch(/\[y\/N\]|Upgrading |Restarting |Checking the engine/)
      expect(await hostState()).toEqual(before)
      expect(await snapshotTree(sandbox.storePath)).toEqual(store)
    })

    it('an engine binary replaced behind berth\'s back: nothing newer, but after asking the engine restarts once to run it', async () => {
      // What an unattended upgrade of docker.io leaves: the file replaced (here by a copy with one more byte at its
      // end, which the loader ignores), the engine still running the one it was started from.
      const replaced = await host.exec('cp -p /usr/sbin/dockerd /usr/sbin/dockerd.new && printf "\\n" >> /usr/sbin/dockerd.new && mv /usr/sbin/dockerd.new /usr/sbin/dockerd')
      expect(replaced.stderr).toBe('')
      const [store, before] = [await snapshotTree(sandbox.storePath), await hostState()]
      const refused = await sandbox.run(['upgrade', 'u1'])
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain(`Nothing newer is offered, but the engine on "u1" still runs the dockerd it was started from (Docker ${engine.engine}), which has been replaced since`)
      expect(errorLines(refused)).toEqual([
        `Error: Restarting the engine on "u1" to run the installed Docker ${engine.engine}, and there is no terminal to ask whether to go on; nothing was changed. Pass -y to upgrade "u1" without asking.`,
      ])
      expect(await hostState()).toEqual(before)
      expect(await snapshotTree(sandbox.storePath)).toEqual(store)

      const restarted = await timed('restart a replaced binary', () => sandbox.run(['upgrade', '-y', 'u1']))
      expect(restarted.stderr).not.toMatch(/^Error/m)
      expect(restarted.code).toBe(0)
      expect(restarted.stderr).not.toContain('Upgrading ')
      expect(restarted.stderr).toContain('Restarting the engine of "u1" to run its new binary: done')
      expect(restarted.stderr).toContain(`Machine "u1" runs Docker ${engine.engine}.`)
      const after = await hostState()
      expect(after.pid).not.toBe(before.pid)
      expect(after.starts).toBe(before.starts + 1)
      expect(after.version).toBe(before.version)
      expect(await containerStates()).toEqual({keeps: 'running', plain: 'exited'})
    })
  })

  describe('a machine with its own install script', () => {
    const runs = async (): Promise<string> => (await host.exec('cat /var/lib/berth-test/install-script-runs 2>/dev/null')).stdout

    beforeAll(async () => {
      const stored = await sandbox.run(['provision', '--engine-install-url', scripts.url('/install.sh'), 'u1'])
      expect(stored.stderr).not.toMatch(/^Error/m)
    })

    it('is not run without a terminal and without -y, and berth says why it cannot tell what is newer', async () => {
      const [store, before] = [await snapshotTree(sandbox.storePath), await hostState()]
      const result = await sandbox.run(['upgrade', 'u1'])
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`berth cannot tell whether ${scripts.url('/install.sh')} installs a newer engine than Docker ${engine.engine} on "u1": what an install script installs is only known once it ran`)
      expect(errorLines(result)).toEqual([
        'Error: Running the install script on "u1" may restart its engine, and there is no terminal to ask whether to go on; nothing was changed. Pass -y to upgrade "u1" without asking.',
      ])
      expect(await runs()).toBe('')
      expect(scripts.requests).not.toContain('/install.sh')
      expect(await hostState()).toEqual(before)
      expect(await snapshotTree(sandbox.storePath)).toEqual(store)
    })

    it('runs with -y; a script that leaves the engine as it was restarts nothing', async () => {
      const before = await hostState()
      const result = await sandbox.run(['upgrade', '-y', 'u1'])
      expect(result.stderr).not.toMatch(/^Error/m)
      expect(result.code).toBe(0)
      expect(result.stderr).toContain(`Running the install script ${scripts.url('/install.sh')} on "u1": done`)
      expect(result.stderr).toContain(`The install script left Docker ${engine.engine} on "u1" as it was; the engine was not restarted.`)
      expect(await runs()).toBe('run\n')
      expect(await hostState()).toEqual(before)
    })

    it('a script that fails is named in one line, and the engine is left running', async () => {
      expect((await sandbox.run(['provision', '--engine-install-url', scripts.url('/missing.sh'), 'u1'])).code).toBe(0)
      const [store, before] = [await snapshotTree(sandbox.storePath), await hostState()]
      const result = await sandbox.run(['upgrade', '-y', 'u1'])
      expect(result.code).toBe(1)
      expect(errorLines(result)).toEqual([
        `Error: Upgrading "u1" failed at step "engine.upgrade" (Running the install script ${scripts.url('/missing.sh')} on "u1"): exit 22: curl: (22) The requested URL returned error: 404. ` +
          `Check that ${scripts.url('/missing.sh')} serves an install script that works on this host; change it with "berth provision --engine-install-url URL u1".`,
      ])
      expect(await hostState()).toEqual(before)
      expect(await snapshotTree(sandbox.storePath)).toEqual(store)
    })
  })
})
