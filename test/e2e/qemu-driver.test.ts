import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {chmod, mkdir, readdir, readFile, writeFile} from 'node:fs/promises'
import {createServer, type Server} from 'node:net'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, repoRoot, type RunResult} from '../harness/berth.js'
import {listProcesses} from '../harness/processes.js'
import {ensureTestImage, type TestImage} from '../harness/vm-image.js'

// The qemu driver for real: a Debian 12 image the suite builds with debootstrap (cached between runs), booted under
// whatever accelerator the machine offers (TCG on the CI machines, whose /dev/kvm cannot boot a stock kernel), with
// no outside network. create -> env -> the real docker CLI -> stop -> start with the engine's port taken (the SSH
// port kept; a new engine URL, the certificate kept) -> kill -> rm, with nothing left; and failing creates that roll
// back. Two boots in all: each is a minute or two under TCG.
const QEMU = '/usr/bin/qemu-system-x86_64'
const available = process.platform === 'linux' && process.getuid?.() === 0 && existsSync(QEMU) && existsSync('/usr/sbin/debootstrap')
const MINUTE = 60_000
const NAME = 'qm1'
/** Debian's docker.io says 20.10.24+dfsg1. */
const VERSION = /^\d+\.\d+\.\d+\S* linux$/

describe.skipIf(!available)('qemu driver on a real VM', () => {
  let sandbox: BerthSandbox
  let image: TestImage
  const timings: string[] = []

  const berth = (args: string[], timeoutMs = 10 * MINUTE): Promise<RunResult> => run('node', [join(repoRoot, 'bin', 'run.cjs'), ...args], sandbox.env, timeoutMs)
  const timed = async (what: string, work: () => Promise<RunResult>): Promise<RunResult> => {
    const started = Date.now()
    const result = await work()
    timings.push(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`)
    return result
  }
  const machineDir = (name: string): string => join(sandbox.storePath, 'machines', name)
  const qemuProcesses = async (): Promise<string[]> => (await listProcesses())
    .filter((entry) => entry.state !== 'Z' && entry.cmdline.includes('qemu-system') && entry.cmdline.includes(sandbox.dir))
    .map((entry) => `${entry.pid} ${entry.cmdline}`)
  const ports = async (): Promise<{sshPort: number; enginePort: number}> => JSON.parse(await readFile(join(machineDir(NAME), 'ports.json'), 'utf8')) as {sshPort: number; enginePort: number}
  const dockerVersion = (): Promise<RunResult> => sandbox.sh(`eval "$($BERTH env ${NAME})" && docker version --format '{{.Server.Version}} {{.Server.Os}}'`)

  beforeAll(async () => {
    const started = Date.now()
    image = await ensureTestImage({log: (line) => console.log(`test image: ${line}`)})
    timings.push(`test image (${image.built ? 'built' : 'cached'}): ${((Date.now() - started) / 1000).toFixed(1)} s`)
    sandbox = await BerthSandbox.create()
  }, 30 * MINUTE)

  afterAll(async () => {
    // Whatever a failed test left: its VMs go with the sandbox.
    for (const line of await qemuProcesses()) process.kill(Number(line.split(' ')[0]), 'SIGKILL')
    await sandbox?.dispose()
    console.log(`qemu e2e timings:\n  ${timings.join('\n  ')}`)
  })

  it('berth drivers says qemu is healthy and which accelerator it uses', async () => {
    const listed = await berth(['drivers'])
    expect(listed.code).toBe(0)
    const line = listed.stdout.split('\n').find((row) => row.startsWith('qemu '))
    expect(line).toMatch(/^qemu\s+built-in\s+healthy\s+QEMU emulator version [\d.]+.*; accelerator (kvm|tcg): /)
    const json = JSON.parse((await berth(['drivers', '--json'])).stdout) as {name: string; health: {detail?: string}}[]
    expect(json.find((report) => report.name === 'qemu')?.health.detail).toMatch(/accelerator (kvm|tcg)/)
  })

  it('creates a machine from the image and the docker CLI reaches its engine through env', async () => {
    const created = await timed('create (boot, cloud-init, provisioning)', () => berth([
      'create', '-d', 'qemu', '--qemu-image-url', pathToFileURL(image.path).href, '--qemu-image-checksum', image.checksums, '--qemu-memory', '1024',
      '--qemu-disk-size', '4096', '--qemu-isolated', '--ssh-timeout', '480', NAME,
    ]))
    expect(created.stderr).not.toMatch(/^Error/m)
    expect(created.code).toBe(0)
    expect(created.stderr).toMatch(/Starting QEMU \((kvm|tcg)\): SSH on 127\.0\.0\.1:\d+, the engine on 127\.0\.0\.1:\d+/)
    // The image has docker.io and the VM no outside network: berth configures the engine it finds, installing nothing.
    expect(created.stderr).not.toContain('Installing the Docker engine')
    const {enginePort} = await ports()
    expect((await berth(['url', NAME])).stdout).toBe(`tcp://127.0.0.1:${enginePort}\n`)
    const version = await dockerVersion()
    expect(version.stderr).toBe('')
    expect(version.stdout.trim()).toMatch(VERSION)
    // The machine's files, and the disk a copy-on-write overlay on the image.
    expect((await readdir(machineDir(NAME))).sort()).toEqual(expect.arrayContaining(['base-image', 'disk.qcow2', 'seed.iso', 'qemu.pid', 'qmp.sock', 'ports.json', 'console.log']))
    const info = JSON.parse((await run('qemu-img', ['info', '-U', '--output=json', join(machineDir(NAME), 'disk.qcow2')], process.env)).stdout) as Record<string, unknown>
    expect(info['backing-filename']).toBe('base-image')
    expect(info['virtual-size']).toBe(4096 * 1024 * 1024)
    expect((await berth(['ssh', NAME, 'hostname'])).stdout.trim()).toBe(NAME)
    expect(await qemuProcesses()).toHaveLength(1)
  }, 12 * MINUTE)

  it('stops gracefully; a start keeps the SSH port and, its engine port taken, forwards another one and keeps the certificate', async () => {
    const before = await ports()
    const certificate = await readFile(join(machineDir(NAME), 'server.pem'), 'utf8')
    const stopped = await timed('stop (ACPI power-off)', () => berth(['stop', NAME]))
    expect(stopped.code).toBe(0)
    expect(stopped.stderr).not.toContain('did not power off')
    expect((await berth(['status', NAME])).stdout).toBe('Stopped\n')
    expect(await qemuProcesses()).toEqual([])
    expect(existsSync(join(machineDir(NAME), 'qmp.sock'))).toBe(false)
    expect(existsSync(join(machineDir(NAME), 'qemu.pid'))).toBe(false)

    // Another program takes the engine's port while the machine is stopped.
    const holder = await hold(before.enginePort)
    try {
      const started = await timed('start (boot, engine reconfigured for a new port)', () => berth(['start', '--timeout', '480', NAME]))
      expect(started.stderr).not.toMatch(/^Error/m)
      expect(started.code).toBe(0)
      const after = await ports()
      expect(after.sshPort).toBe(before.sshPort)
      expect(after.enginePort).not.toBe(before.enginePort)
      expect(started.stderr).toContain(`Port ${before.enginePort} on 127.0.0.1 is taken: forwarding the engine from ${after.enginePort} instead`)
      expect(started.stderr).toContain(`Machine "${NAME}" has a new engine URL: tcp://127.0.0.1:${after.enginePort} (it was tcp://127.0.0.1:${before.enginePort}). Configuring its engine for it; its certificate still covers it.`)
      expect(started.stderr).toContain('You may need to re-run the "berth env" command.')
      expect(await readFile(join(machineDir(NAME), 'server.pem'), 'utf8')).toBe(certificate)
      expect((await berth(['url', NAME])).stdout).toBe(`tcp://127.0.0.1:${after.enginePort}\n`)
      const version = await dockerVersion()
      expect(version.stderr).toBe('')
      expect(version.stdout.trim()).toMatch(VERSION)
    } finally {
      await new Promise((resolve) => holder.close(resolve))
    }
    const blame = await berth(['ssh', NAME, 'systemd-analyze; systemd-analyze blame | head -8'])
    console.log(`qemu VM boot (second boot):\n${blame.stdout}`)
  }, 12 * MINUTE)

  it('kill makes QEMU quit at once', async () => {
    const killed = await timed('kill', () => berth(['kill', NAME]))
    expect(killed.code).toBe(0)
    expect((await berth(['status', NAME])).stdout).toBe('Stopped\n')
    expect(await qemuProcesses()).toEqual([])
    expect(existsSync(join(machineDir(NAME), 'qemu.pid'))).toBe(false)
  }, 3 * MINUTE)

  it('rm removes the VM and every file it had', async () => {
    const socket = join(machineDir(NAME), 'qmp.sock')
    const removed = await timed('rm', () => berth(['rm', '-y', NAME]))
    expect(removed.code).toBe(0)
    expect(await qemuProcesses()).toEqual([])
    expect(existsSync(machineDir(NAME))).toBe(false)
    expect(existsSync(socket)).toBe(false)
    expect((await berth(['ls', '-q'])).stdout).toBe('')
    // The cached image stays for the next machine.
    expect(existsSync(image.path)).toBe(true)
  }, 3 * MINUTE)

  describe('failing creates roll back', () => {
    let tools: string

    beforeAll(async () => {
      // A qemu-system and a qemu-img next to it that fail where the test says (FAIL_AT), else run the real ones.
      tools = join(sandbox.dir, 'tools')
      await mkdir(tools, {recursive: true})
      for (const [name, real] of [['qemu-img', '/usr/bin/qemu-img'], ['qemu-system-x86_64', QEMU]] as const) {
        await writeFile(join(tools, name), `#!/bin/sh\nif [ "$FAIL_AT" = "${name} $1" ] || { [ "$FAIL_AT" = "${name}" ] && [ "$1" != --version ] && [ "$1" != info ]; }; then echo "${name}: simulated failure" >&2; exit 1; fi\nexec ${real} "$@"\n`)
        await chmod(join(tools, name), 0o755)
      }
    })

    const createFailing = (name: string, extra: string[], env: NodeJS.ProcessEnv = {}, source = image.path): Promise<RunResult> => run('node', [
      join(repoRoot, 'bin', 'run.cjs'), 'create', '-d', 'qemu', '--qemu-binary', join(tools, 'qemu-system-x86_64'), '--qemu-image-url', source,
      '--qemu-memory', '512', '--qemu-isolated', ...extra, name,
    ], {...sandbox.env, ...env}, 5 * MINUTE)

    const nothingLeft = async (name: string): Promise<void> => {
      expect(existsSync(machineDir(name))).toBe(false)
      expect((await berth(['ls', '-q'])).stdout).toBe('')
      expect(await qemuProcesses()).toEqual([])
    }

    it('without -d, create takes qemu (VirtualBox is not installed here); an image that does not exist fails its pre-create check (exit 3)', async () => {
      const result = await run('node', [join(repoRoot, 'bin', 'run.cjs'), 'create', '--qemu-binary', join(tools, 'qemu-system-x86_64'), '--qemu-image-url', join(sandbox.dir, 'missing.qcow2'), 'qbad1'], sandbox.env, MINUTE)
      expect(result.stderr).toContain('No driver given (-d): using qemu, the best local driver that works here.')
      expect(result.code).toBe(3)
      expect(result.stderr).toContain(`The image file ${join(sandbox.dir, 'missing.qcow2')} does not exist.`)
      await nothingLeft('qbad1')
    })

    it('an image that fails its checksum', async () => {
      const result = await createFailing('qbad2', ['--qemu-image-checksum', `sha256:${'0'.repeat(64)}`])
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`Checksum mismatch for ${image.path}: expected sha256:${'0'.repeat(64)}, got sha256:${image.sha256}.`)
      expect(result.stderr).toContain('everything made for "qbad2" was removed')
      await nothingLeft('qbad2')
    }, 3 * MINUTE)

    it('qemu-img failing to make the disk', async () => {
      const result = await createFailing('qbad3', [], {FAIL_AT: 'qemu-img create'})
      expect(result.code).toBe(1)
      expect(result.stderr).toContain('qemu-img failed: qemu-img: simulated failure')
      expect(result.stderr).toContain('everything made for "qbad3" was removed')
      await nothingLeft('qbad3')
    }, 3 * MINUTE)

    it('qemu-system failing to start the VM', async () => {
      const result = await createFailing('qbad4', [], {FAIL_AT: 'qemu-system-x86_64 -name'})
      expect(result.code).toBe(1)
      expect(result.stderr).toContain('QEMU could not start the VM of "qbad4": qemu-system-x86_64: simulated failure')
      expect(result.stderr).toContain('everything made for "qbad4" was removed')
      await nothingLeft('qbad4')
    }, 3 * MINUTE)

    it('an accelerator that cannot be used fails the pre-create check', async () => {
      const result = await createFailing('qbad5', ['--qemu-accel', 'hvf'])
      expect(result.code).toBe(3)
      expect(result.stderr).toContain('HVF cannot be used: HVF exists only on macOS.')
      await nothingLeft('qbad5')
    })
  })
})

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = MINUTE): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(file, args, {env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) => {
      resolve({code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr})
    })
    child.stdin?.end()
  })
}

/** Something else listening on 127.0.0.1:port, as another program would. */
function hold(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}
