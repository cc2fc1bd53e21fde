import type {Hash} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {open, readFile, rename, rm, stat} from 'node:fs/promises'
import {basename, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {BerthError} from '../errors.js'
import {ensureDir, writeFileAtomic} from '../store/files.js'
import type {StoreLayout} from '../store/layout.js'
import {withLock} from '../store/lock.js'

/**
 * VM images in the store: downloaded once per source, resumed when a download was interrupted, verified against
 * the publisher's checksum, and shared by every machine made from them. A local file is used where it lies.
 *
 * Layout: <store>/cache/images/<key>/ with key a digest of the URL and the checksum as given, holding
 *   <name>        the verified image, renamed into place only once whole and verified
 *   <name>.part   a download in progress (or interrupted), continued with a Range request
 *   image.json    the URL and the digest the image was verified against
 *   .lock         held by the process downloading, so two processes never fetch the same image at once
 */

export type ChecksumSpec =
  /** "sha256:HEX" or "sha512:HEX". */
  | string
  /** A checksum file as publishers write them (SHA256SUMS, SHA512SUMS): URL or local path, and the name in it. */
  | {file: string; name?: string}

export interface ImageProgress {
  bytes: number
  /** Unknown when the server does not say. */
  total: number | undefined
}

interface ImageRequest {
  /** An http(s) URL, a file:// URL or a local path. */
  source: string
  /** Without one a download is kept as it came; a local file is used unchecked. */
  checksum?: ChecksumSpec
  signal?: AbortSignal
  onProgress?: (progress: ImageProgress) => void
}

interface Digest {
  algorithm: 'sha256' | 'sha512'
  hex: string
}

interface Meta {
  url: string
  algorithm: string
  digest: string
}

/** How many times one call continues a download whose connection broke after it made progress. */
const RESUME_ATTEMPTS = 5
/** A download can take long; a process waiting for another's is told nothing until then, or until its signal fires. */
const LOCK_WAIT_MS = 24 * 60 * 60 * 1000

/** The absolute path of the image, downloaded and verified first when it is not cached yet. */
export async function ensureImage(store: StoreLayout, request: ImageRequest): Promise<string> {
  const remote = /^https?:\/\//i.test(request.source)
  if (!remote) return localImage(request)

  const url = request.source
  const dir = join(store.imagesDir, await cacheKey(url, request.checksum))
  const name = fileNameOf(url)
  const target = join(dir, name)
  const metaPath = join(dir, 'image.json')

  let expected: Digest | undefined
  try {
    expected = await expectedDigest(request.checksum, name, request.signal)
  } catch (error) {
    // Offline with a checksum file: an image verified against it before is still good to use.
    if (request.signal?.aborted || typeof request.checksum !== 'object' || !(await cachedMatches(target, metaPath, undefined))) throw error
    return target
  }
  if (await cachedMatches(target, metaPath, expected)) return target

  await ensureDir(dir)
  return withLock(join(dir, '.lock'), async () => {
    // Another process may have finished it while this one waited.
    if (await cachedMatches(target, metaPath, expected)) return target
    await rm(target, {force: true})
    const part = `${target}.part`
    const algorithm = expected?.algorithm ?? 'sha256'
    let result = await download(url, part, algorithm, request)
    if (expected !== undefined && result.hex !== expected.hex && result.resumed) {
      // What was resumed may have been the start of another file (the publisher replaced it): once more from zero.
      await rm(part, {force: true})
      result = await download(url, part, algorithm, request)
    }
    if (expected !== undefined && result.hex !== expected.hex) {
      await rm(part, {force: true})
      throw checksumMismatch(url, expected, result.hex)
    }
    const meta: Meta = {url, algorithm, digest: result.hex}
    await writeFileAtomic(metaPath, `${JSON.stringify(meta, null, 2)}\n`)
    await rename(part, target)
    return target
  }, {timeoutMs: LOCK_WAIT_MS, ...(request.signal === undefined ? {} : {signal: request.signal})})
}

/** Parse "sha256:HEX" / "sha512:HEX". */
export function parseChecksum(spec: string): Digest {
  const match = /^(sha256|sha512):([0-9a-f]+)$/i.exec(spec.trim())
  const algorithm = match?.[1]?.toLowerCase() as Digest['algorithm'] | undefined
  const hex = match?.[2]?.toLowerCase()
  if (algorithm === undefined || hex === undefined || hex.length !== (algorithm === 'sha256' ? 64 : 128)) {
    throw new BerthError(`Invalid checksum ${JSON.stringify(spec)}: give sha256:<64 hex digits> or sha512:<128 hex digits>.`, {code: 'vm-image'})
  }
  return {algorithm, hex}
}

/**
 * The digest a checksum file gives for name: GNU coreutils lines "<hex>  <name>" or "<hex> *<name>" (a leading
 * "./" on the name ignored), or BSD lines "SHA256 (<name>) = <hex>". The algorithm follows from the digest's length.
 */
export function findInChecksumFile(text: string, name: string): Digest | undefined {
  const wanted = name.replace(/^\.\//, '')
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    const gnu = /^([0-9a-fA-F]+) [ *](.+)$/.exec(line)
    const bsd = /^SHA(256|512) \((.+)\) = ([0-9a-fA-F]+)$/.exec(line)
    const hex = (gnu?.[1] ?? bsd?.[3])?.toLowerCase()
    const listed = (gnu?.[2] ?? bsd?.[2])?.replace(/^\.\//, '')
    if (hex === undefined || listed !== wanted) continue
    if (hex.length === 64) return {algorithm: 'sha256', hex}
    if (hex.length === 128) return {algorithm: 'sha512', hex}
  }
  return undefined
}

async function localImage(request: ImageRequest): Promise<string> {
  const path = /^file:/i.test(request.source) ? fileURLToPath(request.source) : resolve(request.source)
  try {
    if (!(await stat(path)).isFile()) throw new BerthError(`The image ${path} is not a file.`, {code: 'vm-image'})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BerthError(`The image file ${path} does not exist.`, {code: 'vm-image'})
    throw error
  }
  const expected = await expectedDigest(request.checksum, basename(path), request.signal)
  if (expected === undefined) return path
  const actual = await hashFile(path, expected.algorithm, request.signal)
  if (actual !== expected.hex) throw checksumMismatch(path, expected, actual)
  return path
}

async function expectedDigest(checksum: ChecksumSpec | undefined, imageName: string, signal: AbortSignal | undefined): Promise<Digest | undefined> {
  if (checksum === undefined) return undefined
  if (typeof checksum === 'string') return parseChecksum(checksum)
  const name = checksum.name ?? imageName
  const text = await readText(checksum.file, signal)
  const found = findInChecksumFile(text, name)
  if (found === undefined) throw new BerthError(`The checksum file ${checksum.file} lists no sha256 or sha512 digest for ${name}.`, {code: 'vm-image'})
  return found
}

async function readText(location: string, signal: AbortSignal | undefined): Promise<string> {
  if (/^https?:\/\//i.test(location)) {
    const response = await request(location, {}, signal)
    if (response.status !== 200) {
      await response.body?.cancel()
      throw httpError(location, response)
    }
    return response.text()
  }
  const path = /^file:/i.test(location) ? fileURLToPath(location) : resolve(location)
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BerthError(`The checksum file ${path} does not exist.`, {code: 'vm-image'})
    throw error
  }
}

async function cachedMatches(target: string, metaPath: string, expected: Digest | undefined): Promise<boolean> {
  try {
    await stat(target)
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as Partial<Meta>
    return expected === undefined || (meta.algorithm === expected.algorithm && meta.digest === expected.hex)
  } catch {
    return false
  }
}

interface Downloaded {
  hex: string
  /** Whether it continued bytes an earlier attempt or run had left. */
  resumed: boolean
}

/** Download url into part, continuing what part already holds; retries a connection that broke after progress. */
async function download(url: string, part: string, algorithm: Digest['algorithm'], options: ImageRequest): Promise<Downloaded> {
  let resumed = false
  for (let attempt = 1; ; attempt++) {
    const before = await sizeOf(part)
    try {
      const result = await downloadOnce(url, part, algorithm, options)
      return {hex: result.hex, resumed: resumed || result.resumed}
    } catch (error) {
      if (options.signal?.aborted || !(error instanceof CutOff)) throw error
      const progressed = (await sizeOf(part)) > before
      if (!progressed || attempt >= RESUME_ATTEMPTS) {
        throw new BerthError(`The download of ${url} broke off after ${await sizeOf(part)} bytes: ${error.message}.`, {
          code: 'vm-image',
          hint: 'Run the command again: it continues where the download stopped.',
          cause: error,
        })
      }
      resumed = true
    }
  }
}

class CutOff extends Error {}

async function downloadOnce(url: string, part: string, algorithm: Digest['algorithm'], options: ImageRequest): Promise<Downloaded> {
  let offset = await sizeOf(part)
  const headers: Record<string, string> = {'accept-encoding': 'identity'}
  if (offset > 0) headers.range = `bytes=${offset}-`
  const response = await request(url, headers, options.signal)
  let total: number | undefined
  if (response.status === 206 && offset > 0) {
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '')
    if (range === null || Number(range[1]) !== offset) {
      // Not the continuation asked for: start over.
      await response.body?.cancel()
      await rm(part, {force: true})
      return downloadOnce(url, part, algorithm, options)
    }
    total = range[2] === '*' ? undefined : Number(range[2])
  } else if (response.status === 416 && offset > 0) {
    // Nothing past what is already there: the earlier run got it all but stopped before verifying.
    await response.body?.cancel()
    return {hex: await hashFile(part, algorithm, options.signal), resumed: true}
  } else if (response.status === 200) {
    offset = 0
    const length = response.headers.get('content-length')
    total = length === null ? undefined : Number(length)
  } else {
    await response.body?.cancel()
    throw httpError(url, response)
  }

  const hash = await newHash(algorithm)
  if (offset > 0) await hashInto(part, hash, options.signal)
  const handle = await open(part, offset > 0 ? 'a' : 'w', 0o600)
  let bytes = offset
  try {
    options.onProgress?.({bytes, total})
    if (response.body === null) throw new CutOff('the response had no body')
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        await handle.write(chunk)
        hash.update(chunk)
        bytes += chunk.length
        options.onProgress?.({bytes, total})
      }
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason
      throw new CutOff(error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error))
    }
    if (total !== undefined && bytes < total) throw new CutOff(`the server sent ${bytes} of ${total} bytes`)
    await handle.sync()
  } finally {
    await handle.close()
  }
  return {hex: hash.digest('hex'), resumed: offset > 0}
}

