import {ChildProcess, execFile, spawn, spawnSync} from 'node:child_process'
import {mkdir, readdir, readFile, stat, utimes, writeFile} from 'node:fs/promises'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import {wordError} from '../../../src/cli/error-wording.js'
import {TimeoutError} from '../../../src/core/errors.js'
import {acquireLock, withLock, type LockHolder} from '../../../src/core/store/lock.js'
import {permissions, repoRoot, tempDir} from './helpers.js'

const compiledLock = join(repoRoot, 'dist', 'src', 'core', 'store', 'lock.js')

/**
 * One worker process: waits at a barrier until every worker has started, then runs `cycles` read-increment-write
 * steps on a counter file under the lock. While inside, it holds an exclusively created marker file, so two
 * workers inside at once fail loudly instead of only losing a count. With LOCK=none it takes no lock (the control).
 */
const workerSource = `
import {open, readFile, readdir, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
const [lockModule, dir, index, workers, cycles, mode] = process.argv.slice(1)
const {withLock} = await import(lockModule)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
await writeFile(join(dir, 'ready.' + index), '')
while ((await readdir(dir)).filter((name) => name.startsWith('ready.')).length < Number(workers)) await sleep(2)
const step = async () => {
  const marker = await open(join(dir, 'inside'), mode === 'none' ? 'w' : 'wx')
  const count = Number(await readFile(join(dir, 'counter'), 'utf8'))
  await sleep(1)
  await writeFile(join(dir, 'counter'), String(count + 1))
  await marker.close()
  await rm(join(dir, 'inside'), {force: true})
}
for (let i = 0; i < Number(cycles); i++) {
  if (mode === 'none') await step()
  else await withLock(join(dir, 'counter.lock'), step, {timeoutMs: 30000})
}
`

function runWorkers(dir: string, workers: number, cycles: number, mode: 'lock' | 'none'): Promise<void[]> {
  const lockModule = pathToFileURL(compiledLock).href
  return Promise.all(Array.from({length: workers}, (_, index) => new Promise<void>((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', workerSource, lockModule, dir, String(index), String(workers), String(cycles), mode], {timeout: 60_000}, (error, _stdout, stderr) => {
      if (error) reject(new Error(`worker ${index} failed: ${stderr || error.message}`))
      else resolve()
    })
  })))
}

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  const result = spawnSync('true')
  expect(result.pid).toBeGreaterThan(0)
  return result.pid
}

