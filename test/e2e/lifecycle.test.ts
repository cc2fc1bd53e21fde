import {readFile, rename, writeFile} from 'node:fs/promises'
import {connect} from 'node:net'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, repoRoot, runProcess, type RunResult} from '../harness/berth.js'
import {TestHostPool, type TestHost} from '../hosts/index.js'

// The lifecycle commands on real hosts: the generic driver on a systemd test host (restart = reboot over SSH,
// start/stop/kill refused before anything happens, rm --clean-host; upgrade has test/faults/upgrade.test.ts), and a
// driver plugin whose host really moves to a new address between a stop and a start (test/fixtures/berth-driver-movable).

const errorLines = (result: RunResult): string[] => result.stderr.split('\n').filter((line) => line.startsWith('Error'))

/** Whether something accepts TCP connections at host:port (answers within 3 s). */
function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({host, port, timeout: 3000})
    const finish = (open: boolean): void => {
      socket.destroy()
      resolve(open)
    }
    socket.once('connect', () => finish(true))
    socket.once('error', () => finish(false))
    socket.once('timeout', () => finish(false))
  })
}

async function timed<T>(work: () => Promise<T>): Promise<{result: T; seconds: number}> {
  const start = performance.now()
  const result = await work()
  return {result, seconds: (performance.now() - start) / 1000}
}

describe('start, stop, restart, kill and rm --clean-host with the generic driver', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let host: TestHost

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    host = await pool.up('life1', {init: 'systemd'})
    const created = await sandbox.run(['create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', host.privateKeyPath, 'g'])
    expect(created.stderr).not.toMatch(/^Error/m)
    expect(created.code).toBe(0)
  })

  afterAll(async () => {
    await pool?.dispose()
    await sandbox?.dispose()
  })

  const dockerVersion = () => sandbox.sh('eval "$($BERTH env g)" && docker version --format "{{.Server.Version}}"')

  it('refuses stop, kill and start from the driver\'s capabilities, before anything happens', async () => {
    const boots = host.boots
    for (const operation of ['stop', 'kill', 'start']) {
      const refused = await sandbox.run([operation, 'g'])
      expect(refused.code, operation).toBe(1)
      expect(refused.stdout).toBe('')
      expect(refused.stderr).toBe(`Error: The generic driver cannot ${operation} a machine. "g" can only be restarted by berth.\n`)
    }
    expect(host.boots).toBe(boots)
    expect((await host.exec('systemctl is-active docker')).stdout.trim()).toBe('active')
  })

  it('restart reboots the host over SSH, waits for the new boot and the engine, and docker works after', async () => {
    const boots = host.boots
    const {result: restarted, seconds} = await timed(() => sandbox.run(['restart', 'g']))
    expect(restarted.stderr).not.toMatch(/^Error/m)
    expect(restarted.code).toBe(0)
    expect(restarted.stdout).toBe('')
    expect(restarted.stderr).toContain('Waiting for "g" to reboot: done')
    expect(restarted.stderr).toContain('Machine "g" was restarted.')
    // The address did not change: no hint about new addresses.
    expect(restarted.stderr).not.toContain('may have new IP addresses')
    expect(host.boots).toBe(boots + 1)
    const version = await dockerVersion()
    expect(version.stderr).toBe('')
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+/)
    console.log(`restart of a systemd test host: ${seconds.toFixed(1)} s`)
  })

  it('rm --clean-host takes berth\'s engine configuration off the host: the engine answers on its socket, not on 2376', async () => {
    expect(await portOpen(host.ip, 2376)).toBe(true)
    const removed = await sandbox.run(['rm', '-y', '--clean-host', 'g'])
    expect(removed.stderr).not.toMatch(/^Error/m)
    expect(removed.code).toBe(0)
    expect(removed.stdout).toBe('Successfully removed g\n')
    expect(removed.stderr).toContain('Removing berth\'s engine configuration from "g": done')
    const left = await host.exec('ls /etc/docker /etc/systemd/system/docker.service.d 2>&1; systemctl is-active docker')
    expect(left.stdout).not.toMatch(/\.pem|10-berth\.conf/)
    expect(left.stdout.trim().split('\n').at(-1)).toBe('active')
    expect((await host.exec('docker -H unix:///var/run/docker.sock version --format "{{.Server.Version}}"')).code).toBe(0)
    expect(await portOpen(host.ip, 2376)).toBe(false)
    expect((await sandbox.run(['ls', '-q'])).stdout).toBe('')
  })
})