async function request(url: string, headers: Record<string, string>, signal: AbortSignal | undefined): Promise<Response> {
  try {
    return await fetch(url, {headers, redirect: 'follow', ...(signal === undefined ? {} : {signal})})
  } catch (error) {
    if (signal?.aborted) throw signal.reason
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error)
    throw new BerthError(`Cannot reach ${url}: ${cause}.`, {code: 'vm-image', cause: error})
  }
}

function httpError(url: string, response: Response): BerthError {
  return new BerthError(`Downloading ${url} failed: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`, {code: 'vm-image'})
}

function checksumMismatch(what: string, expected: Digest, actual: string): BerthError {
  return new BerthError(`Checksum mismatch for ${what}: expected ${expected.algorithm}:${expected.hex}, got ${expected.algorithm}:${actual}.`, {
    code: 'vm-image',
    hint: 'The image is damaged or is not the one the checksum describes; check the image URL and checksum.',
  })
}

async function hashFile(path: string, algorithm: Digest['algorithm'], signal: AbortSignal | undefined): Promise<string> {
  const hash = await newHash(algorithm)
  await hashInto(path, hash, signal)
  return hash.digest('hex')
}

async function hashInto(path: string, hash: Hash, signal: AbortSignal | undefined): Promise<void> {
  for await (const chunk of createReadStream(path, signal === undefined ? {} : {signal})) hash.update(chunk as Buffer)
}

/** node:crypto is loaded when first needed, so that commands that never touch images start without it. */
async function newHash(algorithm: Digest['algorithm']): Promise<Hash> {
  const {createHash} = await import('node:crypto')
  return createHash(algorithm)
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size
  } catch {
    return 0
  }
}

/** One folder per source: the URL and the checksum as given (so a different checksum never reuses a wrong image). */
async function cacheKey(url: string, checksum: ChecksumSpec | undefined): Promise<string> {
  const spec = checksum === undefined ? '' : typeof checksum === 'string' ? checksum.trim().toLowerCase() : `${checksum.file}\n${checksum.name ?? ''}`
  return (await newHash('sha256')).update(`${url}\n${spec}`).digest('hex').slice(0, 20)
}

/** The URL's last path segment, made safe as a file name. */
function fileNameOf(url: string): string {
  let last: string
  try {
    last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '')
  } catch {
    last = ''
  }
  const safe = last.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '')
  return safe === '' || safe === 'image.json' ? 'image' : safe
}