/** Start a separate node process that takes the lock and keeps it until it is killed. */
async function holdInAnotherProcess(lockPath: string): Promise<ChildProcess> {
  const source = `
    const {acquireLock} = await import(process.argv[1])
    await acquireLock(process.argv[2])
    process.stdout.write('locked\\n')
    setInterval(() => {}, 1000)
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', source, pathToFileURL(compiledLock).href, lockPath], {stdio: ['ignore', 'pipe', 'inherit']})
  children.push(child)
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve()
    })
    child.on('exit', (code) => reject(new Error(`lock holder exited early (${code})`)))
  })
  return child
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })
}

let root: string
let cleanup: () => Promise<void>
const children: ChildProcess[] = []

beforeAll(async () => {
  // The worker processes import the compiled module. Other parts of the tree may not type-check while they are
  // being written; tsc -b still emits, so only the freshness of the output is checked.
  spawnSync('npx', ['tsc', '-b'], {cwd: repoRoot, stdio: 'ignore'})
  const [source, compiled] = await Promise.all([stat(join(repoRoot, 'src', 'core', 'store', 'lock.ts')), stat(compiledLock)])
  expect(compiled.mtimeMs, 'dist/src/core/store/lock.js is older than its source').toBeGreaterThanOrEqual(source.mtimeMs)
})

beforeEach(async () => {
  ({path: root, cleanup} = await tempDir('berth-lock-'))
})

afterEach(async () => {
  await Promise.all(children.splice(0).map(kill))
  await cleanup()
})

describe('withLock across processes', () => {
  it('gives 8 processes of 20 read-increment-write cycles each an exact count', async () => {
    await writeFile(join(root, 'counter'), '0')
    await runWorkers(root, 8, 20, 'lock')
    expect(await readFile(join(root, 'counter'), 'utf8')).toBe('160')
    expect((await readdir(root)).filter((name) => name.includes('lock'))).toEqual([])
  })

  it('(control) the same workers without the lock lose counts, so the test above can fail', async () => {
    await writeFile(join(root, 'counter'), '0')
    await runWorkers(root, 8, 20, 'none')
    expect(Number(await readFile(join(root, 'counter'), 'utf8'))).toBeLessThan(160)
  })

  it('stays exact when every worker finds the same dead owner\'s lock at once', async () => {
    for (let round = 0; round < 3; round++) {
      const dir = join(root, `round-${round}`)
      await mkdir(dir)
      await writeFile(join(dir, 'counter'), '0')
      await writeFile(join(dir, 'counter.lock'), JSON.stringify({pid: deadPid(), host: hostname(), token: 'dead'}))
      await runWorkers(dir, 8, 3, 'lock')
      expect(await readFile(join(dir, 'counter'), 'utf8'), `round ${round}`).toBe('24')
    }
  })
})

describe('acquireLock', () => {
  it('writes {pid, host, token} 0600, creating the directory, and release removes it', async () => {
    const lockPath = join(root, 'machines', 'm1', '.lock')
    const release = await acquireLock(lockPath)
    const owner = JSON.parse(await readFile(lockPath, 'utf8')) as {pid: number; host: string; token: string}
    expect(owner.pid).toBe(process.pid)
    expect(owner.host).toBe(hostname())
    expect(owner.token).toMatch(/^[0-9a-f]{16}$/)
    expect(permissions((await stat(lockPath)).mode)).toBe(0o600)
    await release()
    expect(await readdir(join(root, 'machines', 'm1'))).toEqual([])
    await release()
  })

  it('excludes concurrent holders within one process', async () => {
    const lockPath = join(root, '.lock')
    let inside = 0
    let most = 0
    let count = 0
    await Promise.all(Array.from({length: 20}, () => withLock(lockPath, async () => {
      inside++
      most = Math.max(most, inside)
      const read = count
      await new Promise((resolve) => setTimeout(resolve, 1))
      count = read + 1
      inside--
    })))
    expect(most).toBe(1)
    expect(count).toBe(20)
  })

  it('releases the lock when the work throws, and passes the error on', async () => {
    const lockPath = join(root, '.lock')
    await expect(withLock(lockPath, async () => {
      throw new Error('work failed')
    })).rejects.toThrow('work failed')
    expect(await readdir(root)).toEqual([])
    expect(await withLock(lockPath, async () => 42, {timeoutMs: 100})).toBe(42)
  })

  it('lets exactly one of many waiters break a dead owner\'s lock, round after round', async () => {
    const lockPath = join(root, '.lock')
    const pid = deadPid()
    for (let round = 0; round < 100; round++) {
      await writeFile(lockPath, JSON.stringify({pid, host: hostname(), token: `dead-${round}`}))
      let inside = 0
      let most = 0
      let entered = 0
      // Staggered starts, so that one waiter is still breaking while another has already broken and taken the lock;
      // shortly after the first holder is done, the waiters still queued are sent away, which keeps a round short.
      const stop = new AbortController()
      const results = await Promise.allSettled(Array.from({length: 8}, async (_, index) => {
        await new Promise((resolve) => setTimeout(resolve, index % 4))
        await withLock(lockPath, async () => {
          entered++
          inside++
          most = Math.max(most, inside)
          await new Promise((resolve) => setTimeout(resolve, 2))
          inside--
          if (entered === 1) setTimeout(() => stop.abort(new Error('round over')), 15)
        }, {signal: stop.signal, timeoutMs: 5_000})
      }))
      for (const result of results) {
        if (result.status === 'rejected') expect(String(result.reason), `round ${round}`).toContain('round over')
      }
      expect(most, `round ${round}: holders at once`).toBe(1)
    }
    expect((await readdir(root)).filter((name) => name !== '.lock')).toEqual([])
  })

  it('breaks a lock left by a dead process quickly', async () => {
    const lockPath = join(root, '.lock')
    await writeFile(lockPath, JSON.stringify({pid: deadPid(), host: hostname(), token: 'dead'}))
    const started = Date.now()
    const release = await acquireLock(lockPath, {timeoutMs: 5_000})
    expect(Date.now() - started).toBeLessThan(1_000)
    expect((JSON.parse(await readFile(lockPath, 'utf8')) as {pid: number}).pid).toBe(process.pid)
    await release()
    expect(await readdir(root)).toEqual([])
  })

  it('is not stopped for good by a breaker that crashed while breaking', async () => {
    const lockPath = join(root, '.lock')
    await writeFile(lockPath, JSON.stringify({pid: deadPid(), host: hostname(), token: 'dead'}))
    await writeFile(`${lockPath}.break`, '')
    const old = new Date(Date.now() - 10_000)
    await utimes(`${lockPath}.break`, old, old)
    const release = await acquireLock(lockPath, {timeoutMs: 2_000})
    await release()
    expect(await readdir(root)).toEqual([])
  })

  it('times out on a lock held by a live process, naming its pid, and takes it once that process is killed', async () => {
    const lockPath = join(root, '.lock')
    const holder = await holdInAnotherProcess(lockPath)
    const started = Date.now()
    const waits: LockHolder[] = []
    const error = await acquireLock(lockPath, {timeoutMs: 300, onWait: (seen) => waits.push(seen)}).then(() => undefined, (error: unknown) => error)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as TimeoutError).message).toBe(`Timed out after 0.3s waiting for berth (pid ${holder.pid}).`)
    expect(wordError(error as TimeoutError).hint).toMatch(/Wait for that berth command to finish/)
    expect(waits).toEqual([{pid: holder.pid}])
    expect(Date.now() - started).toBeGreaterThanOrEqual(300)
    expect(Date.now() - started).toBeLessThan(2_000)

    await kill(holder)
    const release = await acquireLock(lockPath, {timeoutMs: 2_000})
    await release()
  })

  it('never breaks a lock of another host, even when the pid is not alive here', async () => {
    const lockPath = join(root, '.lock')
    const foreign = JSON.stringify({pid: deadPid(), host: `not-${hostname()}`, token: 'foreign'})
    await writeFile(lockPath, foreign)
    await expect(acquireLock(lockPath, {timeoutMs: 200})).rejects.toThrow(TimeoutError)
    expect(await readFile(lockPath, 'utf8')).toBe(foreign)
  })

  it('breaks an unreadable lock file older than 5 s', async () => {
    const lockPath = join(root, '.lock')
    await writeFile(lockPath, '')
    const old = new Date(Date.now() - 10_000)
    await utimes(lockPath, old, old)
    const release = await acquireLock(lockPath, {timeoutMs: 1_000})
    expect((JSON.parse(await readFile(lockPath, 'utf8')) as {pid: number}).pid).toBe(process.pid)
    await release()
  })

  it('waits on a fresh unreadable lock file (it may be being written) and then times out without naming a holder', async () => {
    const lockPath = join(root, '.lock')
    await writeFile(lockPath, '{"pid": 12')
    const error = await acquireLock(lockPath, {timeoutMs: 200}).then(() => undefined, (error: unknown) => error)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as TimeoutError).message).toBe(`Timed out after 0.2s waiting for the lock ${lockPath}.`)
    expect(await readFile(lockPath, 'utf8')).toBe('{"pid": 12')
  })

  it('release removes only its own lock', async () => {
    const lockPath = join(root, '.lock')
    const release = await acquireLock(lockPath)
    // As if our lock had been broken and someone else had taken it meanwhile.
    const other = JSON.stringify({pid: process.pid, host: hostname(), token: 'someone-else'})
    await writeFile(lockPath, other)
    await release()
    expect(await readFile(lockPath, 'utf8')).toBe(other)
  })

  it('stops waiting when its signal is aborted', async () => {
    const lockPath = join(root, '.lock')
    const release = await acquireLock(lockPath)
    const controller = new AbortController()
    setTimeout(() => controller.abort(new Error('user pressed ^C')), 100)
    await expect(acquireLock(lockPath, {signal: controller.signal})).rejects.toThrow('user pressed ^C')
    await expect(acquireLock(lockPath, {signal: controller.signal})).rejects.toThrow('user pressed ^C')
    await release()
  })

  it('does not pile up abort listeners while it waits', async () => {
    const lockPath = join(root, '.lock')
    const release = await acquireLock(lockPath)
    const warnings: Error[] = []
    const onWarning = (warning: Error): void => {
      warnings.push(warning)
    }
    process.on('warning', onWarning)
    try {
      const controller = new AbortController()
      await expect(acquireLock(lockPath, {signal: controller.signal, timeoutMs: 1_500})).rejects.toThrow(TimeoutError)
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      process.off('warning', onWarning)
      await release()
    }
    expect(warnings.map((warning) => warning.message)).toEqual([])
  })
})
