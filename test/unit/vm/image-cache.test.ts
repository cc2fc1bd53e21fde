import {mkdtemp, readFile, readdir, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import {BerthError} from '../../../src/core/errors.js'
import {StoreLayout} from '../../../src/core/store/layout.js'
import {ensureImage, findInChecksumFile, parseChecksum, type ImageProgress} from '../../../src/core/vm/image-cache.js'
import {IMAGE, ImageServer, SHA256, SHA512, SIZE} from './image-server.js'

describe('image cache', () => {
  const server = new ImageServer()
  let root: string
  let store: StoreLayout

  beforeAll(async () => {
    await server.start()
    root = await mkdtemp(join(tmpdir(), 'berth-images-'))
  })

  afterAll(async () => {
    await server.stop()
    await rm(root, {recursive: true, force: true})
  })

  beforeEach(async () => {
    store = new StoreLayout(await mkdtemp(join(root, 'store-')))
    server.log.length = 0
  })

  it('downloads, reports progress, verifies against SHA256SUMS, and reuses the image for later machines', async () => {
    const progress: ImageProgress[] = []
    const url = `${server.base}/images/disk.qcow2`
    const checksum = {file: `${server.base}/SHA256SUMS`}
    const path = await ensureImage(store, {source: url, checksum, onProgress: (p) => progress.push(p)})
    expect(path.startsWith(`${store.imagesDir}/`)).toBe(true)
    expect(path.endsWith('/disk.qcow2')).toBe(true)
    expect((await readFile(path)).equals(IMAGE)).toBe(true)
    expect(progress.at(-1)).toEqual({bytes: SIZE, total: SIZE})
    expect(progress.every((p, i) => i === 0 || p.bytes >= progress[i - 1]!.bytes)).toBe(true)
    expect(progress.length).toBeGreaterThan(2)
    expect(server.imageRequests()).toHaveLength(1)

    // A later machine: the checksum file is read again, the image is not.
    expect(await ensureImage(store, {source: url, checksum})).toBe(path)
    expect(server.imageRequests()).toHaveLength(1)
    // Nothing but the image and its record remain (no partial file).
    expect((await readdir(join(path, '..'))).sort()).toEqual(['disk.qcow2', 'image.json'])

  })

  it('uses an image verified before when the checksum file cannot be fetched (offline)', async () => {
    const publisher = new ImageServer()
    await publisher.start()
    const request = {source: `${publisher.base}/images/disk.qcow2`, checksum: {file: `${publisher.base}/SHA256SUMS`}}
    const path = await ensureImage(store, request)
    await publisher.stop()
    expect(await ensureImage(store, request)).toBe(path)
    // Never downloaded: offline is an error.
    await expect(ensureImage(store, {...request, source: `${publisher.base}/images/disk.qcow2?never`})).rejects.toThrow(`Cannot reach ${publisher.base}/SHA256SUMS:`)
  })

  it('continues by itself when the connection is cut mid-way, with a Range request', async () => {
    server.cutNext = 1024 * 1024
    const path = await ensureImage(store, {source: `${server.base}/images/disk.qcow2`, checksum: `sha256:${SHA256}`})
    expect((await readFile(path)).equals(IMAGE)).toBe(true)
    const requests = server.imageRequests()
    expect(requests).toHaveLength(2)
    expect(requests[0]!.range).toBeUndefined()
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(requests[1]!.range ?? '')?.[1])
    expect(resumedAt).toBeGreaterThan(0)
    expect(resumedAt).toBeLessThanOrEqual(1024 * 1024)
    expect(requests[1]!.sent).toBe(SIZE - resumedAt)
  })

  it('continues a partial download left by an interrupted run', async () => {
    const controller = new AbortController()
    const source = `${server.base}/images/disk.qcow2`
    const checksum = {file: `${server.base}/SHA512SUMS`}
    await expect(ensureImage(store, {source, checksum, signal: controller.signal, onProgress: ({bytes}) => {
      if (bytes >= 1024 * 1024) controller.abort(new BerthError('Interrupted.', {code: 'vm-image'}))
    }})).rejects.toThrow('Interrupted.')
    const part = await findPart(store)
    const kept = (await readFile(part)).length
    expect(kept).toBeGreaterThanOrEqual(1024 * 1024)

    const path = await ensureImage(store, {source, checksum})
    expect((await readFile(path)).equals(IMAGE)).toBe(true)
    const requests = server.imageRequests()
    expect(requests.at(-1)!.range).toBe(`bytes=${kept}-`)
    expect(requests.at(-1)!.sent).toBe(SIZE - kept)
  })

  it('starts over when what it continued does not match the checksum', async () => {
    const controller = new AbortController()
    const source = `${server.base}/images/disk.qcow2`
    await expect(ensureImage(store, {source, checksum: `sha256:${SHA256}`, signal: controller.signal, onProgress: ({bytes}) => {
      if (bytes >= 512 * 1024) controller.abort(new BerthError('Interrupted.', {code: 'vm-image'}))
    }})).rejects.toThrow('Interrupted.')
    const part = await findPart(store)
    await writeFile(part, Buffer.alloc((await readFile(part)).length, 0x55))

    const path = await ensureImage(store, {source, checksum: `sha256:${SHA256}`})
    expect((await readFile(path)).equals(IMAGE)).toBe(true)
    const last = server.imageRequests().slice(-2)
    expect(last[0]!.range).toMatch(/^bytes=\d+-$/)
    expect(last[1]!.range).toBeUndefined()
  })

  it('starts over when the server answers a range request with the whole file', async () => {
    const controller = new AbortController()
    const source = `${server.base}/images/disk.qcow2`
    await expect(ensureImage(store, {source, checksum: `sha256:${SHA256}`, signal: controller.signal, onProgress: ({bytes}) => {
      if (bytes >= 512 * 1024) controller.abort(new BerthError('Interrupted.', {code: 'vm-image'}))
    }})).rejects.toThrow('Interrupted.')
    server.ignoreRange = true
    try {
      const path = await ensureImage(store, {source, checksum: `sha256:${SHA256}`})
      expect((await readFile(path)).equals(IMAGE)).toBe(true)
    } finally {
      server.ignoreRange = false
    }
    const last = server.imageRequests().at(-1)!
    expect(last.range).toMatch(/^bytes=\d+-$/)
    expect(last.sent).toBe(SIZE)
  })

  it('verifies a partial file that already holds the whole image (the server answers 416)', async () => {
    const controller = new AbortController()
    const source = `${server.base}/images/disk.qcow2`
    await expect(ensureImage(store, {source, checksum: `sha256:${SHA256}`, signal: controller.signal, onProgress: ({bytes}) => {
      if (bytes >= 512 * 1024) controller.abort(new BerthError('Interrupted.', {code: 'vm-image'}))
    }})).rejects.toThrow('Interrupted.')
    await writeFile(await findPart(store), IMAGE)
    const path = await ensureImage(store, {source, checksum: `sha256:${SHA256}`})
    expect((await readFile(path)).equals(IMAGE)).toBe(true)
    const last = server.imageRequests().at(-1)!
    expect(last.range).toBe(`bytes=${SIZE}-`)
    expect(last.sent).toBe(0)
  })

  it('downloads once for two concurrent requests of the same image', async () => {
    const request = {source: `${server.base}/images/disk.qcow2?concurrent`, checksum: `sha256:${SHA256}`}
    const [a, b] = await Promise.all([ensureImage(store, request), ensureImage(store, request)])
    expect(a).toBe(b)
    expect((await readFile(a)).equals(IMAGE)).toBe(true)
    expect(server.imageRequests()).toHaveLength(1)
  })

  it('follows redirects', async () => {
    const path = await ensureImage(store, {source: `${server.base}/redirect/disk.qcow2`, checksum: `sha256:${SHA256}`})
    expect((await readFile(path)).equals(IMAGE)).toBe(true)
  })

  it('fails in one line on a checksum mismatch, keeping nothing', async () => {
    const wrong = 'ab'.repeat(32)
    const url = `${server.base}/images/disk.qcow2`
    const error = await ensureImage(store, {source: url, checksum: `sha256:${wrong}`}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BerthError)
    expect((error as BerthError).message).toBe(`Checksum mismatch for ${url}: expected sha256:${wrong}, got sha256:${SHA256}.`)
    expect(await filesUnder(store.imagesDir)).toEqual([])
  })

  it('fails in one line on an HTTP error, a name missing from the checksum file, and a bad checksum', async () => {
    await expect(ensureImage(store, {source: `${server.base}/images/nothing.img`, checksum: `sha256:${SHA256}`}))
      .rejects.toThrow(`Downloading ${server.base}/images/nothing.img failed: HTTP 404 Not Found.`)
    await expect(ensureImage(store, {source: `${server.base}/images/disk.qcow2`, checksum: {file: `${server.base}/NOSUMS`}}))
      .rejects.toThrow(`Downloading ${server.base}/NOSUMS failed: HTTP 404 Not Found.`)
    await expect(ensureImage(store, {source: `${server.base}/images/disk.qcow2`, checksum: {file: `${server.base}/SHA256SUMS`, name: 'gone.img'}}))
      .rejects.toThrow(`The checksum file ${server.base}/SHA256SUMS lists no sha256 or sha512 digest for gone.img.`)
    await expect(ensureImage(store, {source: `${server.base}/images/disk.qcow2`, checksum: 'md5:abc'})).rejects.toThrow(/^Invalid checksum "md5:abc"/)
  })

  it('uses a local file or file:// URL in place, checksummed when a checksum is given', async () => {
    const local = join(root, 'local.img')
    await writeFile(local, IMAGE)
    await writeFile(join(root, 'SHA256SUMS'), `${SHA256} *local.img\n`)
    expect(await ensureImage(store, {source: local})).toBe(local)
    expect(await ensureImage(store, {source: local, checksum: `sha256:${SHA256}`})).toBe(local)
    expect(await ensureImage(store, {source: pathToFileURL(local).href, checksum: {file: join(root, 'SHA256SUMS')}})).toBe(local)
    expect(await ensureImage(store, {source: local, checksum: {file: pathToFileURL(join(root, 'SHA256SUMS')).href}})).toBe(local)
    await expect(ensureImage(store, {source: local, checksum: `sha512:${'0'.repeat(128)}`}))
      .rejects.toThrow(`Checksum mismatch for ${local}: expected sha512:${'0'.repeat(128)}, got sha512:${SHA512}.`)
    await expect(ensureImage(store, {source: join(root, 'missing.img')})).rejects.toThrow(`The image file ${join(root, 'missing.img')} does not exist.`)
    await expect(ensureImage(store, {source: local, checksum: {file: join(root, 'NOSUMS')}})).rejects.toThrow(`The checksum file ${join(root, 'NOSUMS')} does not exist.`)
    expect(server.log).toHaveLength(0)
  })
})

