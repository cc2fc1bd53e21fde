import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {dockerConfigDir} from '../../../src/core/client/docker-config.js'
import {wordError} from '../../../src/cli/error-wording.js'
import {contextId, contextNameProblem, DockerContextConflictError, DockerContextNameError, DockerContextStore, type ContextSpec} from '../../../src/core/client/docker-context.js'
import {BerthError} from '../../../src/core/errors.js'

let root: string
let store: DockerContextStore
/** The berth store the contexts are written from: it exists, with an identity and the machines m1 and m2. */
let berthStore: string

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-ctx-'))
  store = new DockerContextStore({DOCKER_CONFIG: root})
  berthStore = join(root, 'berth-store')
  for (const machine of ['m1', 'm2']) await mkdir(join(berthStore, 'machines', machine), {recursive: true})
  await writeFile(join(berthStore, 'store-id'), 'id-1\n')
})
afterEach(async () => rm(root, {recursive: true, force: true}))

const tls = {ca: 'CA PEM\n', cert: 'CERT PEM\n', key: 'KEY PEM\n'}
const spec = (name: string, url = 'tcp://10.0.0.5:2376'): ContextSpec => ({name, url, tls, store: {path: berthStore, id: 'id-1'}})
const metaPath = (name: string) => join(root, 'contexts', 'meta', sha(name), 'meta.json')
const tlsPath = (name: string, file: string) => join(root, 'contexts', 'tls', sha(name), 'docker', file)
const sha = (name: string) => createHash('sha256').update(name).digest('hex')
const mode = async (path: string) => (await stat(path)).mode & 0o777

/** A context as `docker context create` would leave it, with no berth marker. */
async function userContext(name: string): Promise<string> {
  const text = JSON.stringify({Name: name, Metadata: {Description: 'mine'}, Endpoints: {docker: {Host: 'ssh://me@box', SkipTLSVerify: false}}})
  await mkdir(join(root, 'contexts', 'meta', sha(name)), {recursive: true})
  await writeFile(metaPath(name), text)
  return text
}

describe('dockerConfigDir', () => {
  it('is $DOCKER_CONFIG, else ~/.docker', () => {
    expect(dockerConfigDir({DOCKER_CONFIG: '/x/y', HOME: '/h'})).toBe('/x/y')
    expect(dockerConfigDir({DOCKER_CONFIG: '', HOME: '/h'})).toBe(join('/h', '.docker'))
    expect(dockerConfigDir({USERPROFILE: '/w'})).toBe(join('/w', '.docker'))
  })
})

describe('contextNameProblem', () => {
  it('accepts what the docker CLI accepts and explains the rest', () => {
    expect(contextNameProblem('m1')).toBeUndefined()
    expect(contextNameProblem('dev.box-2')).toBeUndefined()
    expect(contextNameProblem('default')).toMatch(/reserved/)
    expect(contextNameProblem('x')).toMatch(/at least two characters/)
  })
})

