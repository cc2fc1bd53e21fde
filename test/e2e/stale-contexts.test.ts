import {existsSync} from 'node:fs'
import {readFile, rm} from 'node:fs/promises'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {contextId} from '../../src/core/client/docker-context.js'
import {BerthSandbox, type RunResult} from '../harness/berth.js'
import {freeLoopbackPort} from '../harness/free-port.js'

// A berth store deleted with rm -rf (as CI clean-ups do) leaves its machines' docker contexts behind. They are stale:
// a later create of the same name takes the name over, ls says they are there, and contexts prune removes them, and
// only them. The machines are -d none registrations of a closed loopback port: no engine is needed to make contexts.
describe('docker contexts whose store or machine is gone', () => {
  let sandbox: BerthSandbox
  /** A second store beside the sandbox's own, sharing its docker configuration. */
  let otherStore: string

  beforeEach(async () => {
    sandbox = await BerthSandbox.create()
    otherStore = join(sandbox.dir, 'other-store')
  })
  afterEach(async () => sandbox?.dispose())

  const other = (args: string[]): Promise<RunResult> => sandbox.run(args, {env: {BERTH_STORAGE_PATH: otherStore}})
  const create = async (name: string, store: 'own' | 'other' = 'own'): Promise<RunResult> => {
    const args = ['create', '-d', 'none', '--url', `tcp://127.0.0.1:${await freeLoopbackPort()}`, name]
    return store === 'own' ? sandbox.run(args) : other(args)
  }
  /** What the docker CLI itself lists: name → the description and endpoint it shows. */
  const dockerContexts = async (): Promise<Map<string, string>> => {
    const listed = await sandbox.sh('docker context ls --format "{{.Name}}|{{.Description}}|{{.DockerEndpoint}}"')
    expect(listed.code, listed.stderr).toBe(0)
    return new Map(listed.stdout.trim().split('\n').map((line) => {
      const [name, ...rest] = line.split('|')
      return [name!.replace(/ \*$/, ''), rest.join('|')] as const
    }))
  }
  const currentContext = async (): Promise<string> => (await sandbox.sh('docker context inspect --format "{{.Name}}"')).stdout.trim()
  const meta = (name: string) => readFile(join(sandbox.env.DOCKER_CONFIG!, 'contexts', 'meta', contextId(name), 'meta.json'), 'utf8')

  it('create of the same name in a fresh store replaces the context a deleted store left, saying so', async () => {
    expect((await create('m1')).code).toBe(0)
    await rm(sandbox.storePath, {recursive: true})

    const elsewhere = await create('m1', 'other')
    expect(elsewhere.code, elsewhere.stderr).toBe(0)
    expect(elsewhere.stderr).toContain(`Replaced the stale docker context "m1": the store ${sandbox.storePath} that made it no longer exists.`)
    expect(JSON.parse(await meta('m1'))).toMatchObject({Metadata: {berth: {machine: 'm1', store: otherStore}}})

    // The same path made again is another store: the context is taken over there too.
    expect((await other(['rm', '-y', 'm1'])).code).toBe(0)
    expect((await create('m2', 'other')).code).toBe(0)
    await rm(otherStore, {recursive: true})
    const samePath = await create('m2', 'other')
    expect(samePath.code, samePath.stderr).toBe(0)
    expect(samePath.stderr).toContain(`Replaced the stale docker context "m2": the store ${otherStore} that made it was deleted (the store there now is another one).`)
    expect((await dockerContexts()).get('m2')).toMatch(/^berth machine m2\|tcp:\/\/127\.0\.0\.1:\d+$/)
  })

  it('ls names the stale contexts on stderr after the table, never on stdout', async () => {
    expect((await create('gone1')).code).toBe(0)
    expect((await create('gone2')).code).toBe(0)
    expect((await create('live', 'other')).code).toBe(0)
    await rm(sandbox.storePath, {recursive: true})

    const listed = await sandbox.run(['ls'])
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.stdout).toBe('NAME   ACTIVE   DRIVER   STATE   URL   SWARM   DOCKER   ERRORS\n')
    expect(listed.stderr).toBe('Warning: 2 docker contexts berth made belong to machines that no longer exist: remove them with "berth contexts prune".\n')
    const json = await sandbox.run(['ls', '--json'])
    expect(JSON.parse(json.stdout)).toEqual([])
    expect(json.stderr).toContain('2 docker contexts berth made')
    // The live store's listing says the same about the docker configuration they share; ls -q prints names only.
    const inLive = await other(['ls', '--format', '{{.Name}}'])
    expect(inLive.stdout).toBe('live\n')
    expect(inLive.stderr).toContain('2 docker contexts berth made belong to machines that no longer exist')
    expect(await other(['ls', '-q'])).toEqual({code: 0, stdout: 'live\n', stderr: ''})
  })

  it('contexts prune --dry-run names what it would remove and changes nothing', async () => {
    expect((await create('gone')).code).toBe(0)
    expect((await sandbox.run(['use', 'gone'])).code).toBe(0)
    await rm(sandbox.storePath, {recursive: true})
    const before = await dockerContexts()
    const metaBefore = await meta('gone')
    const dry = await sandbox.run(['contexts', 'prune', '--dry-run'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toBe(`Would remove docker context "gone": the store ${sandbox.storePath} that made it no longer exists\n`)
    expect(dry.stderr).toContain('"gone" is the docker CLI\'s current context: pruning it switches the docker CLI back to its default context.')
    expect(await dockerContexts()).toEqual(before)
    expect(await meta('gone')).toBe(metaBefore)
    expect(await currentContext()).toBe('gone')
    const json = await sandbox.run(['contexts', 'prune', '--dry-run', '--json'])
    expect(JSON.parse(json.stdout)).toEqual([{context: 'gone', store: sandbox.storePath, reason: 'store-missing', why: `the store ${sandbox.storePath} that made it no longer exists`, removed: false}])
    expect(await dockerContexts()).toEqual(before)
  })

  it('contexts prune removes only stale contexts: a live machine\'s and the user\'s own stay', async () => {
    expect((await create('gone')).code).toBe(0)
    expect((await create('dropped', 'other')).code).toBe(0)
    expect((await create('live', 'other')).code).toBe(0)
    const mine = await sandbox.sh('docker context create mine --docker host=tcp://127.0.0.1:7')
    expect(mine.code, mine.stderr).toBe(0)
    expect((await sandbox.run(['use', 'gone'])).code).toBe(0)
    await rm(sandbox.storePath, {recursive: true})
    // A store that is still there but no longer has the machine.
    await rm(join(otherStore, 'machines', 'dropped'), {recursive: true})
    const liveBefore = await meta('live')

    const pruned = await other(['contexts', 'prune'])
    expect(pruned.code, pruned.stderr).toBe(0)
    expect(pruned.stdout).toBe([
      `Removed docker context "dropped": the store ${otherStore} that made it no longer has a machine "dropped"`,
      `Removed docker context "gone": the store ${sandbox.storePath} that made it no longer exists`,
      '',
    ].join('\n'))
    expect(pruned.stderr).toContain('"gone" was the docker CLI\'s current context: the docker CLI is back on its default context.')
    const after = await dockerContexts()
    expect([...after.keys()].sort()).toEqual(['default', 'live', 'mine'])
    expect(after.get('mine')).toBe('|tcp://127.0.0.1:7')
    expect(await meta('live')).toBe(liveBefore)
    expect(await currentContext()).toBe('default')
    expect(existsSync(join(sandbox.env.DOCKER_CONFIG!, 'contexts', 'tls', contextId('gone')))).toBe(false)
    // The deleted store is not brought back by the lock prune takes in a store that is still there.
    expect(existsSync(sandbox.storePath)).toBe(false)

    const again = await other(['contexts', 'prune', '--json'])
    expect(again.code).toBe(0)
    expect(JSON.parse(again.stdout)).toEqual([])
    expect(again.stderr).toContain('No stale docker contexts')
    expect((await other(['ls'])).stderr).toBe('')
  })

  it('rm removes a stale context of its machine\'s name, and prune tells a DOCKER_CONTEXT naming one to be unset', async () => {
    // The other store's "dup" was made with a docker configuration of its own, so both stores have one.
    const ownDocker = {DOCKER_CONFIG: join(sandbox.dir, 'other-docker'), BERTH_STORAGE_PATH: otherStore}
    expect((await sandbox.run(['create', '-d', 'none', '--url', `tcp://127.0.0.1:${await freeLoopbackPort()}`, 'dup'], {env: ownDocker})).code).toBe(0)
    expect((await create('dup')).code).toBe(0)
    expect((await create('gone')).code).toBe(0)
    await rm(sandbox.storePath, {recursive: true})

    const removed = await other(['rm', '-y', 'dup'])
    expect(removed.code, removed.stderr).toBe(0)
    expect(removed.stderr).toContain(`Removed the stale docker context "dup" too: the store ${sandbox.storePath} that made it no longer exists.`)
    expect((await dockerContexts()).has('dup')).toBe(false)

    const pruned = await sandbox.run(['contexts', 'prune'], {env: {DOCKER_CONTEXT: 'gone'}})
    expect(pruned.code, pruned.stderr).toBe(0)
    expect(pruned.stdout).toBe(`Removed docker context "gone": the store ${sandbox.storePath} that made it no longer exists\n`)
    expect(pruned.stderr).toContain('DOCKER_CONTEXT names the stale context "gone", which is gone now: unset it, or the docker CLI fails.')
    expect([...(await dockerContexts()).keys()]).toEqual(['default'])
  })

  it('two live stores never touch each other\'s contexts', async () => {
    expect((await create('ours')).code).toBe(0)
    expect((await create('theirs', 'other')).code).toBe(0)
    const before = await dockerContexts()
    const [oursMeta, theirsMeta] = await Promise.all([meta('ours'), meta('theirs')])

    const refused = await create('theirs')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`Error: A docker context named "theirs" already exists and belongs to the machine "theirs" of another berth store (${otherStore}); berth leaves it alone.`)
    for (const prune of [sandbox.run(['contexts', 'prune']), other(['contexts', 'prune'])]) {
      const result = await prune
      expect(result.code, result.stderr).toBe(0)
      expect(result.stdout).toBe('')
    }
    expect((await sandbox.run(['ls'])).stderr).toBe('')
    expect(await dockerContexts()).toEqual(before)
    expect([await meta('ours'), await meta('theirs')]).toEqual([oursMeta, theirsMeta])
  })
})
