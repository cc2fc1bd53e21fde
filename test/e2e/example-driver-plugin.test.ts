import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, repoRoot, runProcess} from '../harness/berth.js'
import {TestHostPool, type TestHost} from '../hosts/index.js'

// The example plugin in examples/driver-plugin, written only against berth/driver and built by npm run build, linked
// into a sandboxed berth as its author would, then used for a whole machine: create, env with the real docker CLI
// over TLS, and rm, on a test host.
const plugin = join(repoRoot, 'examples', 'driver-plugin')

describe('examples/driver-plugin linked into berth, against a systemd test host', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let host: TestHost

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    host = await pool.up('expl1', {init: 'systemd'})
  })

  afterAll(async () => {
    await pool?.dispose()
    await sandbox?.dispose()
  })

  it('links the plugin; drivers lists it healthy and create -d example --help shows its flags', async () => {
    const linked = await sandbox.run(['plugins', 'link', plugin, '--no-install'])
    expect(linked.stderr).not.toMatch(/^Error|Warning|auto-transpiled/m)
    expect(linked.code).toBe(0)
    const drivers = JSON.parse((await sandbox.run(['drivers', '--json'])).stdout) as {name: string; source: string; health: unknown}[]
    expect(drivers).toContainEqual({name: 'example', source: 'plugin berth-driver-example@1.0.0', health: {installed: true, healthy: true}})
    const help = await sandbox.run(['create', '-d', 'example', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('EXAMPLE DRIVER FLAGS')
    expect(help.stdout).toMatch(/--example-ssh-port=<value>\s+SSH port\. \[default: 22\]/)
    expect(help.stdout).toContain('$ berth create -d example --example-address 203.0.113.10 --example-ssh-key ~/.ssh/id_ed25519 web1')
  })

  it('creates a machine whose engine the docker CLI reaches over TLS through env, on berth\'s engine port', async () => {
    const created = await sandbox.run(['create', '-d', 'example', '--example-address', host.ip, '--example-ssh-key', host.privateKeyPath, 'ex1'])
    expect(created.stderr).not.toMatch(/^Error/m)
    expect(created.code).toBe(0)
    const version = await sandbox.sh('eval "$($BERTH env ex1)" && docker version --format "{{.Server.Version}}"')
    expect(version.stderr).toBe('')
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+/)
    const info = await runProcess('docker', ['--context', 'ex1', 'info', '--format', '{{json .Labels}}'], sandbox.env)
    expect(info.stdout).toContain('provider=example')
    expect((await sandbox.run(['ls', '--format', '{{.Name}} {{.DriverName}} {{.State}} {{.URL}}'])).stdout).toBe(`ex1 example Running tcp://${host.ip}:2376\n`)
    // The machine keeps its own copy of the key; config.json holds its name, never a secret.
    const config = JSON.parse(await readFile(join(sandbox.storePath, 'machines', 'ex1', 'config.json'), 'utf8')) as {driver: {state: Record<string, unknown>}}
    expect(config.driver.state).toEqual({address: host.ip, sshUser: 'root', sshPort: 22, sshKeyOrigin: host.privateKeyPath, sshKeyCopy: 'id_ed25519'})
  })

  it('refuses the lifecycle calls the driver does not have, before anything happens', async () => {
    const refused = await sandbox.run(['stop', 'ex1'])
    expect(refused.code).toBe(1)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toBe('Error: The example driver cannot stop a machine. berth cannot change the power state of "ex1".\n')
    expect((await host.exec('systemctl is-active docker')).stdout.trim()).toBe('active')
  })

  it('removes the machine, leaving the server running', async () => {
    const removed = await sandbox.run(['rm', '-y', 'ex1'])
    expect(removed.code).toBe(0)
    expect(removed.stdout).toBe('Successfully removed ex1\n')
    expect((await sandbox.run(['ls', '-q'])).stdout).toBe('')
    expect((await host.exec('systemctl is-active docker')).stdout.trim()).toBe('active')
  })
})
