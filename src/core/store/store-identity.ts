import {link, readFile, rm} from 'node:fs/promises'

import {errorCode} from '../path-problem.js'
import {writeFileAtomic} from './files.js'
import {StoreLayout} from './layout.js'

/**
 * The store's identity (layout.identity), made the first time it is asked for. Concurrent first calls agree: each
 * writes its id whole beside the file and links it into place, which fails for all but the first.
 */
export async function ensureStoreIdentity(layout: StoreLayout): Promise<string> {
  const found = await readStoreIdentity(layout.root)
  if (found !== undefined) return found
  const {randomBytes} = await import('node:crypto')
  const id = randomBytes(16).toString('hex')
  const temp = `${layout.identity}.${randomBytes(6).toString('hex')}.tmp`
  await writeFileAtomic(temp, `${id}\n`)
  try {
    await link(temp, layout.identity)
    return id
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error
    return (await readStoreIdentity(layout.root)) ?? id
  } finally {
    await rm(temp, {force: true})
  }
}

/**
 * The identity of the store at `root`, or undefined when it has none: no store there, or one that has not written a
 * docker context since berth began to record identities. Any other failure to read it is thrown.
 */
export async function readStoreIdentity(root: string): Promise<string | undefined> {
  try {
    const text = (await readFile(new StoreLayout(root).identity, 'utf8')).trim()
    return text === '' ? undefined : text
  } catch (error) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return undefined
    throw error
  }
}
