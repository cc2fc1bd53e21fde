import {chmod, mkdir, readdir, readFile, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {ensureDir, writeFileAtomic} from '../../../src/core/store/files.js'
import {permissions, tempDir} from './helpers.js'

let root: string
let cleanup: () => Promise<void>

beforeEach(async () => {
  ({path: root, cleanup} = await tempDir())
})

afterEach(async () => {
  await cleanup()
})

async function withUmask<T>(mask: number, work: () => Promise<T>): Promise<T> {
  const previous = process.umask(mask)
  try {
    return await work()
  } finally {
    process.umask(previous)
  }
}

describe('writeFileAtomic', () => {
  it('writes a string and bytes exactly', async () => {
    const text = join(root, 'text.json')
    await writeFileAtomic(text, '{"a": 1}\n')
    expect(await readFile(text, 'utf8')).toBe('{"a": 1}\n')

    const bytes = join(root, 'bytes.bin')
    const content = Uint8Array.from({length: 256}, (_, i) => i)
    await writeFileAtomic(bytes, content)
    expect(new Uint8Array(await readFile(bytes))).toEqual(content)
  })

  it('replaces an existing file, tightening its mode to 0600', async () => {
    const path = join(root, 'config.json')
    await writeFile(path, 'old content that is longer than the new one', {mode: 0o644})
    await chmod(path, 0o644)
    await writeFileAtomic(path, 'new')
    expect(await readFile(path, 'utf8')).toBe('new')
    expect(permissions((await stat(path)).mode)).toBe(0o600)
  })

  it.each([0o000, 0o022, 0o077])('creates files 0600 and directories 0700 under umask %o', async (mask) => {
    const path = join(root, 'a', 'b', 'c', 'key.pem')
    await withUmask(mask, () => writeFileAtomic(path, 'secret'))
    expect(permissions((await stat(path)).mode)).toBe(0o600)
    for (const dir of ['a', 'a/b', 'a/b/c']) {
      expect(permissions((await stat(join(root, dir))).mode), dir).toBe(0o700)
    }
  })

  it('gives the file exactly the mode asked for, whatever the umask', async () => {
    const path = join(root, 'id_ed25519.pub')
    await withUmask(0o077, () => writeFileAtomic(path, 'ssh-ed25519 AAAA', 0o644))
    expect(permissions((await stat(path)).mode)).toBe(0o644)
  })

  it('leaves no temporary file behind', async () => {
    const path = join(root, 'config.json')
    for (let i = 0; i < 5; i++) await writeFileAtomic(path, `version ${i}`)
    expect(await readdir(root)).toEqual(['config.json'])
  })

  it('removes its temporary file when the rename fails', async () => {
    const path = join(root, 'occupied')
    await mkdir(join(path, 'child'), {recursive: true})
    await expect(writeFileAtomic(path, 'content')).rejects.toThrow()
    expect(await readdir(root)).toEqual(['occupied'])
  })

  it('leaves exactly one complete content when many writers race, and readers never see a mix', async () => {
    const path = join(root, 'machines', 'm1', 'config.json')
    const size = 256 * 1024
    const contents = Array.from({length: 40}, (_, i) => `${String(i).padStart(2, '0')}:`.padEnd(size, String.fromCharCode(65 + (i % 26))))
    await writeFileAtomic(path, contents[0]!)
    const known = new Set(contents)

    let writing = true
    const seen: string[] = []
    const reader = (async () => {
      while (writing) {
        seen.push(await readFile(path, 'utf8'))
      }
    })()
    await Promise.all(contents.map((content) => writeFileAtomic(path, content)))
    writing = false
    await reader

    const final = await readFile(path, 'utf8')
    expect(final.length).toBe(size)
    expect(known.has(final)).toBe(true)
    expect(seen.length).toBeGreaterThan(0)
    for (const read of seen) expect(known.has(read)).toBe(true)
    expect(await readdir(join(root, 'machines', 'm1'))).toEqual(['config.json'])
  })
})

describe('ensureDir', () => {
  it('creates nested directories 0700 and accepts one that exists', async () => {
    const path = join(root, 'x', 'y')
    await withUmask(0o000, () => ensureDir(path))
    await ensureDir(path)
    expect(permissions((await stat(join(root, 'x'))).mode)).toBe(0o700)
    expect(permissions((await stat(path)).mode)).toBe(0o700)
  })
})
