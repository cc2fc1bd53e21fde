import {readFile, readdir, readlink} from 'node:fs/promises'
import {createServer, type Server} from 'node:http'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {sshAnswers} from '../hosts/readiness.js'
import {tcpConnect} from '../harness/tcp-probe.js'
import {TestHostPool, type TestHost} from '../hosts/index.js'
import {SEALED_RANGES} from '../hosts/layout.js'
import {run} from '../hosts/run.js'

// Namespace test hosts are what the SSH provisioning tests run against, so their promises are tested
// here from the outside, the way a provisioner sees a server: ssh, sudo, the init system, docker, reboot.
describe('namespace test hosts', () => {
  const timings: string[] = []
  let pool: TestHostPool
  let systemd: TestHost
  let sysv: TestHost

  beforeAll(async () => {
    pool = new TestHostPool()
    const started = performance.now()
    ;[systemd, sysv] = await Promise.all([
      timed(timings, 'up systemd', () => pool.up('sd1', {init: 'systemd', user: 'berth'})),
      timed(timings, 'up sysv', () => pool.up('sv1', {init: 'sysv', user: 'berth'})),
    ])
    timings.push(`both ups in parallel: ${Math.round(performance.now() - started)} ms`)
  })

  afterAll(async () => {
    await pool?.dispose()
    console.log(`test host timings:\n  ${timings.join('\n  ')}`)
  })

  it('lets the user log in with the host key over ssh, on Debian 12, with passwordless sudo', async () => {
    for (const host of [systemd, sysv]) {
      const osRelease = await ssh(host, 'cat /etc/os-release')
      expect(osRelease.code, osRelease.stderr).toBe(0)
      expect(osRelease.stdout).toMatch(/^ID=debian$/m)
      expect(osRelease.stdout).toMatch(/^VERSION_ID="12"$/m)
      const id = await ssh(host, 'id')
      expect(id.stdout).toMatch(/^uid=\d+\(berth\) gid=\d+\(berth\) groups=.*\(sudo\)/)
      expect((await ssh(host, 'sudo -n true')).code).toBe(0)
      expect((await ssh(host, 'hostname', 'root')).stdout.trim()).toBe(host.name)
    }
    expect((await ssh(systemd, 'test -d /run/systemd/system')).code).toBe(0)
    expect((await ssh(sysv, 'test -d /run/systemd/system')).code).not.toBe(0)
  })

  it('starts dockerd the host\'s native way', async () => {
    const starts: [TestHost, string][] = [[systemd, 'systemctl start docker'], [sysv, 'service docker start']]
    await Promise.all(starts.map(async ([host, command]) => {
      const started = performance.now()
      const start = await ssh(host, `sudo ${command}`)
      expect(start.code, start.stderr).toBe(0)
      const version = await poll(() => host.exec('docker -H unix:///var/run/docker.sock version --format "{{.Server.Version}}"'), 30_000)
      expect(version.stdout.trim()).toMatch(/^\d+\.\d+/)
      timings.push(`${host.init} dockerd answering after ${command}: ${Math.round(performance.now() - started)} ms`)
      const info = await host.exec('docker -H unix:///var/run/docker.sock info --format "{{.Name}} {{.Driver}}"')
      expect(info.stdout.trim()).toBe(`${host.name} overlay2`)
    }))
  })

  it('hides the engine from a withoutDocker host, whose user may be named like an existing group', async () => {
    const bare = await timed(timings, 'up systemd withoutDocker', () => pool.up('bare', {init: 'systemd', withoutDocker: true, user: 'docker'}))
    const trace = await traceHost(bare)
    expect((await bare.exec('command -v dockerd')).code).not.toBe(0)
    expect((await bare.exec('command -v docker || command -v containerd || test -e /lib/systemd/system/docker.service')).code).not.toBe(0)
    expect((await ssh(bare, 'command -v sshd', 'root')).code).toBe(0)
    expect((await ssh(bare, 'id -un; id -gn; sudo -n true && echo sudo')).stdout).toBe('docker\ndocker\nsudo\n')
    expect((await systemd.exec('command -v dockerd')).code).toBe(0)
    await timed(timings, 'down systemd host', () => bare.down())
    await expectGone([trace])
  })

  it('brings sshd up late for a delaySshMs host: refused at first, then accepted', async () => {
    const delayMs = 3_000
    const started = performance.now()
    const late = await timed(timings, 'up sysv delaySshMs', () => pool.up('late', {init: 'sysv', delaySshMs: delayMs, startDocker: true}))
    const trace = await traceHost(late)
    expect(await tcpConnect(late.ip, late.sshPort)).toBe('ECONNREFUSED')
    const login = await poll(() => ssh(late, 'true'), 30_000)
    expect(login.code).toBe(0)
    expect(performance.now() - started).toBeGreaterThanOrEqual(delayMs - 100)
    // startDocker: the engine was running before sshd.
    expect((await ssh(late, 'docker -H unix:///var/run/docker.sock version --format "{{.Server.Version}}"', 'root')).code).toBe(0)
    await late.stopSsh()
    expect(await tcpConnect(late.ip, late.sshPort)).toBe('ECONNREFUSED')
    await late.startSsh()
    expect((await ssh(late, 'true')).code).toBe(0)
    await timed(timings, 'down sysv host with dockerd', () => late.down())
    await expectGone([trace])
  })

  it('keeps the disk across a reboot: `reboot` inside the systemd host, reboot() of the sysv host', async () => {
    for (const host of [systemd, sysv]) {
      expect((await host.exec('echo kept > /etc/berth-marker && touch /tmp/volatile')).code).toBe(0)
    }
    const started = performance.now()
    const boots = systemd.boots
    // What a provisioner does; the connection may drop before ssh gets an exit status.
    await ssh(systemd, 'sudo reboot')
    await poll(async () => ({code: systemd.boots > boots ? 0 : 1, stdout: '', stderr: ''}), 30_000)
    const back = await poll(() => ssh(systemd, 'cat /etc/berth-marker; test ! -e /tmp/volatile && systemctl is-system-running --wait'), 60_000)
    expect(back.stdout).toBe('kept\nrunning\n')
    timings.push(`systemd reboot to ssh and running: ${Math.round(performance.now() - started)} ms`)

    await timed(timings, 'sysv reboot()', () => sysv.reboot())
    expect(sysv.boots).toBe(2)
    const kept = await ssh(sysv, 'cat /etc/berth-marker; test ! -e /tmp/volatile && echo fresh-tmp')
    expect(kept.stdout).toBe('kept\nfresh-tmp\n')
  })

  it('powers off (cleanly or hard) and on again with its disk kept, and moves to a new address', async () => {
    for (const [host, hard] of [[systemd, false], [sysv, true]] as const) {
      expect((await host.exec('echo power > /etc/berth-power')).code).toBe(0)
      const boots = host.boots
      await timed(timings, `${host.init} powerOff(${hard ? 'hard' : 'clean'})`, () => host.powerOff({hard}))
      expect(host.running).toBe(false)
      expect(await sshAnswers(host.ip, 22)).toBe(false)
      await expect(host.exec('true')).rejects.toThrow('is not running')
      await timed(timings, `${host.init} powerOn()`, () => host.powerOn())
      expect(host.running).toBe(true)
      expect(host.boots).toBe(boots + 1)
      expect((await ssh(host, 'cat /etc/berth-power')).stdout).toBe('power\n')
    }
    const first = sysv.ip
    const moved = await sysv.moveAddress(9)
    expect(sysv.ip).toBe(moved)
    expect(moved).toBe(first.replace(/\.\d+$/, '.9'))
    expect((await ssh(sysv, 'hostname')).stdout.trim()).toBe(sysv.name)
    expect(await sshAnswers(first, 22)).toBe(false)
    // A power cycle keeps the new address, and the harness waits for SSH there.
    await sysv.powerOff()
    await sysv.powerOn()
    expect((await ssh(sysv, 'hostname')).stdout.trim()).toBe(sysv.name)

    // One more address, as a VM's static address on a host-only network: both answer.
    await systemd.addAddress('192.168.56.10')
    expect(await sshAnswers('192.168.56.10', 22)).toBe(true)
    expect(await sshAnswers(systemd.ip, 22)).toBe(true)
  })

  it('reaches a server on its gateway address from inside a host', async () => {
    for (const [host, fetch] of [[sysv, 'curl -fsS'], [systemd, 'busybox wget -qO-']] as const) {
      const server = await listen(createServer((_request, response) => response.end('echo installed\n')), host.gateway)
      try {
        const address = server.address()
        const port = typeof address === 'object' && address ? address.port : 0
        const installed = await ssh(host, `${fetch} http://${host.gateway}:${port}/install.sh | sh`)
        expect(installed.stdout, installed.stderr).toBe('installed\n')
      } finally {
        server.close()
      }
    }
  })

  it('routes between hosts, and nowhere else', async () => {
    const banner = await systemd.exec(`timeout 5 bash -c 'exec 3<>/dev/tcp/${sysv.ip}/22 && head -c4 <&3'`)
    expect(banner.stdout).toBe('SSH-')
    expect((await systemd.exec('ip route')).stdout).not.toMatch(/default/)
    // No route: fails at once, without a packet leaving the host.
    const outside = await systemd.exec("bash -c 'exec 3<>/dev/tcp/192.0.2.1/80' 2>&1")
    expect(outside.stdout).toMatch(/Network is unreachable/)
  })

  it('seals the test ranges: the address of a removed host fails at once with "No route to host"', async () => {
    // While hosts exist, each sealed range has its unreachable route in the root namespace.
    const unreachable = (await run('ip', ['-4', 'route', 'show', 'type', 'unreachable'])).stdout
    for (const range of SEALED_RANGES) expect(unreachable).toContain(`unreachable ${range}`)
    const gone = await pool.up('gone1', {init: 'sysv'})
    const address = gone.ip
    expect(await sshAnswers(address, 22)).toBe(true)
    await gone.down()
    // Without the seal this address would follow the default route off the machine, where something may answer.
    expect((await run('ip', ['-4', 'route', 'get', address])).stderr).toMatch(/No route to host/)
    const started = performance.now()
    expect(await tcpConnect(address, 22)).toBe('EHOSTUNREACH')
    expect(await tcpConnect('192.168.56.200', 2376)).toBe('EHOSTUNREACH')
    expect(performance.now() - started).toBeLessThan(1_000)
    // Hosts answer only where the seal holds.
    await expect(systemd.addAddress('203.0.113.9')).rejects.toThrow(/test hosts answer only inside 10\.232\.0\.0\/16, 192\.168\.56\.0\/21/)
  })

  it('leaves nothing behind once disposed', async () => {
    const traces = [await traceHost(systemd), await traceHost(sysv)]
    const started = performance.now()
    await pool.dispose()
    timings.push(`dispose of 2 hosts with dockerd: ${Math.round(performance.now() - started)} ms`)
    await expectGone(traces)
    // The forwarding rules belong to all hosts on the machine; they go with the last one.
    if (!(await testHostStateHas(/^h\d+$/))) expect((await run('iptables', ['-S', 'FORWARD'])).stdout).not.toContain('berth-testhosts')
    // The seal goes with the last host, unless another test file holds it (a simulator's seal lease).
    if (!(await testHostStateHas(/^(h\d+|seal-.*)$/))) expect((await run('ip', ['-4', 'route', 'show', 'type', 'unreachable'])).stdout).toBe('')
  })
})

