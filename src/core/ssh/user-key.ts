import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {UsageError} from '../errors.js'
import {diagnosePath, errorCode} from '../path-problem.js'
import {quoteValue} from '../safe-text.js'
import {writeFileAtomic} from '../store/files.js'
import type {MachineLayout} from '../store/layout.js'

/** A private key the user named for a machine, read and checked once, so that what is copied is what was checked. */
export interface UserSshKey {
  /** Where the user keeps it. */
  path: string
  content: Buffer
  /** OpenSSH's file name for a key of its kind (id_ed25519, id_rsa, id_ecdsa): the name of the machine's copy. */
  fileName: string
}

const FILE_NAMES: Readonly<Record<string, string>> = {
  'ssh-ed25519': 'id_ed25519',
  'ssh-rsa': 'id_rsa',
  'ssh-dss': 'id_dsa',
}

/**
 * Read the key a flag names and check that SSH can use it: it exists, can be read, is a private key ssh2 parses,
 * and needs no passphrase (berth has no way to be given one). Each failure is one line naming the flag, the file
 * and the fix. Its mode does not matter: berth uses its own 0600 copy.
 */
export async function readUserSshKey(flag: string, path: string): Promise<UserSshKey> {
  const named = `${flag} ${quoteValue(path)}`
  let content: Buffer
  try {
    content = await readFile(path)
  } catch (error) {
    const {path: atFault, problem} = await diagnosePath(path, error)
    const where = atFault === path ? '' : `: ${quoteValue(atFault)}`
    throw new UsageError(`${named}${where} ${problem}.`, {code: 'ssh-key-unreadable', data: {flag, path, atFault, problem, access: errorCode(error) === 'EACCES'}})
  }
  // Loaded here, not at the top: the drivers that use this are loaded by ls and env too, which never parse a key.
  const {default: ssh2} = await import('ssh2')
  const parsed = ssh2.utils.parseKey(content)
  if (parsed instanceof Error) {
    if (/passphrase/i.test(parsed.message)) {
      throw new UsageError(`${named} is protected by a passphrase, and berth cannot be given one.`, {code: 'ssh-key-passphrase', data: {flag, path}})
    }
    const reason = parsed.message.toLowerCase()
    throw new UsageError(`${named} is not a private key berth can read (${reason}).`, {code: 'ssh-key-unparsable', data: {flag, path, reason}})
  }
  if (!parsed.isPrivateKey()) {
    const privateHalf = path.endsWith('.pub') ? path.slice(0, -'.pub'.length) : undefined
    throw new UsageError(`${named} is a public key (${parsed.type}); berth needs the private key that goes with it.`, {
      code: 'ssh-key-public',
      data: {flag, path, type: parsed.type, ...(privateHalf === undefined ? {} : {privateHalf})},
    })
  }
  return {path, content, fileName: FILE_NAMES[parsed.type] ?? (parsed.type.startsWith('ecdsa-') ? 'id_ecdsa' : 'id_key')}
}

/**
 * Keep a copy of the user's key in the machine's directory, mode 0600, and return its path: the machine keeps
 * working when the original is moved, deleted or has its mode changed (Docker Machine's generic driver copies it too).
 */
export async function keepUserSshKey(key: UserSshKey, machine: MachineLayout): Promise<string> {
  const copy = join(machine.dir, key.fileName)
  await writeFileAtomic(copy, key.content)
  return copy
}
