import {spawn} from 'node:child_process'
import {createServer, type Server, type Socket} from 'node:net'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {shellJoin} from '../../src/core/ssh/shell-quote.js'
import {BerthSandbox, repoRoot} from '../harness/berth.js'
import {TestHostPool} from '../hosts/index.js'
import type {TestHost} from '../hosts/types.js'

/** A berth process the test can send signals to, with what it printed and how it ended. */
function startBerth(sandbox: BerthSandbox, args: readonly string[]): {child: ReturnType<typeof spawn>; stderr: () => string; exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>} {
  const child = spawn('node', [join(repoRoot, 'bin', 'run.cjs'), ...args], {env: sandbox.env, stdio: ['ignore', 'pipe', 'pipe']})
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) => child.on('exit', (code, signal) => resolve({code, signal})))
  return {child, stderr: () => stderr, exited}
}

/** Hold the host's first `service` call (the engine's restart) until the test lets it go; later calls run as usual. */
async function holdFirstEngineRestart(host: TestHost): Promise<void> {
  await host.exec('mv /usr/sbin/service /usr/sbin/service.real && printf \'#!/bin/sh\\nif [ ! -e /run/berth-test-held ]; then touch /run/berth-test-held; exec sleep 300; fi\\nexec /usr/sbin/service.real "$@"\\n\' > /usr/sbin/service && chmod 755 /usr/sbin/service')
}

async function waitForHold(host: TestHost, stderr: () => string): Promise<void> {
  for (let tries = 0; (await host.exec('test -e /run/berth-test-held')).code !== 0; tries++) {
    expect(tries, stderr()).toBeLessThan(600)
    await sleep(100)
  }
}

describe('Ctrl-C', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
  })

  afterAll(async () => {
    await pool?.dispose()
    await sandbox?.dispose()
  })

  it('during a create: the host is put back as it was, the machine is gone, and berth exits 130', async () => {
    const host = await pool.up('int-create', {init: 'sysv'})
    await holdFirstEngineRestart(host)
    const creating = startBerth(sandbox, ['create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', host.privateKeyPath, 'i-create'])
    await waitForHold(host, creating.stderr)
    // Mid-step: berth's files are on the host, the engine restart under way.
    expect((await host.exec('grep -c tlsverify /etc/default/docker')).stdout.trim()).toBe('1')
    creating.child.kill('SIGINT')
    const ended = await creating.exited
    await host.exec('pkill -f "^sleep 300$" || true')
    expect(ended, creating.stderr()).toEqual({code: 130, signal: null})
    expect(creating.stderr()).toMatch(/^Interrupted: stopping and undoing what was begun \(Ctrl-C again stops at once\)\.$/m)
    expect(creating.stderr()).toContain('berth undid its changes on the host: its files are as they were, and the engine is not running, as before.')
    expect(creating.stderr()).toContain('Creation stopped; everything made for "i-create" was removed')
    // Nothing of berth's is left on the host, nor in the store.
    const left = await host.exec('pidof dockerd; ls /etc/docker/*.pem /var/lib/berth 2>/dev/null; grep -l berth /etc/default/docker; hostname')
    expect(left.stdout).toBe('int-create\n')
    expect((await sandbox.run(['ls', '-q'])).stdout).toBe('')
  })

  it('twice: the second one stops at once, and says how to finish what was left', async () => {
    const host = await pool.up('int-twice', {init: 'sysv'})
    // Both the restart and the undo's own restart are held: the clean-up cannot end before the second Ctrl-C.
    await host.exec('mv /usr/sbin/service /usr/sbin/service.real && printf \'#!/bin/sh\\ntouch /run/berth-test-held\\nexec sleep 300\\n\' > /usr/sbin/service && chmod 755 /usr/sbin/service')
    const creating = startBerth(sandbox, ['create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', host.privateKeyPath, 'i-twice'])
    await waitForHold(host, creating.stderr)
    creating.child.kill('SIGINT')
    for (let waited = 0; !creating.stderr().includes('Interrupted:'); waited += 100) {
      expect(waited, creating.stderr()).toBeLessThan(30_000)
      await sleep(100)
    }
    creating.child.kill('SIGINT')
    const ended = await creating.exited
    await host.exec('pkill -f "^sleep 300$" || true; mv /usr/sbin/service.real /usr/sbin/service')
    expect(ended, creating.stderr()).toEqual({code: 130, signal: null})
    expect(creating.stderr()).toContain('Stopped at once: the clean-up did not finish. What is left stays on record: "berth ls" shows it, "berth rm NAME" or "berth provision NAME" finishes it.')
    // As it says: the machine is on record, and rm removes it.
    expect((await sandbox.run(['ls', '-q'])).stdout).toBe('i-twice\n')
    expect((await sandbox.run(['rm', '-y', 'i-twice'])).code).toBe(0)
  })

  it('in a command that only reads (ls, on the lean path): it exits 130 at once', async () => {
    // An engine that takes the connection and never answers: ls waits for it.
    const sockets: Socket[] = []
    const silent: Server = createServer((socket) => sockets.push(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const port = (silent.address() as {port: number}).port
      const created = await sandbox.run(['create', '-d', 'none', '--url', `tcp://127.0.0.1:${port}`, 'i-silent'])
      expect(created.code, created.stderr).toBe(0)
      // (create asked the engine too, and waited for it in vain.)
      const before = sockets.length
      const listing = startBerth(sandbox, ['ls', '--timeout', '60'])
      for (let waited = 0; sockets.length === before; waited += 50) {
        expect(waited, listing.stderr()).toBeLessThan(30_000)
        await sleep(50)
      }
      const interrupted = Date.now()
      listing.child.kill('SIGINT')
      expect(await listing.exited, listing.stderr()).toEqual({code: 130, signal: null})
      expect(Date.now() - interrupted).toBeLessThan(2000)
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => silent.close(() => resolve()))
    }
  })

  it('at a question: rm exits 130 at once, and nothing is removed', async () => {
    expect((await sandbox.run(['create', '-d', 'none', '--url', 'none', 'i-asked'])).code).toBe(0)
    // rm on a terminal (util-linux's script), Ctrl-C typed once the question is up.
    const child = spawn('script', ['-qec', shellJoin(['node', join(repoRoot, 'bin', 'run.cjs'), 'rm', 'i-asked']), '/dev/null'], {env: {...sandbox.env, TERM: 'dumb'}, stdio: ['pipe', 'pipe', 'pipe']})
    let shown = ''
    child.stdout.on('data', (chunk: Buffer) => {
      shown += chunk.toString()
      if (shown.includes('Are you sure? (y/n): ')) child.stdin.write('\u0003')
    })
    const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)))
    expect(code, shown).toBe(130)
    expect((await sandbox.run(['ls', '-q'])).stdout).toContain('i-asked\n')
  })
})