interface HostTraces {
  index: number
  veth: string
  gateway: string
  pidNamespace: string
  netNamespace: string
}

/** What a host leaves on the machine, to look for after it is gone. */
async function traceHost(host: TestHost): Promise<HostTraces> {
  const index = Number(host.ip.split('.')[2])
  const namespaces = await host.exec('readlink /proc/1/ns/pid /proc/1/ns/net')
  const [pidNamespace = '?', netNamespace = '?'] = namespaces.stdout.trim().split('\n')
  return {index, veth: `berth-v${index}`, gateway: host.gateway, pidNamespace, netNamespace}
}

/** Nothing of the hosts is left: no link, address, mount, cgroup, holder, or process in their namespaces. */
async function expectGone(traces: readonly HostTraces[]): Promise<void> {
  expect((await run('ip', ['netns', 'list'])).stdout).not.toContain('berth')
  const links = (await run('ip', ['-o', 'link'])).stdout
  const addresses = (await run('ip', ['-o', 'addr'])).stdout
  const mounts = (await run('findmnt', ['-rn', '-o', 'TARGET,SOURCE'])).stdout
  const holders = (await run('pgrep', ['-af', 'berth-testhost-'])).stdout
  const cgroups = (await run('find', ['/sys/fs/cgroup', '-name', 'berth-testhost-*'])).stdout.split('\n')
  for (const trace of traces) {
    expect(links).not.toMatch(new RegExp(`\\b${trace.veth}[@:]`))
    expect(addresses).not.toContain(` ${trace.gateway}/`)
    expect(mounts).not.toContain(`berth-testhosts/h${trace.index}/`)
    expect(mounts).not.toContain(`berth-testhost-${trace.index} `)
    expect(holders).not.toContain(`berth-testhost-${trace.index}-`)
    expect(cgroups.filter((dir) => dir.endsWith(`/berth-testhost-${trace.index}`))).toEqual([])
  }
  // Namespace inode numbers are reused, so look right after the hosts went.
  expect(await processesIn(new Set(traces.flatMap((trace) => [trace.pidNamespace, trace.netNamespace])))).toEqual([])
}