describe('DockerContextStore.write', () => {
  it('writes the layout the docker CLI reads, private and complete', async () => {
    expect(await store.write(spec('m1'))).toEqual({written: true})
    expect(contextId('m1')).toBe(sha('m1'))
    expect(await readFile(metaPath('m1'), 'utf8')).toBe(
      `{"Name":"m1","Metadata":{"Description":"berth machine m1","berth":{"machine":"m1","store":"${berthStore}","storeId":"id-1"}},` +
      '"Endpoints":{"docker":{"Host":"tcp://10.0.0.5:2376","SkipTLSVerify":false}}}',
    )
    for (const [file, content] of [['ca.pem', tls.ca], ['cert.pem', tls.cert], ['key.pem', tls.key]] as const) {
      expect(await readFile(tlsPath('m1', file), 'utf8')).toBe(content)
      expect(await mode(tlsPath('m1', file))).toBe(0o600)
    }
    expect(await mode(metaPath('m1'))).toBe(0o600)
    expect(await mode(join(root, 'contexts', 'tls', sha('m1'), 'docker'))).toBe(0o700)
    expect(await mode(join(root, 'contexts', 'meta', sha('m1')))).toBe(0o700)
    expect(await store.owner('m1')).toBe('berth')
    expect(await store.isBerthContext('m1')).toBe(true)
  })

  it('updates its own context in place', async () => {
    await store.write(spec('m1'))
    await store.write({...spec('m1', 'tcp://10.0.0.9:2376'), tls: {...tls, cert: 'NEW\n'}})
    expect(JSON.parse(await readFile(metaPath('m1'), 'utf8'))).toMatchObject({Endpoints: {docker: {Host: 'tcp://10.0.0.9:2376'}}})
    expect(await readFile(tlsPath('m1', 'cert.pem'), 'utf8')).toBe('NEW\n')
  })

  it('refuses to overwrite a context that is not berth\'s, and names the fix', async () => {
    const original = await userContext('m1')
    const error = await store.write(spec('m1')).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(DockerContextConflictError)
    expect((error as BerthError).message).toBe('A docker context named "m1" already exists and was not created by berth; berth leaves it alone.')
    expect(wordError(error as BerthError).hint).toMatch(/docker context rm m1/)
    expect(await readFile(metaPath('m1'), 'utf8')).toBe(original)
    expect(existsSync(tlsPath('m1', 'ca.pem'))).toBe(false)
  })

  it('refuses the context of another store\'s machine of the same name, naming that store, and leaves it as it was', async () => {
    await store.write(spec('m1'))
    const original = await readFile(metaPath('m1'), 'utf8')
    const other = {path: '/srv/other-store', id: 'id-2'}
    const error = await store.write({...spec('m1', 'tcp://10.0.0.9:2376'), store: other}).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(DockerContextConflictError)
    expect((error as BerthError).message).toBe(`A docker context named "m1" already exists and belongs to the machine "m1" of another berth store (${berthStore}); berth leaves it alone.`)
    expect(wordError(error as BerthError).hint).toBe(`Work with that machine through its own store (BERTH_STORAGE_PATH=${berthStore}), or choose another machine name.`)
    expect(await readFile(metaPath('m1'), 'utf8')).toBe(original)
    await expect(store.checkWritable('m1', other)).rejects.toBeInstanceOf(DockerContextConflictError)
    expect(await store.checkWritable('m1', {path: berthStore, id: 'id-1'})).toBeUndefined()
    expect(await store.otherStore('m1', '/srv/other-store')).toBe(berthStore)
    expect(await store.stale('m1')).toBeUndefined()
  })

  it('treats unreadable metadata and a marker for another name as not berth\'s', async () => {
    await mkdir(join(root, 'contexts', 'meta', sha('m1')), {recursive: true})
    await writeFile(metaPath('m1'), '{not json')
    expect(await store.owner('m1')).toBe('other')
    await expect(store.write(spec('m1'))).rejects.toBeInstanceOf(DockerContextConflictError)
    await mkdir(join(root, 'contexts', 'meta', sha('m2')), {recursive: true})
    await writeFile(metaPath('m2'), JSON.stringify({Name: 'm2', Metadata: {berth: {machine: 'other'}}, Endpoints: {}}))
    expect(await store.owner('m2')).toBe('other')
    expect(await store.owner('m3')).toBe('none')
  })

  it('skips names the docker CLI cannot hold, writing nothing', async () => {
    for (const name of ['default', 'x']) {
      const result = await store.write(spec(name))
      expect(result.written).toBe(false)
      expect(result.written ? '' : result.reason).toMatch(`Machine "${name}" cannot have a docker context`)
    }
    expect(existsSync(join(root, 'contexts'))).toBe(false)
  })
})

