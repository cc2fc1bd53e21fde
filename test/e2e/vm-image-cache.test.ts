import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {pathToFileURL} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {repoRoot} from '../harness/berth.js'
import {IMAGE, ImageServer, SHA256} from '../unit/vm/image-server.js'

// Two berth processes creating machines from the same image at once: the store's lock makes one download it
// and the other wait for it and use it. Runs the built modules (npm run build), as the CLI would.
const CHILD = `
const [cache, layout] = await Promise.all([import(process.env.CACHE_MODULE), import(process.env.LAYOUT_MODULE)])
process.stderr.write('started\\n')
const path = await cache.ensureImage(new layout.StoreLayout(process.env.STORE), {source: process.env.IMAGE_URL, checksum: process.env.IMAGE_CHECKSUM})
process.stdout.write(path)
`

describe('image cache across processes', () => {
  const server = new ImageServer()
  let dir: string

  beforeAll(async () => {
    await server.start()
    dir = await mkdtemp(join(tmpdir(), 'berth-image-procs-'))
  })

  afterAll(async () => {
    await server.stop()
    await rm(dir, {recursive: true, force: true})
  })

  it('downloads an image once when two processes ask for it at the same time', async () => {
    const cacheModule = join(repoRoot, 'dist', 'src', 'core', 'vm', 'image-cache.js')
    expect(existsSync(cacheModule), 'run "npm run build" first').toBe(true)
    let release!: () => void
    server.hold = new Promise((resolve) => {
      release = resolve
    })
    const env = {
      ...process.env,
      CACHE_MODULE: pathToFileURL(cacheModule).href,
      LAYOUT_MODULE: pathToFileURL(join(repoRoot, 'dist', 'src', 'core', 'store', 'layout.js')).href,
      STORE: join(dir, 'store'),
      IMAGE_URL: `${server.base}/images/disk.qcow2`,
      IMAGE_CHECKSUM: `sha256:${SHA256}`,
    }
    const children = [runChild(env), runChild(env)]
    try {
      // The download stalls after its first MiB until both processes are running and the second has had time to
      // reach the lock; whichever order they reach it in, the server must see one image request.
      await Promise.all(children.map((child) => child.started))
      await sleep(500)
    } finally {
      release()
    }
    const results = await Promise.all(children.map((child) => child.done))
    for (const result of results) expect(result.code, result.stderr).toBe(0)
    expect(results[0]!.stdout).toBe(results[1]!.stdout)
    expect((await readFile(results[0]!.stdout)).equals(IMAGE)).toBe(true)
    expect(server.imageRequests()).toHaveLength(1)
  })
})

interface Child {
  started: Promise<void>
  done: Promise<{code: number | null; stdout: string; stderr: string}>
}

function runChild(env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {env, stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  let markStarted!: () => void
  const started = new Promise<void>((resolve) => {
    markStarted = resolve
  })
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
    if (stderr.includes('started\n')) markStarted()
  })
  const done = new Promise<{code: number | null; stdout: string; stderr: string}>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => {
      markStarted()
      resolve({code, stdout, stderr})
    })
  })
  return {started, done}
}
