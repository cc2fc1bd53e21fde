import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, readFile, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {connect} from 'node:net'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {splitSshArgv} from '../../src/cli/ssh-line.js'
import {parsePathOnMachine} from '../../src/core/ssh-access/remote-path.js'
import {openSshValue, remoteCommand} from '../../src/core/ssh-access/ssh-access.js'
import {BerthSandbox, runProcess} from '../harness/berth.js'
import {freeLoopbackPort} from '../harness/free-port.js'
import {TestHostPool, type TestHost} from '../hosts/index.js'

// berth ssh, scp and mount on two real sysv hosts provisioned with create -d generic: the system OpenSSH tools
// with each machine's pinned known_hosts, the built-in ssh2 client where no ssh is installed, and sshfs.
describe('ssh, scp and mount on test hosts', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let host1: TestHost
  let host2: TestHost
  let work: string
  /** A PATH holding only node and sh: no ssh, scp, rsync, sshfs or fusermount. */
  let bareEnv: NodeJS.ProcessEnv
  const mounted: string[] = []

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    work = await mkdtemp(join(tmpdir(), 'berth-ssh-test-'))
    const bare = join(work, 'bare-bin')
    await mkdir(bare)
    await symlink(process.execPath, join(bare, 'node'))
    await symlink('/bin/sh', join(bare, 'sh'))
    bareEnv = {PATH: bare}
    pool = new TestHostPool()
    ;[host1, host2] = await Promise.all([pool.up('ssh1', {init: 'sysv'}), pool.up('ssh2', {init: 'sysv'})])
    const created = await Promise.all([['g', host1], ['g2', host2]].map(([name, host]) => {
      const {ip, privateKeyPath} = host as TestHost
      return sandbox.run(['create', '-d', 'generic', '--generic-ip-address', ip, '--generic-ssh-key', privateKeyPath, name as string])
    }))
    for (const result of created) expect(result.stderr).not.toMatch(/^Error/m)
  })

  afterAll(async () => {
    // A failed test may leave a mount behind; lazy unmount never blocks on a dead connection.
    for (const mountpoint of mounted) await runProcess('fusermount', ['-u', '-z', mountpoint], process.env)
    await pool?.dispose()
    await sandbox?.dispose()
    if (work !== undefined) await rm(work, {recursive: true, force: true})
  })

  const knownHosts = (name: string) => join(sandbox.storePath, 'machines', name, 'known_hosts')

  it('runs a command with its exit code, stdin and output passed through, and no warnings', async () => {
    const name = await sandbox.run(['ssh', 'g', '--', 'uname', '-n'])
    expect(name).toEqual({code: 0, stdout: 'g\n', stderr: ''})
    expect((await sandbox.run(['ssh', 'g', '--', 'sh', '-c', 'exit 7'])).code).toBe(7)
    const echoed = await sandbox.run(['ssh', 'g', '--', 'sh', '-c', 'cat; echo done >&2'], {input: 'from stdin\n'})
    expect(echoed).toEqual({code: 0, stdout: 'from stdin\n', stderr: 'done\n'})
    // One word is a command line for the remote shell; without "--" the command's flags still reach it.
    expect((await sandbox.run(['ssh', 'g', 'echo $((6 * 7)) | cat'])).stdout).toBe('42\n')
    expect((await sandbox.run(['ssh', 'g', 'ls', '-d', '/tmp'])).stdout).toBe('/tmp\n')
  })

  it('pins a host key that is missing before the system ssh connects, and refuses a changed one', async () => {
    const pinned = await readFile(knownHosts('g'), 'utf8')
    expect(pinned).toMatch(new RegExp(`^${host1.ip.replaceAll('.', '\\.')} ssh-ed25519 \\S+\\n$`))
    await rm(knownHosts('g'))
    const repinned = await sandbox.run(['ssh', 'g', '--', 'true'])
    expect(repinned).toEqual({code: 0, stdout: '', stderr: ''})
    expect(await readFile(knownHosts('g'), 'utf8')).toBe(pinned)

    await host1.exec('cp -p /etc/ssh/ssh_host_ed25519_key /root/hostkey && cp -p /etc/ssh/ssh_host_ed25519_key.pub /root/hostkey.pub')
    try {
      await host1.exec('rm -f /etc/ssh/ssh_host_ed25519_key* && ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/ssh_host_ed25519_key')
      await host1.stopSsh()
      await host1.startSsh()
      const refused = await sandbox.run(['ssh', 'g', '--', 'touch', '/tmp/should-not-exist'])
      expect(refused.code).toBe(255)
      expect(refused.stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED')
      expect(refused.stderr).toMatch(/SHA256:\S+/)
      expect(refused.stderr).toContain(`Offending ED25519 key in ${knownHosts('g')}`)
      expect(refused.stderr).toContain('Host key verification failed.')
      const builtIn = await sandbox.run(['ssh', 'g', '--', 'touch', '/tmp/should-not-exist'], {env: bareEnv})
      expect(builtIn.code).toBe(1)
      expect(builtIn.stderr).toMatch(new RegExp(`^Error: The SSH host key of ${host1.ip.replaceAll('.', '\\.')} has changed: \\S+known_hosts pins ssh-ed25519 SHA256:\\S+, but the host presented ssh-ed25519 SHA256:`))
      expect((await host1.exec('test -e /tmp/should-not-exist')).code).toBe(1)
      expect(await readFile(knownHosts('g'), 'utf8')).toBe(pinned)
    } finally {
      await host1.exec('mv /root/hostkey /etc/ssh/ssh_host_ed25519_key && mv /root/hostkey.pub /etc/ssh/ssh_host_ed25519_key.pub')
      await host1.stopSsh()
      await host1.startSsh()
    }
    expect((await sandbox.run(['ssh', 'g', '--', 'true'])).code).toBe(0)
  })

  it('reads ssh\'s own options after the machine name, as Docker Machine\'s ssh did, and runs the command after them', async () => {
    // -L forwards a local port that really carries traffic: here to the host's own sshd, which greets first.
    const port = await freeLoopbackPort()
    const forwarding = sandbox.run(['ssh', 'g', '-L', `127.0.0.1:${port}:127.0.0.1:22`, 'sleep', '6'])
    expect(await greetingOn(port, 5_000)).toMatch(/^SSH-2\.0-/)
    expect(await forwarding).toEqual({code: 0, stdout: '', stderr: ''})

    // Grouped letters and a value joined to its letter; -o settings given win over berth's (here LogLevel=ERROR).
    expect(await sandbox.run(['ssh', 'g', '-AC', 'echo', 'foo'])).toEqual({code: 0, stdout: 'foo\n', stderr: ''})
    const verbose = await sandbox.run(['ssh', 'g', '-oLogLevel=DEBUG1', '--', 'true'])
    expect(verbose.code).toBe(0)
    expect(verbose.stderr).toMatch(/^debug1: Connecting to /m)
    // Debian's sshd accepts LC_* variables: SetEnv reaches the remote command.
    expect((await sandbox.run(['ssh', 'g', '-o', 'SetEnv=LC_BERTH=from-here', 'echo $LC_BERTH'])).stdout).toBe('from-here\n')
    // What follows the options, or "--", is the remote command, its own -h and --help included.
    expect((await sandbox.run(['ssh', 'g', '-T', '--', 'echo', '-n', 'x'])).stdout).toBe('x')
    expect((await sandbox.run(['ssh', 'g', 'echo', '--help', '-h'])).stdout).toBe('--help -h\n')

    // The pinned host key stays berth's to check; a word that is no ssh option is refused before anything runs.
    const unpinned = await sandbox.run(['ssh', 'g', '-o', 'StrictHostKeyChecking=no', 'true'])
    expect(unpinned).toMatchObject({code: 1, stdout: ''})
    expect(unpinned.stderr).toBe('Error: The ssh option -o StrictHostKeyChecking=no is refused: berth checks the machine\'s host key against the one it pinned, with its own settings. Leave the option out: the machine\'s host key is already trusted.\n')
    expect((await sandbox.run(['ssh', 'g', '--bogus', 'true'])).stderr).toMatch(/^Error: ssh has no option --bogus \(berth's own flags go before the machine name\)\./)
    expect((await sandbox.run(['ssh', 'g', '-L'])).stderr).toMatch(/^Error: The ssh option -L needs a value\./)
  })

  it('says which ssh options the built-in client cannot honour', async () => {
    const refused = await sandbox.run(['ssh', 'g', '-A', '-L', '1:localhost:2', 'true'], {env: bareEnv})
    expect(refused).toMatchObject({code: 1, stdout: ''})
    expect(refused.stderr).toMatch(/^Error: berth's built-in SSH client cannot honour -A, -L: only -t, -T and -q\. Install OpenSSH's ssh/)
    expect(await sandbox.run(['ssh', 'g', '-q', '-T', '--', 'echo', 'ok'], {env: bareEnv})).toEqual({code: 0, stdout: 'ok\n', stderr: ''})
    expect((await sandbox.run(['--native-ssh', 'ssh', 'g', '-L', '1:localhost:2', 'true'])).stderr).toMatch(/cannot honour -L/)
  })

  it('falls back to the built-in client where no ssh is installed', async () => {
    expect(await sandbox.run(['ssh', 'g', '--', 'uname', '-n'], {env: bareEnv})).toEqual({code: 0, stdout: 'g\n', stderr: ''})
    expect((await sandbox.run(['ssh', 'g', '--', 'sh', '-c', 'exit 7'], {env: bareEnv})).code).toBe(7)
    const echoed = await sandbox.run(['ssh', 'g', '--', 'sh', '-c', 'cat; echo done >&2'], {env: bareEnv, input: 'from stdin\n'})
    expect(echoed).toEqual({code: 0, stdout: 'from stdin\n', stderr: 'done\n'})
    // A shell without a terminal reads its commands from stdin.
    expect((await sandbox.run(['ssh', 'g'], {env: bareEnv, input: 'uname -n; exit 3\n'}))).toMatchObject({code: 3, stdout: expect.stringMatching(/^g$/m) as unknown})
  })

  it('says clearly when the machine does not exist or is not running', async () => {
    const missing = await sandbox.run(['ssh', 'nosuch', '--', 'true'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^Error: Machine "nosuch" does not exist\./)
    await host2.stopSsh()
    try {
      const stopped = await sandbox.run(['ssh', 'g2', '--', 'true'])
      expect(stopped.code).toBe(1)
      // Not "Stopped": berth cannot start a generic host, and cannot know it is off.
      expect(stopped.stderr).toMatch(/^Error: The host of machine "g2" does not answer on \S+:22: connection refused\. Check that the host is up/)
      const copy = await sandbox.run(['scp', 'g2:/etc/hostname', join(work, 'never')])
      expect(copy.stderr).toMatch(/^Error: The host of machine "g2" does not answer/)
    } finally {
      await host2.startSsh()
    }
  })

  it('copies to and from a machine, recursively, and from one machine to another', async () => {
    const local = join(work, 'copy')
    await mkdir(join(local, 'tree', 'sub'), {recursive: true})
    await writeFile(join(local, 'one.txt'), 'one\n')
    await writeFile(join(local, 'tree', 'a.txt'), 'a\n')
    await writeFile(join(local, 'tree', 'sub', 'b.txt'), 'b\n')

    expect(await sandbox.run(['scp', join(local, 'one.txt'), 'g:/tmp/one.txt'])).toEqual({code: 0, stdout: '', stderr: ''})
    expect((await host1.exec('cat /tmp/one.txt')).stdout).toBe('one\n')
    await host1.exec('printf "from g\\n" > /tmp/remote.txt')
    expect((await sandbox.run(['scp', 'g:/tmp/remote.txt', join(local, 'back.txt')])).code).toBe(0)
    expect(await readFile(join(local, 'back.txt'), 'utf8')).toBe('from g\n')

    expect((await sandbox.run(['scp', '-r', '-q', join(local, 'tree'), 'g:/tmp/tree'])).code).toBe(0)
    expect((await host1.exec('cd /tmp/tree && cat a.txt sub/b.txt')).stdout).toBe('a\nb\n')
    expect((await sandbox.run(['scp', '-r', 'localhost:' + join(local, 'tree'), 'g:/tmp/tree2'])).code).toBe(0)
    expect((await host1.exec('cat /tmp/tree2/sub/b.txt')).stdout).toBe('b\n')

    // Through this computer: the two hosts never connect to each other, each is checked against its own known_hosts.
    expect(await sandbox.run(['scp', 'g:/tmp/remote.txt', 'g2:/tmp/from-g.txt'])).toEqual({code: 0, stdout: '', stderr: ''})
    expect((await host2.exec('cat /tmp/from-g.txt')).stdout).toBe('from g\n')
    expect((await sandbox.run(['scp', '-r', 'g:/tmp/tree', 'g2:/tmp/tree'])).code).toBe(0)
    expect((await host2.exec('cat /tmp/tree/sub/b.txt')).stdout).toBe('b\n')

    const absent = await sandbox.run(['scp', 'g:/tmp/absent', local])
    expect(absent.code).toBe(1)
    expect(absent.stderr).toContain('/tmp/absent: No such file or directory')
  })

  it('names the package to install when scp, rsync or sshfs is missing', async () => {
    const scp = await sandbox.run(['scp', join(work, 'x'), 'g:/tmp/'], {env: bareEnv})
    expect(scp).toMatchObject({code: 1, stderr: 'Error: berth scp needs scp, which is not installed (not found on PATH). Install it: apt-get install openssh-client (Debian/Ubuntu).\n'})
    const delta = await sandbox.run(['scp', '--delta', join(work, 'x'), 'g:/tmp/'], {env: bareEnv})
    expect(delta).toMatchObject({code: 1, stderr: expect.stringContaining('needs rsync, which is not installed') as unknown})
    const mount = await sandbox.run(['mount', 'g:/tmp', join(work, 'x')], {env: bareEnv})
    expect(mount).toMatchObject({code: 1, stderr: 'Error: berth mount needs sshfs, which is not installed (not found on PATH). Install it: apt-get install sshfs (Debian/Ubuntu).\n'})
    const unmount = await sandbox.run(['mount', '-u', 'g:/tmp', join(work, 'x')], {env: bareEnv})
    expect(unmount).toMatchObject({code: 1, stderr: expect.stringContaining('needs fusermount, which is not installed') as unknown})
  })

  it('mounts a machine directory with sshfs and unmounts it', async () => {
    expect(existsSync('/dev/fuse')).toBe(true)
    const mountpoint = join(work, 'mnt')
    await mkdir(mountpoint)
    await host1.exec('mkdir -p /srv/share && printf "on the host\\n" > /srv/share/remote.txt')
    const started = performance.now()
    mounted.push(mountpoint)
    // sshfs stays in the background: berth must still end at once and close its output.
    expect(await sandbox.run(['mount', 'g:/srv/share', mountpoint])).toEqual({code: 0, stdout: '', stderr: ''})
    expect(performance.now() - started).toBeLessThan(10_000)
    expect(await readFile(join(mountpoint, 'remote.txt'), 'utf8')).toBe('on the host\n')
    await writeFile(join(mountpoint, 'local.txt'), 'from here\n')
    expect((await host1.exec('cat /srv/share/local.txt')).stdout).toBe('from here\n')
    expect(await readFile('/proc/self/mounts', 'utf8')).toContain(` ${mountpoint} fuse.sshfs `)
    const again = await sandbox.run(['mount', 'g:/srv/share', mountpoint])
    expect(again).toMatchObject({code: 1, stderr: expect.stringMatching(/^Error: Something is mounted on \S+mnt already\./) as unknown})

    expect(await sandbox.run(['mount', '-u', 'g:/srv/share', mountpoint])).toEqual({code: 0, stdout: '', stderr: ''})
    expect(await readFile('/proc/self/mounts', 'utf8')).not.toContain(` ${mountpoint} `)
    mounted.pop()

    const noDir = await sandbox.run(['mount', 'g:/srv/share', join(work, 'no-such-dir')])
    expect(noDir).toMatchObject({code: 1, stderr: expect.stringMatching(/^Error: The mountpoint \S+no-such-dir does not exist\./) as unknown})
  })
})

// What the commands above rely on, without hosts: where berth's part of a line ends, and how sides are read.
describe('ssh and scp command lines', () => {
  it('passes everything after the machine name on as the remote command', () => {
    expect(splitSshArgv(['g', '--', 'ls', '-la'])).toEqual({head: ['g'], options: [], command: ['ls', '-la']})
    expect(splitSshArgv(['g', 'ls', '-la', '--', 'x'])).toEqual({head: ['g'], options: [], command: ['ls', '-la', '--', 'x']})
    expect(splitSshArgv(['-s', '/store', '-D', '--native-ssh', 'g', '-t'])).toEqual({head: ['-s', '/store', '-D', '--native-ssh', 'g'], options: [{letter: 't'}], command: []})
    expect(splitSshArgv(['--storage-path=/store', '--', 'g', 'uptime'])).toEqual({head: ['--storage-path=/store', 'g'], options: [], command: ['uptime']})
    expect(splitSshArgv(['-t'])).toEqual({head: ['-t'], options: [], command: []})
    expect(splitSshArgv([])).toEqual({head: [], options: [], command: []})
    // After the name, ssh's own options as ssh reads them: grouped letters, values joined or in the next word.
    expect(splitSshArgv(['g', '-AC', '-L', '8080:localhost:80', '-oLogLevel=ERROR', 'echo', '-n', 'x'])).toEqual({
      head: ['g'],
      options: [{letter: 'A'}, {letter: 'C'}, {letter: 'L', value: '8080:localhost:80'}, {letter: 'o', value: 'LogLevel=ERROR'}],
      command: ['echo', '-n', 'x'],
    })
    expect(splitSshArgv(['g', '-p2222', '--', '-weird'])).toEqual({head: ['g'], options: [{letter: 'p', value: '2222'}], command: ['-weird']})
  })

  it('keeps one word a command line and quotes several words', () => {
    expect(remoteCommand([])).toBeUndefined()
    expect(remoteCommand(['ls | wc -l'])).toBe('ls | wc -l')
    expect(remoteCommand(['sh', '-c', 'exit 7'])).toBe("sh -c 'exit 7'")
  })

  it('reads [user@]machine:path, localhost: and local paths as scp does', () => {
    expect(parsePathOnMachine('m1:/tmp/a')).toEqual({kind: 'machine', machine: 'm1', path: '/tmp/a'})
    expect(parsePathOnMachine('deploy@m1.lan:')).toEqual({kind: 'machine', machine: 'm1.lan', user: 'deploy', path: ''})
    expect(parsePathOnMachine('localhost:/etc/hosts')).toEqual({kind: 'local', path: '/etc/hosts'})
    expect(parsePathOnMachine('./a:b')).toEqual({kind: 'local', path: './a:b'})
    expect(parsePathOnMachine('/tmp/a:b')).toEqual({kind: 'local', path: '/tmp/a:b'})
    expect(() => parsePathOnMachine('-bad:/x')).toThrow(/Invalid machine name/)
  })

  it('escapes and quotes values for OpenSSH, and refuses what it cannot pass', () => {
    expect(openSshValue('/home/a/.berth/machines/m1/known_hosts')).toBe('/home/a/.berth/machines/m1/known_hosts')
    expect(openSshValue('/Users/a b/100%/key')).toBe('"/Users/a b/100%%/key"')
    expect(() => openSshValue('/tmp/a"b')).toThrow(/double quote/)
  })
})

/** The first line a server on a loopback port sends, retried until something listens there or the time is up. */
async function greetingOn(port: number, withinMs: number): Promise<string> {
  const deadline = Date.now() + withinMs
  for (;;) {
    const line = await new Promise<string | undefined>((resolve) => {
      const socket = connect({host: '127.0.0.1', port})
      let received = ''
      socket.setTimeout(2_000, () => socket.destroy())
      socket.on('data', (chunk) => {
        received += chunk.toString()
        if (received.includes('\n')) socket.destroy()
      })
      socket.on('error', () => resolve(undefined))
      socket.on('close', () => resolve(received === '' ? undefined : received.split('\n')[0]!.trimEnd()))
    })
    if (line !== undefined) return line
    if (Date.now() > deadline) throw new Error(`Nothing answered on 127.0.0.1:${port} within ${withinMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
