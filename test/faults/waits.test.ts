import {execFile} from 'node:child_process'
import {chmod, copyFile, mkdir, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {generateSshKeyPair} from '../../src/core/ssh/keys.js'
import {BerthSandbox, type RunResult} from '../harness/berth.js'
import {freeLoopbackPort} from '../harness/free-port.js'
import {snapshotTree} from '../harness/tree-snapshot.js'
import {TestHostPool, type TestHost} from '../hosts/index.js'

/**
 * Fail fast and say the real cause: an address or a key that cannot work is refused as it is given, before anything
 * is written; an SSH port that refuses, a host with no route, a key the server rejects, a host key that changed or a
 * port whose packets are dropped end the command in seconds with that cause, instead of a silent wait of two minutes
 * that ends in "still Stopped". Each case checks the exit code, the one error line, the time taken and that the
 * sandbox (store and docker configuration) is as it was.
 */

const errorLines = (result: RunResult): string[] => result.stderr.split('\n').filter((line) => line.startsWith('Error'))
const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
// Root reads any file whatever its mode; without these capabilities it is held to the modes like a user.
const WITHOUT_DAC = ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--']
const ADDRESS_FLAGS = ['--generic-ip-address', '--url', '--tls-san', '--amazonec2-endpoint', '--digitalocean-api-url']
const ADDRESS_FORMS = /Give an IPv4 address \(four numbers from 0 to 255, e\.g\. 192\.168\.1\.20\), an IPv6 address \(e\.g\. fd00::20\) or a host name/

describe('failing fast with the real cause', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let host: TestHost
  /** The address of a test host that was removed: the sealed range answers it with "no route to host" at once. */
  let goneIp: string
  /** A copy of the host's key, mode 0644, which the machine "w-good" was created with. */
  let userKey: string
  const counts = {badInputs: 0, badInputsOneLine: 0, badInputsUnchanged: 0, faults: 0, faultsFast: 0}
  const timings: string[] = []

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    const [main, gone] = await Promise.all([pool.up('wf-main', {init: 'sysv', startDocker: true}), pool.up('wf-gone', {init: 'sysv', withoutDocker: true})])
    host = main!
    goneIp = gone.ip
    await gone.down()
    userKey = join(sandbox.dir, 'keys', 'my_key')
    await mkdir(join(sandbox.dir, 'keys'))
    await copyFile(host.privateKeyPath, userKey)
    await chmod(userKey, 0o644)
  })

  afterAll(async () => {
    await pool?.dispose()
    await sandbox?.dispose()
    console.log(`bad inputs: ${counts.badInputs} tried, ${counts.badInputsOneLine} one clear line, ${counts.badInputsUnchanged} sandbox unchanged; ` +
      `wait faults: ${counts.faults} injected, ${counts.faultsFast} failed fast with the right cause\n${timings.join('\n')}`)
  })

  /** Run berth, expecting a refusal: the exit code, exactly one error line, nothing on stdout, the sandbox unchanged. */
  async function refused(args: string[], code: number, says: RegExp, options: {unprivileged?: boolean} = {}): Promise<{line: string; ms: number}> {
    const before = await snapshotTree(sandbox.dir)
    const started = performance.now()
    const result = await sandbox.run(args, options.unprivileged === true ? {prefix: WITHOUT_DAC} : {})
    const ms = performance.now() - started
    const lines = errorLines(result)
    expect(lines, result.stderr).toHaveLength(1)
    expect(lines[0]).toMatch(says)
    expect(result.stdout).toBe('')
    expect(result.code).toBe(code)
    expect(result.stderr).not.toContain('MaxListenersExceededWarning')
    expect(await snapshotTree(sandbox.dir)).toEqual(before)
    return {line: lines[0]!, ms}
  }

  const generic = (name: string, ...flags: string[]): string[] => ['create', '-d', 'generic', '--generic-ssh-key', userKey, ...flags, name]

  it('creates a machine with a 0644 key, saying nothing of its mode, and keeps its own 0600 copy', async () => {
    const created = await sandbox.run(generic('w-good', '--generic-ip-address', host.ip))
    expect(errorLines(created), created.stderr).toEqual([])
    expect(created.code).toBe(0)
    expect(created.stderr).not.toMatch(/0644|permission|too open/i)
    const machineDir = join(sandbox.storePath, 'machines', 'w-good')
    const copy = join(machineDir, 'id_ed25519')
    expect((await stat(copy)).mode & 0o777).toBe(0o600)
    expect(await readFile(copy, 'utf8')).toBe(host.privateKey)
    const config = JSON.parse(await readFile(join(machineDir, 'config.json'), 'utf8')) as {driver: {state: {sshKeyPath: string; sshKeyOrigin: string}}; ssh: {keyPath: string}}
    expect(config.driver.state.sshKeyPath).toBe('id_ed25519')
    expect(config.driver.state.sshKeyOrigin).toBe(userKey)
    expect(config.ssh.keyPath).toBe(join('machines', 'w-good', 'id_ed25519'))
    // The original is left as the user had it.
    expect((await stat(userKey)).mode & 0o777).toBe(0o644)
  })

  it('keeps working after the original key is deleted: ssh and provision succeed', async () => {
    const kept = `${userKey}.kept`
    await copyFile(userKey, kept)
    await rm(userKey)
    try {
      const ssh = await sandbox.run(['ssh', 'w-good', '--', 'hostname'])
      expect(ssh.stderr).toBe('')
      expect(ssh.stdout).toBe('w-good\n')
      const provisioned = await sandbox.run(['provision', 'w-good'])
      expect(errorLines(provisioned), provisioned.stderr).toEqual([])
      expect(provisioned.code).toBe(0)
    } finally {
      await copyFile(kept, userKey)
      await chmod(userKey, 0o644)
      await rm(kept)
    }
  })

  describe('addresses and host names that are not ones: refused as parsed, nothing written', () => {
    const generic = (address: string): string[] => ['create', '-d', 'generic', '--generic-ip-address', address, '--generic-ssh-key', '/nonexistent/key', 'w-bad']
    const cases: Array<[string[], RegExp]> = [
      [generic('999.1.1.1'), /^Error: --generic-ip-address "999\.1\.1\.1" is not an address or host name: 999 is more than 255\. /],
      [generic('1.2.3'), /^Error: --generic-ip-address "1\.2\.3" is not an address or host name: it has 3 parts; an IPv4 address has 4\. /],
      [generic('1.2.3.4;touch x'), /^Error: --generic-ip-address "1\.2\.3\.4;touch x" is not an address or host name: ";" cannot be part of a host name\. /],
      [generic('1.2.3.4.5'), /: it has 5 parts; an IPv4 address has 4\. /],
      [generic('010.1.1.1'), /: "010" has a leading zero, which some programs read as octal\. /],
      [generic('0x7f.0.0.1'), /: "0x7f" is not a decimal number\. /],
      [generic('$(reboot)'), /: "\$" cannot be part of a host name\. /],
      [generic('host_1.example'), /: "_" cannot be part of a host name\. /],
      [generic('web..example'), /: it has an empty label \(two dots in a row, or a dot at the start\)\. /],
      [generic('-web.example'), /: its label "-web" starts or ends with a hyphen\. /],
      [generic('example.123'), /: a host name cannot end in a label of digits only\. /],
      [generic('fd00::zz'), /: it is not a valid IPv6 address\. /],
      [generic('[fd00::1]'), /: an IPv6 address is given here without brackets\. /],
      [generic('a\u001b[31mred'), /^Error: --generic-ip-address "a\\x1b\[31mred" is not an address or host name: "\\x1b" cannot be part of a host name\. /],
      [['create', '-d', 'none', '--url', 'tcp://1.2.3:2376', 'w-bad'], /^Error: --url "tcp:\/\/1\.2\.3:2376" does not name a host: "1\.2\.3" is not an address or host name \(it has 3 parts; an IPv4 address has 4\)\. /],
      [['create', '-d', 'none', '--url', 'tcp://999.1.1.1:2376', 'w-bad'], /^Error: --url "tcp:\/\/999\.1\.1\.1:2376" does not name a host: "999\.1\.1\.1" is not an address or host name \(999 is more than 255\)\. /],
      [['create', '-d', 'none', '--url', 'tcp://127.0.0.1:2376', '--tls-san', '1.2.3', 'w-bad'], /^Error: "1\.2\.3" is not an IPv4 address \(it has 3 parts; an IPv4 address has 4\), so it cannot be a certificate SAN\. Give --tls-san an IP address or a host name/],
      [['create', '-d', 'amazonec2', '--amazonec2-endpoint', 'http://1.2.3', 'w-bad'], /^Error: --amazonec2-endpoint "http:\/\/1\.2\.3" does not name a host: "1\.2\.3" is not an address or host name/],
      [['create', '-d', 'digitalocean', '--digitalocean-access-token', 'x', '--digitalocean-api-url', 'https://999.1.1.1/v2', 'w-bad'], /^Error: --digitalocean-api-url "https:\/\/999\.1\.1\.1\/v2" does not name a host: "999\.1\.1\.1" is not an address or host name \(999 is more than 255\)/],
    ]
    for (const [args, says] of cases) {
      const flag = [...args].reverse().find((arg) => ADDRESS_FLAGS.includes(arg))!
      it(`${flag} ${JSON.stringify(args[args.indexOf(flag) + 1])}`, async () => {
        counts.badInputs++
        const {line} = await refused(args, 1, says)
        counts.badInputsOneLine++
        counts.badInputsUnchanged++
        if (args.includes('--generic-ip-address') || args.includes('--url') && !args.includes('--tls-san')) expect(line).toMatch(ADDRESS_FORMS)
      })
    }
  })

  describe('SSH keys that cannot work: refused by the pre-create check, nothing written', () => {
    const keyCase = (name: string): string => join(sandbox.dir, 'keys', name)
    const create = (key: string): string[] => ['create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', key, 'w-key']

    beforeAll(async () => {
      await writeFile(keyCase('my_key.pub'), `${generateSshKeyPair().publicKey}\n`)
      await writeFile(keyCase('garbage'), 'this is not a key\n', {mode: 0o600})
      await mkdir(keyCase('a-directory'))
      await mkdir(keyCase('locked'), {mode: 0o700})
      await copyFile(host.privateKeyPath, keyCase('locked/id_ed25519'))
      await chmod(keyCase('locked'), 0o000)
      await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret words', '-f', keyCase('with_passphrase')])
    })

    afterAll(async () => {
      await chmod(keyCase('locked'), 0o700).catch(() => undefined)
    })

    const cases: Array<[string, string, RegExp, boolean?]> = [
      ['a .pub file', 'my_key.pub', /^Error: --generic-ssh-key "\S+\/keys\/my_key\.pub" is a public key \(ssh-ed25519\); berth needs the private key that goes with it\. Give "\S+\/keys\/my_key", the file without "\.pub"\.$/],
      ['a missing file', 'nothing-here', /^Error: --generic-ssh-key "\S+\/keys\/nothing-here" does not exist\. Give an unencrypted private key in OpenSSH or PEM format/],
      ['a key in a directory that may not be searched', 'locked/id_ed25519', /^Error: --generic-ssh-key "\S+\/keys\/locked\/id_ed25519": "\S+\/keys\/locked" cannot be searched \(permission denied\)\. Make it readable \(chmod u\+r "\S+\/keys\/locked"\)/, true],
      ['garbage', 'garbage', /^Error: --generic-ssh-key "\S+\/keys\/garbage" is not a private key berth can read \(unsupported key format\)\. Give an unencrypted private key in OpenSSH or PEM format/],
      ['a directory', 'a-directory', /^Error: --generic-ssh-key "\S+\/keys\/a-directory" is a directory, not a file\./],
      ['a key protected by a passphrase', 'with_passphrase', /^Error: --generic-ssh-key "\S+\/keys\/with_passphrase" is protected by a passphrase, and berth cannot be given one\. Give a key without a passphrase/],
    ]
    for (const [title, file, says, unprivileged] of cases) {
      it(title, async () => {
        counts.badInputs++
        await refused(create(keyCase(file)), 3, says, {unprivileged: unprivileged === true})
        counts.badInputsOneLine++
        counts.badInputsUnchanged++
      })
    }
  })

  describe('SSH that does not answer as it should: the cause, in seconds', () => {
    /** `before`: what the same fault cost before waits told failures apart. */
    async function fault(title: string, args: string[], says: RegExp, limitMs: number, before: string): Promise<void> {
      counts.faults++
      const {ms} = await refused(args, 1, says)
      expect(ms).toBeLessThan(limitMs)
      counts.faultsFast++
      timings.push(`${title}: ${(ms / 1000).toFixed(1)} s (limit ${limitMs / 1000} s; before: ${before})`)
    }
    const SILENT_WAIT = 'the whole --ssh-timeout (120 s by default), in silence, then "was still Stopped after 120s"'

    it('a wrong SSH port on a generic host: refused, not waited on', async () => {
      await fault('refused port', generic('w-port', '--generic-ip-address', host.ip, '--generic-ssh-port', '2222'),
        new RegExp(`^Error: SSH on root@${escaped(host.ip)}:2222 refused the connection \\(ECONNREFUSED\\)\\. Is sshd listening on that port\\? --generic-ssh-port sets it\\.$`), 15_000, SILENT_WAIT)
    })

    it('the address of a removed host: no route, at once', async () => {
      await fault('unreachable address', generic('w-gone', '--generic-ip-address', goneIp),
        new RegExp(`^Error: SSH on root@${escaped(goneIp)} cannot be reached: no route to host \\(EHOSTUNREACH\\)\\. Check the address, and that the host is up on a network this computer reaches\\. --generic-ip-address sets the address\\.$`), 15_000, SILENT_WAIT)
    })

    it('a key the server does not accept: rejected, not retried', async () => {
      const wrongKey = join(sandbox.dir, 'keys', 'wrong_key')
      await writeFile(wrongKey, generateSshKeyPair().privateKey, {mode: 0o600})
      await fault('wrong key', ['create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', wrongKey, 'w-auth'],
        new RegExp(`^Error: The SSH server at ${escaped(host.ip)}:22 rejected the key \\S+/wrong_key \\(SHA256:\\S+\\) for user "root"\\. Check that the public half`), 15_000, 'about 1 s: already final')
    })

    it('a port whose packets are dropped: one attempt that times out, naming the timeout', async () => {
      await host.exec('iptables -I INPUT -p tcp --dport 2223 -j DROP')
      try {
        await fault('dropped packets', generic('w-drop', '--generic-ip-address', host.ip, '--generic-ssh-port', '2223', '--ssh-timeout', '5'),
          new RegExp(`^Error: SSH on root@${escaped(host.ip)}:2223 did not complete the SSH handshake in time \\(Timed out while waiting for handshake\\)\\. Something between may drop the packets`), 15_000, SILENT_WAIT)
      } finally {
        await host.exec('iptables -D INPUT -p tcp --dport 2223 -j DROP')
      }
    })

    it('a host key that changed under a machine: provision and ssh refuse at once, and the pin stays', async () => {
      await host.exec('rm -f /etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key.pub && ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/ssh_host_ed25519_key')
      await host.stopSsh()
      await host.startSsh()
      await fault('changed host key (provision)', ['provision', 'w-good'],
        new RegExp(`^Error: The SSH host key of ${escaped(host.ip)} has changed: \\S+known_hosts pins ssh-ed25519 SHA256:\\S+, but the host presented ssh-ed25519 SHA256:\\S+\\. berth refused to connect\\.`), 15_000, 'about 1 s: already final')
      counts.faults++
      const started = performance.now()
      const ssh = await sandbox.run(['ssh', 'w-good', '--', 'hostname'])
      const ms = performance.now() - started
      expect(ssh.code).not.toBe(0)
      expect(ssh.stdout).toBe('')
      expect(ssh.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/)
      expect(ms).toBeLessThan(15_000)
      counts.faultsFast++
      timings.push(`changed host key (ssh): ${(ms / 1000).toFixed(1)} s`)
    })

    it('a loopback port where nothing listens, for a registered engine: told at once, the machine kept with a warning', async () => {
      // The none driver never waits on its engine: one check, then a warning that names the cause.
      const port = await freeLoopbackPort()
      const started = performance.now()
      const created = await sandbox.run(['create', '-d', 'none', '--url', `tcp://127.0.0.1:${port}`, 'w-none'])
      expect(created.code).toBe(0)
      expect(created.stderr).toMatch(new RegExp(`Warning: Cannot connect to the Docker engine at tcp://127\\.0\\.0\\.1:${port}: connection refused\\.`))
      expect(performance.now() - started).toBeLessThan(15_000)
    })
  })
})
