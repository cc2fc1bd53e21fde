import {spawnSync} from 'node:child_process'
import {mkdtemp, readdir, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {checkRemotePath, installCommand, octalMode, privateTempRoots, stagingPath} from '../../../src/core/ssh/upload-plan.js'

describe('upload plan', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth upload \'plan\' '))
  })
  afterEach(() => rm(dir, {recursive: true, force: true}))

  it('formats modes for install(1) and refuses nonsense', () => {
    expect(octalMode(0o600)).toBe('0600')
    expect(octalMode(0o4755)).toBe('4755')
    expect(() => octalMode(0o10000)).toThrow(/Invalid file mode/)
    expect(() => octalMode(1.5)).toThrow(/Invalid file mode/)
  })

  it('accepts absolute file paths only', () => {
    expect(() => checkRemotePath('/etc/docker/ca.pem')).not.toThrow()
    for (const bad of ['etc/docker/ca.pem', '/etc/docker/', '', '/a\0b']) expect(() => checkRemotePath(bad)).toThrow(/Invalid remote file path/)
  })

  it('stages beside the target under a hidden random name', () => {
    const staged = stagingPath('/etc/docker/server-key.pem')
    expect(staged).toMatch(/^\/etc\/docker\/\.server-key\.pem\.berth-[0-9a-f]{12}$/)
    expect(stagingPath('/etc/docker/server-key.pem')).not.toBe(staged)
    expect(privateTempRoots('/home/ubuntu')).toEqual(['/home/ubuntu', '/tmp'])
    expect(privateTempRoots('/tmp')).toEqual(['/tmp'])
  })

  // This machine's sh and coreutils stand in for the host: the command really runs, as root.
  it('installs with the exact mode and owner, replacing the target, leaving nothing staged', async () => {
    const source = join(dir, 'src file')
    const target = join(dir, 'server-key.pem')
    await writeFile(source, 'secret', {mode: 0o600})
    await writeFile(target, 'old')
    const command = installCommand(source, target, {mode: 0o640, owner: 'root', group: 'root'})
    expect(command).not.toContain('secret')
    const result = spawnSync('sh', ['-c', command], {encoding: 'utf8'})
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    const info = await stat(target)
    expect({mode: info.mode & 0o7777, uid: info.uid, gid: info.gid}).toEqual({mode: 0o640, uid: 0, gid: 0})
    expect((await readdir(dir)).sort()).toEqual(['server-key.pem', 'src file'])
  })

  it('fails cleanly (no staged file left) when install cannot finish', async () => {
    const source = join(dir, 'src')
    await writeFile(source, 'x')
    const result = spawnSync('sh', ['-c', installCommand(source, join(dir, 'out'), {mode: 0o600, owner: 'no-such-user-berth'})], {encoding: 'utf8'})
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/no-such-user-berth/)
    expect(await readdir(dir)).toEqual(['src'])
  })
})