describe('stale contexts', () => {
  /** A context as berth before store identities wrote it: a marker with the store's path only. */
  async function legacyContext(name: string, storePath: string): Promise<void> {
    await mkdir(join(root, 'contexts', 'meta', sha(name)), {recursive: true})
    await writeFile(metaPath(name), JSON.stringify({Name: name, Metadata: {Description: `berth machine ${name}`, berth: {machine: name, store: storePath}}, Endpoints: {docker: {Host: 'tcp://10.0.0.5:2376'}}}))
  }

  it('is a context whose store was deleted: a write from another store replaces it and says so', async () => {
    await store.write(spec('m1'))
    await rm(berthStore, {recursive: true})
    expect(await store.stale('m1')).toMatchObject({context: 'm1', reason: 'store-missing', marker: {store: berthStore, storeId: 'id-1'}})
    const result = await store.write({...spec('m1', 'tcp://10.0.0.9:2376'), store: {path: '/srv/fresh', id: 'id-9'}})
    expect(result).toEqual({written: true, replaced: {context: 'm1', reason: 'store-missing', marker: {machine: 'm1', store: berthStore, storeId: 'id-1'}}})
    expect(JSON.parse(await readFile(metaPath('m1'), 'utf8'))).toMatchObject({Metadata: {berth: {store: '/srv/fresh', storeId: 'id-9'}}})
  })

  it('tells a store deleted and made again at the same path from the one that made the context', async () => {
    await store.write(spec('m1'))
    await writeFile(join(berthStore, 'store-id'), 'id-2\n')
    expect((await store.stale('m1'))?.reason).toBe('store-replaced')
    await rm(join(berthStore, 'store-id'))
    expect((await store.stale('m1'))?.reason).toBe('store-replaced')
    // The new store at that path, not yet with an identity, may take the name over.
    expect((await store.checkWritable('m1', {path: berthStore, id: undefined}))?.reason).toBe('store-replaced')
  })

  it('is a context whose store no longer has the machine', async () => {
    await store.write(spec('m1'))
    await rm(join(berthStore, 'machines', 'm1'), {recursive: true})
    expect((await store.stale('m1'))?.reason).toBe('machine-missing')
  })

  it('reads a context written before store identities by its store\'s path and machine', async () => {
    await legacyContext('m1', berthStore)
    await legacyContext('m3', berthStore)
    expect(await store.stale('m1')).toBeUndefined()
    expect(await store.checkWritable('m1', {path: berthStore, id: 'id-1'})).toBeUndefined()
    await expect(store.checkWritable('m1', {path: '/srv/other', id: 'id-2'})).rejects.toBeInstanceOf(DockerContextConflictError)
    expect(await store.stale('m3')).toMatchObject({reason: 'machine-missing', marker: {machine: 'm3', store: berthStore}})
  })

  it('never counts a context that is not berth\'s, and lists berth\'s with their markers', async () => {
    await userContext('mine')
    await store.write(spec('m1'))
    await mkdir(join(root, 'contexts', 'meta', 'not-a-hash'), {recursive: true})
    expect(await store.berthContexts()).toEqual([{context: 'm1', marker: {machine: 'm1', store: berthStore, storeId: 'id-1'}}])
    await rm(berthStore, {recursive: true})
    expect(await store.stale('mine')).toBeUndefined()
  })

  it('removes a stale context only while it is the one judged stale, and stops it being current', async () => {
    await store.write(spec('m1'))
    await store.use('m1')
    await rm(berthStore, {recursive: true})
    const stale = (await store.stale('m1'))!
    // A create elsewhere replaced it meanwhile: it is no longer the stale one.
    await store.write({...spec('m1'), store: {path: '/srv/fresh', id: 'id-9'}})
    expect(await store.removeStale(stale)).toBe(false)
    expect(await store.owner('m1')).toBe('berth')
    await store.write({...spec('m1'), store: {path: join(root, 'gone'), id: 'id-8'}})
    expect(await store.removeStale((await store.stale('m1'))!)).toBe(true)
    expect(await store.owner('m1')).toBe('none')
    expect(await store.currentContext()).toBeUndefined()
  })
})

