import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {generateSshKeyPair} from '../../src/core/ssh/keys.js'
import {BerthSandbox, type RunResult} from '../harness/berth.js'
import {dockerViaEnv} from '../harness/docker-via-env.js'
import {TestHostPool, type TestHost} from '../hosts/index.js'

// What goes wrong on real hosts, and what berth says about it: each failure is refused in one clear message
// that names what failed, and leaves nothing half-made unless asked to.
describe('create -d generic when something is wrong', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  const hosts: Record<string, TestHost> = {}

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    const [plain, running, systemd, sysv, bare] = await Promise.all([
      pool.up('pf-plain', {init: 'sysv'}),
      pool.up('pf-running', {init: 'sysv', startDocker: true}),
      pool.up('pf-systemd', {init: 'systemd'}),
      pool.up('pf-sysv', {init: 'sysv'}),
      pool.up('pf-bare', {init: 'sysv', withoutDocker: true}),
    ])
    Object.assign(hosts, {plain, running, systemd, sysv, bare})
  })

  afterAll(async () => {
    await pool?.dispose()
    await sandbox?.dispose()
  })

  const create = (name: string, host: TestHost, extra: string[] = []): Promise<RunResult> => sandbox.run([
    'create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', host.privateKeyPath, ...extra, name,
  ])

  /** The one error line berth prints (the hint follows on its own line). */
  const errorLine = (result: RunResult): string => /^Error: .*$/m.exec(result.stderr)?.[0] ?? `(no error line in: ${result.stderr})`

  const machines = async (): Promise<string[]> => (await sandbox.run(['ls', '-q'])).stdout.split('\n').filter(Boolean)

  it('a wrong SSH key: refused at once, nothing is left behind', async () => {
    const wrongKey = join(sandbox.dir, 'wrong_ed25519')
    await writeFile(wrongKey, generateSshKeyPair().privateKey, {mode: 0o600})
    const started = Date.now()
    const result = await sandbox.run(['create', '-d', 'generic', '--generic-ip-address', hosts.plain!.ip, '--generic-ssh-key', wrongKey, 'f-key'])
    expect(result.code).not.toBe(0)
    expect(errorLine(result)).toMatch(new RegExp(`rejected the key ${wrongKey} \\(SHA256:[A-Za-z0-9+/]+\\) for user "root"`))
    expect(result.stderr).toContain('authorized_keys')
    // Not retried until the SSH timeout: waiting does not change the answer.
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(await machines()).not.toContain('f-key')
    // Nothing was done to the host.
    expect((await hosts.plain!.exec('ls /etc/docker; hostname')).stdout).toBe('pf-plain\n')
  })

  it('a changed host key: refused, and provisioning goes on once the user trusts the new key', async () => {
    const host = hosts.running!
    expect((await create('f-hostkey', host)).code).toBe(0)
    const knownHosts = join(sandbox.storePath, 'machines', 'f-hostkey', 'known_hosts')
    const pinned = await readFile(knownHosts, 'utf8')
    expect(pinned).toMatch(new RegExp(`^${host.ip.replace(/\./g, '\\.')} ssh-ed25519 `))

    // The host gets a new host key, as after a reinstall (or as a machine in the middle would present).
    await host.exec('rm -f /etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key.pub && ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/ssh_host_ed25519_key')
    await host.stopSsh()
    await host.startSsh()
    const refused = await sandbox.run(['provision', 'f-hostkey'])
    expect(refused.code).not.toBe(0)
    expect(errorLine(refused)).toMatch(new RegExp(`The SSH host key of ${host.ip.replace(/\./g, '\\.')} has changed: .*known_hosts pins ssh-ed25519 SHA256:\\S+, but the host presented ssh-ed25519 SHA256:\\S+\\. berth refused to connect\\.`))
    expect(refused.stderr).toContain('someone may be intercepting the connection')
    // The pin stays as it was; the engine, reached over TLS and not SSH, still works.
    expect(await readFile(knownHosts, 'utf8')).toBe(pinned)
    expect((await dockerViaEnv(sandbox, 'f-hostkey', ['version', '--format', '{{.Server.Version}}'])).code).toBe(0)

    // Doing what the hint says (remove the host's line) trusts the new key on first use.
    await writeFile(knownHosts, '')
    const again = await sandbox.run(['provision', 'f-hostkey'])
    expect(again.stderr).not.toMatch(/^Error/m)
    expect(again.code).toBe(0)
    expect(await readFile(knownHosts, 'utf8')).not.toBe(pinned)
  })

  it.each([
    ['systemd', 'f-badopt-systemd', 'engine.restart'],
    ['sysv', 'f-badopt-sysv', 'engine.restart'],
  ])('a dockerd that fails to start (%s host): the error names the step and shows the daemon log', async (kind, name, step) => {
    const started = Date.now()
    // An option dockerd knows, with a value it refuses as it starts.
    const result = await create(name, hosts[kind]!, ['--engine-opt', 'log-level=nonsense', '--keep-on-failure'])
    expect(result.code).not.toBe(0)
    expect(errorLine(result)).toContain(`Provisioning failed at step "${step}" (Starting the Docker engine): exit 1`)
    // The host is put back as it was, and the message says so only because it was checked.
    expect(errorLine(result)).toContain('berth undid its changes on the host: its files are as they were, and the engine is not running, as before.')
    expect(result.stderr).toMatch(/^Last lines of the engine's log:\n(.*\n)*.*nonsense/m)
    const left = await hosts[kind]!.exec('pidof dockerd; ls /etc/docker/*.pem /etc/systemd/system/docker.service.d/10-berth.conf /var/lib/berth 2>/dev/null; grep -l berth /etc/default/docker; hostname')
    expect(left.stdout).toBe(`pf-${kind}\n`)
    expect(result.stderr).toContain(`Fix the cause, then run "berth provision ${name}" to finish`)
    // Told at once (with the host put back), not after the minute berth waits for an engine that is slow to answer.
    expect(Date.now() - started).toBeLessThan(30_000)
    // --keep-on-failure: the machine stays for inspection.
    expect(await machines()).toContain(name)
  })

  it('--engine-install-url none on a host without an engine: a clear error before anything is installed', async () => {
    const result = await create('f-none', hosts.bare!, ['--engine-install-url', 'none'])
    expect(result.code).not.toBe(0)
    expect(errorLine(result)).toBe('Error: Provisioning failed at step "engine.install" (Installing the Docker engine): The host has no Docker engine (dockerd is not on the PATH) and --engine-install-url is "none". berth undid its changes on the host: its files are as they were, and the engine is not running, as before. Install the engine on the host, or pass an install URL.')
    // The hostname berth set before it found no engine is back.
    expect((await hosts.bare!.exec('hostname; cat /etc/hostname')).stdout).toBe('pf-bare\npf-bare\n')
    expect((await hosts.bare!.exec('command -v dockerd || echo missing')).stdout).toBe('missing\n')
    // Rolled back: the machine is gone from the store, and the user is told so rather than sent to "berth provision f-none".
    expect(await machines()).not.toContain('f-none')
    expect(result.stderr).toContain('Creation failed; everything made for "f-none" was removed (--keep-on-failure keeps it for inspection).')
    expect(result.stderr).not.toContain('berth provision f-none')
  })
})