describe('checksum formats', () => {
  const hex64 = 'A'.repeat(64)
  it('reads GNU text and binary lines, ./ names and BSD lines', () => {
    expect(findInChecksumFile(`${'1'.repeat(64)}  a.img\n${hex64} *b.img\n`, 'b.img')).toEqual({algorithm: 'sha256', hex: 'a'.repeat(64)})
    expect(findInChecksumFile(`${'2'.repeat(128)}  ./c.qcow2\r\n`, 'c.qcow2')).toEqual({algorithm: 'sha512', hex: '2'.repeat(128)})
    expect(findInChecksumFile(`SHA256 (d.img) = ${'3'.repeat(64)}\n`, 'd.img')).toEqual({algorithm: 'sha256', hex: '3'.repeat(64)})
    expect(findInChecksumFile(`${'4'.repeat(64)}  d.img.sig\n${'5'.repeat(40)}  d.img\n`, 'd.img')).toBeUndefined()
  })

  it('reads sha256: and sha512: checksums', () => {
    expect(parseChecksum(`SHA256:${hex64}`)).toEqual({algorithm: 'sha256', hex: 'a'.repeat(64)})
    expect(() => parseChecksum(`sha256:${'a'.repeat(63)}`)).toThrow(/Invalid checksum/)
    expect(() => parseChecksum(`sha512:${hex64}`)).toThrow(/Invalid checksum/)
  })
})

async function filesUnder(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, {recursive: true, withFileTypes: true})).filter((entry) => entry.isFile()).map((entry) => entry.name)
  } catch {
    return []
  }
}

async function findPart(store: StoreLayout): Promise<string> {
  const entries = await readdir(store.imagesDir, {recursive: true, withFileTypes: true})
  const part = entries.find((entry) => entry.isFile() && entry.name.endsWith('.part'))
  if (part === undefined) throw new Error('no partial download')
  return join(part.parentPath, part.name)
}
