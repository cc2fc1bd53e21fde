import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, runProcess} from '../harness/berth.js'
import {TestHostPool, type TestHost} from '../hosts/index.js'

// The issue's proof on a real host: create -d generic, the real docker CLI through env, provision with a new
// label, regenerate-certs, and rm — on a systemd host whose engine is installed but not yet running.
describe('create -d generic on a systemd test host', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let host: TestHost

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    host = await pool.up('gen1', {init: 'systemd'})
  })

  afterAll(async () => {
    await pool?.dispose()
    await sandbox?.dispose()
  })

  const docker = (args: string[]) => sandbox.sh(`eval "$($BERTH env g1)" && docker ${args.map((arg) => `'${arg}'`).join(' ')}`)

  it('provisions the host and the docker CLI works through env and the context', async () => {
    const created = await sandbox.run(['create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', host.privateKeyPath, 'g1'])
    expect(created.stderr).not.toMatch(/^Error/m)
    expect(created.code).toBe(0)
    const version = await docker(['version', '--format', '{{.Server.Version}}'])
    expect(version.stderr).toBe('')
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+/)
    const viaContext = await runProcess('docker', ['--context', 'g1', 'info', '--format', '{{.Name}} {{json .Labels}}'], sandbox.env)
    expect(viaContext.stdout).toContain('g1 ')
    expect(viaContext.stdout).toContain('provider=generic')
    expect((await host.exec('stat -c %a:%U /etc/docker/server-key.pem')).stdout.trim()).toBe('600:root')
    expect((await sandbox.run(['ls'])).stdout).toMatch(new RegExp(`g1\\s+-\\s+generic\\s+Running\\s+tcp://${host.ip.replace(/\./g, '\\.')}:2376\\s+v\\d`))
  })

  it('provision again changes nothing, and a new label reaches the engine', async () => {
    const again = await sandbox.run(['provision', 'g1'])
    expect(again.code).toBe(0)
    expect(again.stderr).not.toContain('Starting the Docker engine')
    const labelled = await sandbox.run(['provision', '--engine-label', 'stage=test', 'g1'])
    expect(labelled.code).toBe(0)
    const info = await docker(['info', '--format', '{{json .Labels}}'])
    expect(info.stdout).toContain('stage=test')
  })

  it('regenerates certificates and docker still works', async () => {
    const before = (await host.exec('sha256sum /etc/docker/server.pem')).stdout
    const regenerated = await sandbox.run(['regenerate-certs', '-f', 'g1'])
    expect(regenerated.code).toBe(0)
    expect((await host.exec('sha256sum /etc/docker/server.pem')).stdout).not.toBe(before)
    expect((await docker(['version', '--format', '{{.Server.Version}}'])).code).toBe(0)
  })

  it('removes the machine, leaving the server running', async () => {
    const removed = await sandbox.run(['rm', '-y', 'g1'])
    expect(removed.code).toBe(0)
    expect((await sandbox.run(['ls', '-q'])).stdout).toBe('')
    expect((await host.exec('systemctl is-active docker')).stdout.trim()).toBe('active')
  })
})