describe('a host that moves to a new address, through a driver plugin', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let host: TestHost
  let stateFile: string
  let driverLog: string

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    host = await pool.up('move1', {init: 'systemd'})
    stateFile = join(sandbox.dir, 'movable-host.json')
    driverLog = join(sandbox.dir, 'movable.log')
    await setHost({address: host.ip, state: 'Running'})
    const linked = await berth(['plugins', 'link', join(repoRoot, 'test', 'fixtures', 'berth-driver-movable'), '--no-install'])
    expect(linked.code).toBe(0)
    const created = await berth(['create', '-d', 'movable', '--movable-state-file', stateFile, '--movable-ssh-key', host.privateKeyPath, 'mv'])
    expect(created.stderr).not.toMatch(/^Error/m)
    expect(created.code).toBe(0)
  })

  afterAll(async () => {
    await pool?.dispose()
    await sandbox?.dispose()
  })

  const berth = (args: readonly string[]): Promise<RunResult> => sandbox.run(args, {env: {MOVABLE_DRIVER_LOG: driverLog}})
  const driverCalls = async (): Promise<string[]> => (await readFile(driverLog, 'utf8').catch(() => '')).split('\n').filter(Boolean)
  const dockerVia = (name: string) => sandbox.sh(`eval "$($BERTH env ${name})" && docker version --format "{{.Server.Version}}"`)

  /** The "provider's" view of the host: what the driver plugin reads. */
  async function setHost(change: Record<string, unknown>): Promise<void> {
    const current = await readFile(stateFile, 'utf8').then((text) => JSON.parse(text) as Record<string, unknown>, () => ({}))
    await writeFile(`${stateFile}.tmp`, JSON.stringify({...current, ...change}))
    await rename(`${stateFile}.tmp`, stateFile)
  }

  it('restart reboots the host through the driver and waits for the new boot', async () => {
    const boots = host.boots
    const restarted = await berth(['restart', 'mv'])
    expect(restarted.stderr).not.toMatch(/^Error/m)
    expect(restarted.code).toBe(0)
    expect(host.boots).toBe(boots + 1)
    expect((await dockerVia('mv')).code).toBe(0)
  })

  it('stop and start wait for the state; a machine already there is left alone, with exit 0', async () => {
    const stopped = await berth(['stop', 'mv'])
    expect(stopped.code).toBe(0)
    expect(stopped.stderr).toContain('Waiting for "mv" to stop: done')
    expect(stopped.stderr).toContain('Machine "mv" was stopped.')
    expect((await berth(['status', 'mv'])).stdout).toBe('Stopped\n')
    const again = await berth(['stop', 'mv'])
    expect(again.code).toBe(0)
    expect(again.stderr).toBe('Machine "mv" is already stopped.\n')

    const started = await berth(['start', 'mv'])
    expect(started.stderr).not.toMatch(/^Error/m)
    expect(started.code).toBe(0)
    expect(started.stderr).toContain('Waiting for "mv" to run: done')
    expect(started.stderr).toContain('Waiting for the engine of "mv": done')
    expect(started.stderr).not.toContain('may have new IP addresses')
    const running = await berth(['start', 'mv'])
    expect(running.code).toBe(0)
    expect(running.stderr).toBe('Machine "mv" is already running.\n')
    expect((await driverCalls()).filter((line) => !line.startsWith('create'))).toEqual(['restart mv', 'stop mv', 'start mv'])
  })

  it('a command naming a machine whose driver cannot do it changes no machine', async () => {
    const registered = await berth(['create', '-d', 'none', '--url', 'tcp://127.0.0.1:9', 'n1'])
    expect(registered.code).toBe(0)
    const calls = await driverCalls()
    const refused = await berth(['stop', 'mv', 'n1'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toBe('Error: The none driver cannot stop a machine. berth cannot change the power state of "n1".\n')
    expect(await driverCalls()).toEqual(calls)
    expect((await berth(['status', 'mv'])).stdout).toBe('Running\n')
    expect((await berth(['rm', '-y', 'n1'])).code).toBe(0)
  })

  it('waits have deadlines', async () => {
    await setHost({settleMs: -1})
    const {result: stuck, seconds} = await timed(() => berth(['stop', '--timeout', '2', 'mv']))
    expect(stuck.code).toBe(1)
    expect(errorLines(stuck)).toEqual(['Error: Machine "mv" was still Stopping after 2s, waiting for Stopped.'])
    expect(seconds).toBeLessThan(10)
    await setHost({state: 'Running', settlesTo: undefined, settlesAt: undefined, settleMs: 300})
  })

  it('start notices the host\'s new address, issues and installs a server certificate for it, and docker works there', async () => {
    expect((await berth(['stop', 'mv'])).code).toBe(0)
    const certBefore = (await host.exec('sha256sum /etc/docker/server.pem')).stdout
    const first = host.ip
    const moved = await host.moveAddress(6)
    await setHost({address: moved})
    expect(await portOpen(first, 22)).toBe(false)

    const {result: started, seconds} = await timed(() => berth(['start', 'mv']))
    expect(started.stderr).not.toMatch(/^Error/m)
    expect(started.code).toBe(0)
    expect(started.stderr).toContain(`Machine "mv" has a new address: ${moved} (it was ${first}). Issuing its engine a server certificate for it.`)
    expect(started.stderr).toContain('Installing the engine\'s TLS certificates: done')
    expect(started.stderr).toContain('Started machines may have new IP addresses. You may need to re-run the "berth env" command.')
    expect((await host.exec('sha256sum /etc/docker/server.pem')).stdout).not.toBe(certBefore)

    expect((await berth(['url', 'mv'])).stdout).toBe(`tcp://${moved}:2376\n`)
    const env = await berth(['env', 'mv'])
    expect(env.code).toBe(0)
    expect(env.stdout).toContain(`export DOCKER_HOST="tcp://${moved}:2376"`)
    const version = await dockerVia('mv')
    expect(version.stderr).toBe('')
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+/)
    const viaContext = await runProcess('docker', ['--context', 'mv', 'version', '--format', '{{.Server.Version}}'], sandbox.env)
    expect(viaContext.code).toBe(0)
    console.log(`start with a new address (re-issue, install, engine restart): ${seconds.toFixed(1)} s`)
  })

  it('with --no-auto-regenerate, env and config refuse the new address until regenerate-certs', async () => {
    expect((await berth(['kill', 'mv'])).stderr).toContain('Machine "mv" was killed.')
    const previous = (JSON.parse(await readFile(stateFile, 'utf8')) as {address: string}).address
    const moved = await host.moveAddress(10)
    await setHost({address: moved})

    const started = await berth(['start', '--no-auto-regenerate', 'mv'])
    expect(started.code).toBe(0)
    expect(started.stderr).toContain(`Warning: Machine "mv" has a new address: ${moved} (it was ${previous}). Its server certificate does not cover it (--no-auto-regenerate): "berth env mv" and "berth config mv" refuse until you run "berth regenerate-certs mv".`)
    expect(started.stderr).not.toContain('may have new IP addresses')
    for (const command of ['env', 'config']) {
      const refused = await berth([command, 'mv'])
      expect(refused.code, command).toBe(1)
      expect(refused.stdout).toBe('')
      expect(errorLines(refused)).toEqual([expect.stringMatching(new RegExp(`^Error: Cannot use machine "mv": the server certificate of "mv" does not cover the host's address ${moved.replace(/\./g, '\\.')} .*Run "berth regenerate-certs mv"`))])
    }

    const regenerated = await berth(['regenerate-certs', '-f', 'mv'])
    expect(regenerated.code).toBe(0)
    expect((await dockerVia('mv')).code).toBe(0)
  })

  it('rm --clean-host cleans the host at its new address', async () => {
    const removed = await berth(['rm', '-y', '--clean-host', 'mv'])
    expect(removed.stderr).not.toMatch(/^Error/m)
    expect(removed.code).toBe(0)
    expect((await host.exec('ls /etc/docker')).stdout).not.toContain('.pem')
    expect((await host.exec('docker -H unix:///var/run/docker.sock info --format "{{.Name}}"')).code).toBe(0)
    expect((await driverCalls()).at(-1)).toBe('remove mv movable-mv')
  })
})

