import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, type RunResult} from '../harness/berth.js'
import {busyboxTarball} from '../harness/busybox-image.js'
import {proveDockerWorks} from '../harness/docker-via-env.js'
import {TestHostPool, type TestHost} from '../hosts/index.js'
import {sshAnswers} from '../hosts/readiness.js'

// The flow on real hosts, one kind of host per test: create -d generic, eval "$(berth env NAME)", then the
// real docker CLI runs `docker version` and `docker run` of an image imported from a busybox tarball.
describe('create -d generic, then docker through berth env', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let image: Awaited<ReturnType<typeof busyboxTarball>>
  const hosts: Record<string, TestHost> = {}

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    image = await busyboxTarball()
    // The late-SSH host is made in its own test: its delay counts from its boot.
    const [systemd, sysv, sudo] = await Promise.all([
      pool.up('ph-systemd', {init: 'systemd'}),
      pool.up('ph-sysv', {init: 'sysv'}),
      pool.up('ph-sudo', {init: 'sysv', user: 'deploy', startDocker: true}),
    ])
    Object.assign(hosts, {systemd, sysv, sudo})
  })

  afterAll(async () => {
    await pool?.dispose()
    await image?.remove()
    await sandbox?.dispose()
  })

  const create = (name: string, host: TestHost, extra: string[] = []): Promise<RunResult> => sandbox.run([
    'create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-user', host.user,
    '--generic-ssh-key', host.privateKeyPath, ...extra, name,
  ])

  const expectCreated = (result: RunResult): void => {
    expect(result.stderr).not.toMatch(/^Error/m)
    expect(result.code).toBe(0)
  }

  let systemdCreate: RunResult

  it('a systemd host whose engine is installed but stopped', async () => {
    systemdCreate = await create('p-systemd', hosts.systemd!, ['--debug'])
    expectCreated(systemdCreate)
    // The drop-in berth wrote runs the engine, and systemd starts it at boot.
    expect(systemdCreate.stderr).toContain('upload /etc/systemd/system/docker.service.d/10-berth.conf')
    expect((await hosts.systemd!.exec('systemctl is-active docker; systemctl is-enabled docker')).stdout).toBe('active\nenabled\n')
    await proveDockerWorks(sandbox, 'p-systemd', image.path)
  })

  it('keeps the server key 0600 root on the host, and its content out of --debug output', async () => {
    const host = hosts.systemd!
    expect((await host.exec('stat -c %a:%U:%G /etc/docker/server-key.pem')).stdout.trim()).toBe('600:root:root')
    const key = (await host.exec('cat /etc/docker/server-key.pem')).stdout
    const body = key.split('\n').filter((line) => line !== '' && !line.startsWith('-----')).join('')
    expect(body.length).toBeGreaterThan(1000)
    const stderr = systemdCreate.stderr + systemdCreate.stdout
    expect(stderr).toContain('[debug]')
    expect(stderr).toContain('upload /etc/docker/server-key.pem')
    // Neither the whole body nor any of its lines (the PEM wraps at 64 characters).
    expect(stderr.replace(/\s/g, '')).not.toContain(body)
    for (const line of key.split('\n').filter((text) => /^[A-Za-z0-9+/=]{40,}$/.test(text))) expect(stderr).not.toContain(line)
  })

  it('provisioning again applies no step but the TLS check', async () => {
    const host = hosts.systemd!
    const pidBefore = (await host.exec('pidof dockerd')).stdout.trim()
    const again = await sandbox.run(['provision', '--debug', 'p-systemd'])
    expect(again.code).toBe(0)
    for (const step of ['host.hostname', 'engine.install', 'tls.install', 'engine.configure', 'engine.restart']) {
      expect(again.stderr).toContain(`[debug] ${step}: already done`)
    }
    expect(again.stderr).toContain('applied engine.verify; already done host.hostname, engine.install, user.docker-group, tls.install, engine.configure, engine.restart')
    expect(again.stderr).not.toContain('upload ')
    expect(again.stderr).not.toContain('Starting the Docker engine')
    expect((await host.exec('pidof dockerd')).stdout.trim()).toBe(pidBefore)
  })

  it('a sysvinit host (no systemd), engine installed but stopped', async () => {
    const host = hosts.sysv!
    const created = await create('p-sysv', host)
    expectCreated(created)
    expect((await host.exec('test -d /run/systemd/system || echo no-systemd')).stdout).toBe('no-systemd\n')
    expect((await host.exec('grep -c tlsverify /etc/default/docker')).stdout.trim()).toBe('1')
    await proveDockerWorks(sandbox, 'p-sysv', image.path)
  })

  it('a user that is not root, through passwordless sudo, on a host whose engine already runs', async () => {
    const host = hosts.sudo!
    expect(host.user).toBe('deploy')
    const created = await create('p-sudo', host, ['--debug'])
    expectCreated(created)
    // berth saw a non-root session and went through sudo for what needs root.
    expect(created.stderr).toMatch(/deploy@[\d.]+ \(root\) \$ /)
    expect((await host.exec('stat -c %a:%U /etc/docker/server-key.pem /etc/docker/server.pem /etc/default/docker')).stdout).toBe('600:root\n644:root\n644:root\n')
    // No upload left its private first copy behind in the user's home.
    expect((await host.exec('ls -A /home/deploy')).stdout).not.toMatch(/berth-upload/)
    await proveDockerWorks(sandbox, 'p-sudo', image.path)
  })

  it('SSH that is not up yet on a generic server: refused at once with the cause, and created once sshd answers', async () => {
    const host = await pool.up('ph-late', {init: 'sysv', delaySshMs: 15_000})
    // The host runs, but its sshd does not answer yet.
    expect(await sshAnswers(host.ip, host.sshPort)).toBe(false)
    const started = Date.now()
    const early = await create('p-late', host)
    // A server the generic driver takes over should be up: its refusal is the answer, not something to wait out.
    expect(early.code).toBe(1)
    expect(early.stderr.split('\n').filter((line) => line.startsWith('Error'))).toEqual([
      `Error: SSH on root@${host.ip} refused the connection (ECONNREFUSED). Is sshd listening on that port? --generic-ssh-port sets it.`,
    ])
    expect(Date.now() - started).toBeLessThan(10_000)
    expect((await sandbox.run(['ls', '-q'])).stdout).not.toContain('p-late')
    // Once sshd answers, the same create goes through.
    await expect.poll(() => sshAnswers(host.ip, host.sshPort), {timeout: 30_000, interval: 500}).toBe(true)
    const created = await create('p-late', host)
    expectCreated(created)
    await proveDockerWorks(sandbox, 'p-late', image.path)
  })
})
