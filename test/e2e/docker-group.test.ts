import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox} from '../harness/berth.js'
import {TestHostPool} from '../hosts/index.js'
import type {TestHost} from '../hosts/types.js'

const NOTE = 'Added "deploy" to the docker group on the host, so that docker commands over SSH work without sudo (--engine-no-docker-group leaves it out).'

// A machine reached as a non-root user: `berth ssh m -- docker ps` works because provisioning added the user to the
// docker group, unless --engine-no-docker-group; and a host berth touched ends as it was.
describe('a non-root SSH user and the docker group', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
  })

  afterAll(async () => {
    await pool?.dispose()
    await sandbox?.dispose()
  })

  const create = (name: string, host: TestHost, extra: readonly string[] = []): ReturnType<BerthSandbox['run']> =>
    sandbox.run(['create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-user', host.user, '--generic-ssh-key', host.privateKeyPath, ...extra, name])
  const dockerGroupShown = async (name: string): Promise<unknown> => (JSON.parse((await sandbox.run(['inspect', '--json', name])).stdout) as {engine: {dockerGroup: unknown}}).engine.dockerGroup
  const groupsOf = async (host: TestHost): Promise<string[]> => (await host.exec(`id -nG ${host.user}`)).stdout.trim().split(/\s+/)
  const engineOptions = async (name: string): Promise<Record<string, unknown>> => (JSON.parse(await readFile(join(sandbox.storePath, 'machines', name, 'config.json'), 'utf8')) as {engine: Record<string, unknown>}).engine

  it('is added at provision, with a note: docker works over berth ssh; rm --clean-host takes the user out again', async () => {
    const host = await pool.up('dg-add', {init: 'sysv', user: 'deploy'})
    expect(await groupsOf(host)).not.toContain('docker')
    const created = await create('dg-add', host)
    expect(created.code, created.stderr).toBe(0)
    expect(created.stderr).toContain(NOTE)
    expect(await groupsOf(host)).toContain('docker')
    const ps = await sandbox.run(['ssh', 'dg-add', '--', 'docker', 'ps', '--format', '{{.ID}}'])
    expect(ps, ps.stderr).toEqual({code: 0, stdout: '', stderr: ''})
    expect(await engineOptions('dg-add')).not.toHaveProperty('noDockerGroup')

    // Provisioning again: nothing to do, nothing said.
    const again = await sandbox.run(['provision', '--debug', 'dg-add'])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toContain('[debug] user.docker-group: already done')
    expect(again.stderr).not.toContain('Added "deploy"')

    const removed = await sandbox.run(['rm', '-y', '--clean-host', 'dg-add'])
    expect(removed.code, removed.stderr).toBe(0)
    expect(await groupsOf(host)).not.toContain('docker')
  })

  it('--engine-no-docker-group: the user stays out, docker over ssh is refused, and provision keeps the choice', async () => {
    const host = await pool.up('dg-opt-out', {init: 'sysv', user: 'deploy'})
    const created = await create('dg-opt-out', host, ['--engine-no-docker-group'])
    expect(created.code, created.stderr).toBe(0)
    expect(created.stderr).not.toContain('Added "deploy"')
    expect(await groupsOf(host)).not.toContain('docker')
    expect(await engineOptions('dg-opt-out')).toMatchObject({noDockerGroup: true})
    expect(await dockerGroupShown('dg-opt-out')).toBe(false)
    const ps = await sandbox.run(['ssh', 'dg-opt-out', '--', 'docker', 'ps'])
    expect(ps.code).not.toBe(0)
    expect(ps.stderr).toContain('permission denied')

    expect((await sandbox.run(['provision', 'dg-opt-out'])).code).toBe(0)
    expect(await groupsOf(host)).not.toContain('docker')

    // Taken back: the next provision adds the user.
    const optIn = await sandbox.run(['provision', '--engine-no-docker-group-rm', 'dg-opt-out'])
    expect(optIn.code, optIn.stderr).toBe(0)
    expect(optIn.stderr).toContain(NOTE)
    expect(await groupsOf(host)).toContain('docker')
    expect(await engineOptions('dg-opt-out')).not.toHaveProperty('noDockerGroup')
    expect(await dockerGroupShown('dg-opt-out')).toBe(true)
  })

  it('a failed create takes the user out again, but never a user who was in the group before', async () => {
    const fresh = await pool.up('dg-fail', {init: 'sysv', user: 'deploy'})
    const failed = await create('dg-fail', fresh, ['--engine-opt', 'log-level=nonsense'])
    expect(failed.code).not.toBe(0)
    expect(failed.stderr).toContain(NOTE)
    expect(failed.stderr).toContain('berth undid its changes on the host')
    expect(await groupsOf(fresh)).not.toContain('docker')

    const member = await pool.up('dg-member', {init: 'sysv', user: 'deploy'})
    await member.exec('usermod -aG docker deploy')
    const alsoFailed = await create('dg-member', member, ['--engine-opt', 'log-level=nonsense'])
    expect(alsoFailed.code).not.toBe(0)
    expect(alsoFailed.stderr).not.toContain('Added "deploy"')
    expect(await groupsOf(member)).toContain('docker')
  })
})
