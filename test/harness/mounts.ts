import {execFile} from 'node:child_process'
import {promisify} from 'node:util'

const run = promisify(execFile)

/** Mount points at or below dir, as seen from this process's mount namespace, deepest first. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const {stdout} = await run('findmnt', ['-rn', '-o', 'TARGET'], {encoding: 'utf8'})
  // findmnt -r escapes blanks and odd bytes as \xNN.
  const targets = stdout.split('\n').filter(Boolean).map((line) => line.replace(/\\x([0-9a-f]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))))
  return targets.filter((target) => target === dir || target.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length)
}

/** Lazily unmount everything at or below dir; returns what is still mounted afterwards. */
export async function unmountUnder(dir: string): Promise<string[]> {
  for (const target of await mountsUnder(dir)) {
    try {
      await run('umount', ['-l', target])
    } catch {
      // A parent's lazy unmount may already have taken it.
    }
  }
  return mountsUnder(dir)
}