describe('rm --clean-host on a sysvinit host', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let host: TestHost

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    host = await pool.up('life2', {init: 'sysv', startDocker: true})
  })

  afterAll(async () => {
    await pool?.dispose()
    await sandbox?.dispose()
  })

  it('puts /etc/default/docker back as the package had it, removes the TLS files, and the engine restarts without TCP', async () => {
    const packaged = (await host.exec('sha256sum /etc/default/docker')).stdout
    const created = await sandbox.run(['create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', host.privateKeyPath, 's1'])
    expect(created.code).toBe(0)
    expect(await portOpen(host.ip, 2376)).toBe(true)
    const removed = await sandbox.run(['rm', '-y', '--clean-host', 's1'])
    expect(removed.stderr).not.toMatch(/^Error/m)
    expect(removed.code).toBe(0)
    expect((await host.exec('sha256sum /etc/default/docker')).stdout).toBe(packaged)
    expect((await host.exec('ls /etc/docker/server.pem /var/lib/berth 2>&1')).stdout).toMatch(/No such file.*\n.*No such file/)
    expect((await host.exec('docker -H unix:///var/run/docker.sock version --format "{{.Server.Version}}"')).code).toBe(0)
    expect(await portOpen(host.ip, 2376)).toBe(false)
  })
})
