import {readdir, mkdtemp, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {StoreLayout} from '../../../src/core/store/layout.js'
import {ensureStoreIdentity, readStoreIdentity} from '../../../src/core/store/store-identity.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-store-id-'))
})
afterEach(async () => rm(dir, {recursive: true, force: true}))

describe('the store identity', () => {
  it('is made once, private, and read back the same', async () => {
    const layout = new StoreLayout(join(dir, 'store'))
    expect(await readStoreIdentity(layout.root)).toBeUndefined()
    const id = await ensureStoreIdentity(layout)
    expect(id).toMatch(/^[0-9a-f]{32}$/)
    expect(await ensureStoreIdentity(layout)).toBe(id)
    expect(await readStoreIdentity(layout.root)).toBe(id)
    expect((await stat(layout.identity)).mode & 0o777).toBe(0o600)
  })

  it('is the same for every one of many first calls at once, and leaves no temporary file', async () => {
    const layout = new StoreLayout(join(dir, 'store'))
    const ids = await Promise.all(Array.from({length: 20}, () => ensureStoreIdentity(layout)))
    expect(new Set(ids).size).toBe(1)
    expect(await readdir(layout.root)).toEqual(['store-id'])
  })

  it('is another one for a store deleted and made again at the same path', async () => {
    const layout = new StoreLayout(join(dir, 'store'))
    const first = await ensureStoreIdentity(layout)
    await rm(layout.root, {recursive: true})
    expect(await readStoreIdentity(layout.root)).toBeUndefined()
    expect(await ensureStoreIdentity(layout)).not.toBe(first)
  })
})