describe('DockerContextStore.remove', () => {
  it('removes berth\'s context and its TLS material', async () => {
    await store.write(spec('m1'))
    expect(await store.remove('m1')).toBe(true)
    expect(existsSync(join(root, 'contexts', 'meta', sha('m1')))).toBe(false)
    expect(existsSync(join(root, 'contexts', 'tls', sha('m1')))).toBe(false)
    expect(await store.owner('m1')).toBe('none')
    expect(await store.remove('m1')).toBe(false)
  })

  it('leaves a user\'s context alone', async () => {
    const original = await userContext('m1')
    expect(await store.remove('m1')).toBe(false)
    expect(await store.owner('m1')).toBe('other')
    expect(await readFile(metaPath('m1'), 'utf8')).toBe(original)
  })

  it('with a store, removes only that store\'s context', async () => {
    await store.write(spec('m1'))
    expect(await store.remove('m1', {storePath: '/elsewhere'})).toBe(false)
    expect(await store.remove('m1', {storePath: berthStore})).toBe(true)
  })

  it('stops a removed context from being the current one, and only then', async () => {
    await store.write(spec('m1'))
    await store.write(spec('m2'))
    await store.use('m1')
    await store.remove('m2')
    expect(await store.currentContext()).toBe('m1')
    await store.remove('m1')
    expect(await store.currentContext()).toBeUndefined()
  })
})

describe('current context', () => {
  const configPath = () => join(root, 'config.json')

  it('creates config.json when needed, private', async () => {
    await store.write(spec('m1'))
    await store.use('m1')
    expect(JSON.parse(await readFile(configPath(), 'utf8'))).toEqual({currentContext: 'm1'})
    expect(await mode(configPath())).toBe(0o600)
    expect(await store.currentContext()).toBe('m1')
  })

  it('keeps every other key, including ones the docker CLI does not know', async () => {
    const config = {auths: {'registry.example': {auth: 'eA=='}}, credsStore: 'pass', plugins: {x: {y: 'z'}}, berthUnknown: [1, 2]}
    await writeFile(configPath(), JSON.stringify(config))
    await store.write(spec('m1'))
    await store.use('m1')
    expect(JSON.parse(await readFile(configPath(), 'utf8'))).toEqual({...config, currentContext: 'm1'})
    await store.use(undefined)
    expect(JSON.parse(await readFile(configPath(), 'utf8'))).toEqual(config)
  })

  it('goes back to the default without creating a file', async () => {
    await store.use(undefined)
    await store.use('default')
    expect(existsSync(configPath())).toBe(false)
  })

  it('refuses an unknown context and names the docker CLI cannot use', async () => {
    await expect(store.use('nope')).rejects.toThrow('Docker context "nope" does not exist.')
    await expect(store.use('x')).rejects.toBeInstanceOf(DockerContextNameError)
    expect(existsSync(configPath())).toBe(false)
  })

  it('can switch to a user\'s context too', async () => {
    await userContext('theirs')
    await store.use('theirs')
    expect(await store.currentContext()).toBe('theirs')
  })

  it('will not overwrite a config.json it cannot parse', async () => {
    await writeFile(configPath(), '{"auths": ')
    await store.write(spec('m1'))
    await expect(store.use('m1')).rejects.toThrow(/not valid JSON/)
    expect(await readFile(configPath(), 'utf8')).toBe('{"auths": ')
    expect(await store.currentContext()).toBeUndefined()
  })

  it('replaces the target of a symlinked config.json and keeps the link', async () => {
    const real = join(root, 'dotfiles-config.json')
    await writeFile(real, '{"auths":{}}')
    await symlink(real, configPath())
    await store.write(spec('m1'))
    await store.use('m1')
    expect((await lstat(configPath())).isSymbolicLink()).toBe(true)
    expect(await readlink(configPath())).toBe(real)
    expect(JSON.parse(await readFile(real, 'utf8'))).toEqual({auths: {}, currentContext: 'm1'})
  })

  it('follows $DOCKER_CONTEXT first, as the docker CLI does', async () => {
    await writeFile(configPath(), '{"currentContext":"m1"}')
    expect(await new DockerContextStore({DOCKER_CONFIG: root, DOCKER_CONTEXT: 'm2'}).currentContext()).toBe('m2')
    expect(await new DockerContextStore({DOCKER_CONFIG: root, DOCKER_CONTEXT: ''}).currentContext()).toBe('m1')
  })
})