async function processesIn(namespaces: ReadonlySet<string>): Promise<string[]> {
  const found: string[] = []
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    for (const type of ['pid', 'net']) {
      try {
        if (namespaces.has(await readlink(`/proc/${pid}/ns/${type}`))) found.push(`${pid} ${type} ${await readFile(`/proc/${pid}/stat`, 'latin1')}`)
      } catch {
        // Exited meanwhile.
      }
    }
  }
  return found
}

/** Whether the machine-wide test host state holds other hosts (hN) or seal leases, made by other test files. */
async function testHostStateHas(entries: RegExp): Promise<boolean> {
  try {
    return (await readdir('/tmp/berth-testhosts')).some((name) => entries.test(name))
  } catch {
    return false
  }
}

function ssh(host: TestHost, command: string, user = host.user): ReturnType<typeof run> {
  return run('ssh', [
    '-i', host.privateKeyPath, '-p', String(host.sshPort),
    '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
    '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5',
    `${user}@${host.ip}`, command,
  ], {timeoutMs: 60_000})
}

/** Retry until the command exits 0; returns that result, or the last one at the deadline. */
async function poll(attempt: () => ReturnType<typeof run>, timeoutMs: number): ReturnType<typeof run> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const result = await attempt()
    if (result.code === 0 || Date.now() > deadline) return result
    await sleep(100)
  }
}

function listen(server: Server, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve(server))
  })
}

async function timed<T>(timings: string[], label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now()
  const result = await work()
  timings.push(`${label}: ${Math.round(performance.now() - started)} ms`)
  return result
}
