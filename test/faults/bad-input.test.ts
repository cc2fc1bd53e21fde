import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {chmod, cp, mkdir, readFile, readdir, rm, symlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, repoRoot, runProcess, type RunResult} from '../harness/berth.js'
import {DockerdPool} from '../harness/dockerd.js'
import {freeLoopbackPort} from '../harness/free-port.js'
import {snapshotTree} from '../harness/tree-snapshot.js'
import {startTrustedEngine} from '../harness/trusted-engine.js'

/**
 * Bad input of the kinds that reach berth from outside its flags' syntax: a store path that is a file, a loop or
 * locked; a docker configuration of the wrong kind; certificate flags that name nothing usable; names, filters and
 * URLs that are huge, carry terminal escapes or passwords; a client key that is not its certificate's. Each is one
 * line on stderr naming the path or flag and the fix, nothing on stdout, a non-zero exit code, and the whole
 * sandbox (store, docker config, the files the bad input names) byte for byte and mode for mode as it was.
 */

interface Fault {
  /** `@/x` in an argument or env value is the file x in the sandbox's directory; CLOSED an engine URL where nothing listens. */
  args: string[]
  /** Every pattern must match the error line. */
  says: RegExp[]
  env?: NodeJS.ProcessEnv
  /** Run berth without the capabilities that let root read any file, so file permissions count as for a user. */
  unprivileged?: boolean
  /** Lines a command prints before it fails (rm's "About to remove", create's pre-create check), ahead of the error line. */
  preamble?: RegExp[]
  /** Make the bad input, and undo it after the case (the sandbox is compared from after `prepare` on). */
  prepare?: (sandbox: BerthSandbox) => Promise<void>
  undo?: (sandbox: BerthSandbox) => Promise<void>
  /** Text that must appear nowhere in the output, with or without --debug (a password). */
  secret?: string
}

const HUGE = 'a'.repeat(100_000)
const ESC = '\u001b'
const NAME_RULE = /1-63 characters from a-z A-Z 0-9 \. -/
const RM_PREAMBLE = [/^About to remove good$/, /^good \(none\): only berth's record goes; the engine and its host are left as they are\.$/]
const PRE_CREATE = [/^Running pre-create checks: done/]
const ELSEWHERE = /point --storage-path \(or BERTH_STORAGE_PATH\) at another directory/
const UNSET_DOCKER_CONFIG = /Point DOCKER_CONFIG at the docker CLI's configuration directory, or unset it to use ~\/\.docker\./
// Root keeps reading and searching whatever the modes say; without these capabilities it is held to them like a user.
const WITHOUT_DAC = ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--']

describe('bad input from outside the flags: one clear line, a non-zero exit, and nothing changed', () => {
  let sandbox: BerthSandbox
  let closed: string
  const counts = {tried: 0, oneLine: 0, unchanged: 0}
  const at = (path: string): string => path.replace(/^@\//, `${sandbox.dir}/`).replace(/^CLOSED$/, closed)

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    closed = `tcp://127.0.0.1:${await freeLoopbackPort()}`
    const created = await sandbox.run(['create', '-d', 'none', '--url', closed, 'good'])
    expect(created.code, created.stderr).toBe(0)
    const dir = sandbox.dir
    await writeFile(join(dir, 'a-file'), 'not a directory\n')
    await symlink('loop-b', join(dir, 'loop-a'))
    await symlink('loop-a', join(dir, 'loop-b'))
    await mkdir(join(dir, 'locked'), {mode: 0o000})
    await chmod(join(dir, 'locked'), 0o000)
    await mkdir(join(dir, 'cert-dir'))
    await writeFile(join(dir, 'unreadable.pem'), 'secret\n', {mode: 0o000})
    await mkdir(join(dir, 'config-dir', 'config.json'), {recursive: true})
    await mkdir(join(dir, 'machines-file-store'))
    await writeFile(join(dir, 'machines-file-store', 'machines'), '')
    await mkdir(join(dir, 'broken-store', 'machines', 'm', 'config.json'), {recursive: true})
  })

  afterAll(async () => {
    await chmod(join(sandbox.dir, 'locked'), 0o700).catch(() => undefined)
    await sandbox?.dispose()
    // The figures docs/compatibility.md carries for this suite.
    console.log(`bad input from outside the flags: ${counts.tried} cases tried, ${counts.oneLine} one clear line, ${counts.unchanged} sandbox unchanged`)
  })

  async function expectRefused(fault: Fault): Promise<RunResult> {
    await fault.prepare?.(sandbox)
    try {
      counts.tried++
      const before = await snapshotTree(sandbox.dir)
      const env = Object.fromEntries(Object.entries(fault.env ?? {}).map(([key, value]) => [key, at(value!)]))
      const args = fault.args.map(at)
      const result = await sandbox.run(args, {env, ...(fault.unprivileged === true ? {prefix: WITHOUT_DAC} : {})})
      const lines = result.stderr.split('\n')
      expect(lines.pop(), 'stderr ends with a newline').toBe('')
      const preamble = fault.preamble ?? []
      expect(lines, `stderr of berth ${args.join(' ').slice(0, 200)}`).toHaveLength(preamble.length + 1)
      preamble.forEach((pattern, index) => expect(lines[index]).toMatch(pattern))
      const line = lines.at(-1)!
      expect(line).toMatch(/^Error: \S/)
      for (const pattern of fault.says) expect(line).toMatch(pattern)
      // Nothing from a file, a host or a typed value reaches the terminal raw, and no line is endless.
      // eslint-disable-next-line no-control-regex
      expect(result.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/)
      expect(line.length).toBeLessThan(600)
      expect(result.stdout).toBe('')
      expect(result.code).toBe(1)
      counts.oneLine++
      expect(await snapshotTree(sandbox.dir)).toEqual(before)
      counts.unchanged++
      if (fault.secret !== undefined) {
        expect(result.stderr).not.toContain(fault.secret)
        const debug = await sandbox.run([...args, '--debug'], {env})
        expect(debug.stderr).not.toContain(fault.secret)
        expect(debug.code).toBe(1)
      }
      return result
    } finally {
      await fault.undo?.(sandbox)
    }
  }

  const create = (name: string, ...extra: string[]): string[] => ['create', '-d', 'none', '--url', 'CLOSED', ...extra, name]
  const cases: Array<[string, Fault]> = [
    // The store path.
    ['ls: the store is a file', {args: ['ls', '-s', '@/a-file'], says: [/The store \S+\/a-file is a file, not a directory\./, /Move \S+\/a-file out of the way/, ELSEWHERE]}],
    ['env: the store is a file, named by BERTH_STORAGE_PATH', {args: ['env', 'good'], env: {BERTH_STORAGE_PATH: '@/a-file'}, says: [/The store \S+\/a-file is a file, not a directory\./, ELSEWHERE]}],
    ['create: a directory above the store is a file', {args: [...create('m2'), '-s', '@/a-file/store'], says: [/The store \S+\/a-file\/store cannot be used: \S+\/a-file is a file, not a directory\./, ELSEWHERE]}],
    ['ls -q: the store is a symbolic link loop', {args: ['ls', '-q', '-s', '@/loop-a'], says: [/The store \S+\/loop-a is a symbolic link loop/, /Point the link \S+\/loop-a at a directory/, ELSEWHERE]}],
    ['inspect: the store is a symbolic link loop', {args: ['inspect', 'good', '-s', '@/loop-b'], says: [/The store \S+\/loop-b is a symbolic link loop/]}],
    ['create: the store is a symbolic link loop', {args: [...create('m2'), '-s', '@/loop-a'], says: [/The store \S+\/loop-a is a symbolic link loop/]}],
    ['ls: the store may not be read', {args: ['ls', '-s', '@/locked'], unprivileged: true, says: [/The store \S+\/locked cannot be searched \(permission denied\)\./, /chmod u\+rwx \S+\/locked/, ELSEWHERE]}],
    ['create: the store lies in a directory that may not be searched', {args: [...create('m2'), '-s', '@/locked/store'], unprivileged: true, says: [/The store \S+\/locked\/store cannot be used: \S+\/locked cannot be searched \(permission denied\)\./, /chmod u\+rwx/]}],
    ['ls: the store\'s machines/ is a file', {args: ['ls', '-s', '@/machines-file-store'], says: [/\S+\/machines-file-store\/machines is a file, not a directory\./, /Move \S+\/machines out of the way/]}],
    ['env: a machine\'s config.json is a directory', {args: ['env', 'm', '-s', '@/broken-store'], says: [/Machine "m" cannot be loaded: \S+\/machines\/m\/config\.json is a directory, not a file\./, /Fix or remove \S+\/config\.json\./]}],

    // The docker CLI's configuration.
    ['create: DOCKER_CONFIG is a file', {args: create('m2'), env: {DOCKER_CONFIG: '@/a-file'}, says: [/DOCKER_CONFIG \S+\/a-file is a file, not a directory\./, UNSET_DOCKER_CONFIG]}],
    ['use: DOCKER_CONFIG is a file', {args: ['use', 'good'], env: {DOCKER_CONFIG: '@/a-file'}, says: [/DOCKER_CONFIG \S+\/a-file is a file, not a directory\./, UNSET_DOCKER_CONFIG]}],
    ['rm: DOCKER_CONFIG is a file, so the machine\'s context could not go with it', {args: ['rm', '-y', 'good'], env: {DOCKER_CONFIG: '@/a-file'}, preamble: RM_PREAMBLE, says: [/DOCKER_CONFIG \S+\/a-file is a file/]}],
    ['active: DOCKER_CONFIG is a symbolic link loop', {args: ['active'], env: {DOCKER_CONFIG: '@/loop-a'}, says: [/DOCKER_CONFIG \S+\/loop-a is a symbolic link loop/, UNSET_DOCKER_CONFIG]}],
    ['use: DOCKER_CONFIG may not be read', {args: ['use', 'good'], env: {DOCKER_CONFIG: '@/locked'}, unprivileged: true, says: [/DOCKER_CONFIG \S+\/locked cannot be searched \(permission denied\)\./, /chmod u\+rwX \S+\/locked/]}],
    ['use --unset: config.json is a directory', {args: ['use', '--unset'], env: {DOCKER_CONFIG: '@/config-dir'}, says: [/The docker configuration \S+\/config-dir\/config\.json is a directory, not a file\./, /Move it aside: the docker CLI cannot read it either\./]}],
    ['create: config.json is a directory', {args: create('m2'), env: {DOCKER_CONFIG: '@/config-dir'}, says: [/config\.json is a directory, not a file\./]}],
    ['active: config.json is a directory', {args: ['active'], env: {DOCKER_CONFIG: '@/config-dir'}, says: [/config\.json is a directory, not a file\./]}],
    ['rm: config.json is a directory', {args: ['rm', '-y', 'good'], env: {DOCKER_CONFIG: '@/config-dir'}, preamble: RM_PREAMBLE, says: [/config\.json is a directory, not a file\./]}],

    // Certificate flags: berth makes a CA only in the store, never where a typo points.
    ['create: --tls-ca-cert under a directory that does not exist', {args: create('m2', '--tls-ca-cert', '/nonexistent/ca.pem'), says: [/--tls-ca-cert \/nonexistent\/ca\.pem: \/nonexistent does not exist\./, /leave out --tls-ca-cert to use the store's own/]}],
    ['create: --tls-ca-cert mistyped', {args: create('m2', '--tls-ca-cert', '@/ca-typo.pem'), says: [/--tls-ca-cert \S+\/ca-typo\.pem does not exist\./, /Give the path of an existing CA certificate/]}],
    ['create: --tls-ca-key is a directory', {args: create('m2', '--tls-ca-key', '@/cert-dir'), says: [/--tls-ca-key \S+\/cert-dir is a directory, not a file\./, /e\.g\. --tls-ca-key \S+\/cert-dir\/ca-key\.pem/]}],
    ['create: --tls-client-cert is a symbolic link loop', {args: create('m2', '--tls-client-cert', '@/loop-a'), says: [/--tls-client-cert \S+\/loop-a is a symbolic link loop/]}],
    ['create: --tls-client-key may not be read', {args: create('m2', '--tls-client-key', '@/unreadable.pem'), unprivileged: true, says: [/--tls-client-key \S+\/unreadable\.pem cannot be accessed \(permission denied\)\./, /chmod u\+r \S+\/unreadable\.pem/]}],
    ['create: BERTH_TLS_CA_CERT names a file under a file', {args: create('m2'), env: {BERTH_TLS_CA_CERT: '@/a-file/ca.pem'}, says: [/--tls-ca-cert \S+\/a-file\/ca\.pem: \S+\/a-file is a file, not a directory\./]}],
    ['regenerate-certs: --tls-ca-cert mistyped', {args: ['regenerate-certs', '-f', '--tls-ca-cert', '@/ca-typo.pem', 'good'], says: [/--tls-ca-cert \S+\/ca-typo\.pem does not exist\./]}],
    ['provision: --tls-ca-key mistyped', {args: ['provision', '--tls-ca-key', '@/ca-typo.pem', 'good'], says: [/--tls-ca-key \S+\/ca-typo\.pem does not exist\./]}],
    ['create: the store\'s CA key is readable by others', {
      args: create('m2'), preamble: PRE_CREATE, says: [/The CA key \S+\/certs\/ca-key\.pem is open to other users \(mode 0644\)\./, /Run "chmod 600 \S+\/certs\/ca-key\.pem"/],
      prepare: (s) => chmod(join(s.storePath, 'certs', 'ca-key.pem'), 0o644),
      undo: (s) => chmod(join(s.storePath, 'certs', 'ca-key.pem'), 0o600),
    }],

    // Huge values, terminal escapes, passwords.
    ['env: a name of 100,000 characters', {args: ['env', HUGE], says: [/Invalid machine name "a{80}…" \(100000 characters\): it is 100000 characters long, the limit is 63\./, NAME_RULE]}],
    ['create: a name of 100,000 characters', {args: create(HUGE), says: [/Invalid machine name "a{80}…" \(100000 characters\)/]}],
    ['inspect: a name with terminal escapes', {args: ['inspect', `${ESC}[31mred${ESC}[0m`], says: [/Invalid machine name "\\x1b\[31mred\\x1b\[0m": it must start with a letter or digit, not "\\x1b"\./]}],
    ['ip: a name that fakes a second line', {args: ['ip', 'x\rError: all good\n'], says: [/Invalid machine name "x\\rError: all good\\n": it contains "\\r"/]}],
    ['ls: a filter key with a terminal title escape', {args: ['ls', '--filter', `${ESC}]0;owned\u0007=x`], says: [/Unsupported filter key '\\x1b\]0;owned\\x07'\./]}],
    ['ls: a filter of 100,000 characters', {args: ['ls', '--filter', `name=${HUGE}(`], says: [/Invalid regular expression in filter 'name=a{75}…' \(100006 characters\): missing closing \)/]}],
    ['env: a shell name of 100,000 characters', {args: ['env', '--shell', HUGE, 'good'], says: [/Unknown shell "a{80}…" \(100000 characters\)/]}],
    ['create: an engine URL with a password', {args: ['create', '-d', 'none', '--url', 'tcp://admin:hunter2@127.0.0.1:2376', 'm2'], secret: 'hunter2', says: [/--url "tcp:\/\/admin:\*\*\*@127\.0\.0\.1:2376" is not of the form tcp:\/\/HOST:PORT\./]}],
    ['create: an engine URL of 100,000 characters', {args: ['create', '-d', 'none', '--url', `tcp://${HUGE}`, 'm2'], says: [/--url "tcp:\/\/a{74}…" \(100006 characters\) (is not a URL|is not of the form|does not name a host)/]}],

    // A client key that is not its certificate's.
    ...(['env', 'config'] as const).map((command): [string, Fault] => [`${command}: the machine's key.pem does not belong to its cert.pem`, {
      args: [command, 'good'], says: [/Cannot use machine "good": its client key \S+\/machines\/good\/key\.pem does not belong to its client certificate \S+\/machines\/good\/cert\.pem\./, /Run "berth regenerate-certs --client-certs good"\./],
      prepare: async (s) => {
        const key = join(s.storePath, 'machines', 'good', 'key.pem')
        await cp(key, `${key}.kept`)
        execFileSync('openssl', ['genrsa', '-traditional', '-out', key, '2048'], {stdio: 'ignore'})
        await chmod(key, 0o600)
      },
      undo: async (s) => {
        const key = join(s.storePath, 'machines', 'good', 'key.pem')
        await cp(`${key}.kept`, key)
        await rm(`${key}.kept`)
      },
    }]),
  ]
  for (const [title, fault] of cases) {
    it(title, async () => {
      await expectRefused(fault)
    })
  }

  it('made no CA, and nothing else, where a mistyped certificate flag pointed', () => {
    expect(existsSync('/nonexistent')).toBe(false)
    expect(existsSync(join(sandbox.dir, 'ca-typo.pem'))).toBe(false)
  })

  it('still has the healthy machine after all of that', async () => {
    expect((await sandbox.run(['ls', '-q'])).stdout).toBe('good\n')
    expect((await sandbox.run(['url', 'good'])).stdout).toBe(`${closed}\n`)
  })
})

describe('what the store holds reaches the terminal harmless', () => {
  let sandbox: BerthSandbox

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    const closed = `tcp://127.0.0.1:${await freeLoopbackPort()}`
    expect((await sandbox.run(['create', '-d', 'none', '--url', closed, 'good'])).code).toBe(0)
  })

  afterAll(async () => {
    await sandbox?.dispose()
  })

  it('ls shows a machine directory named with terminal escapes spelled out in the table, exactly in --format and --json', async () => {
    const evil = `${ESC}[31mred${ESC}[0m\r${ESC}[2Kfake`
    await mkdir(join(sandbox.storePath, 'machines', evil))
    const table = await sandbox.run(['ls'])
    expect(table.code).toBe(0)
    expect(table.stderr).toBe('')
    const rows = table.stdout.split('\n').filter(Boolean)
    expect(rows).toHaveLength(3)
    expect(rows.find((row) => row.startsWith('\\x1b'))).toMatch(/^\\x1b\[31mred\\x1b\[0m\\r\\x1b\[2Kfake\s+-\s+not found\s+Error\s+Unknown\s+Invalid machine name "\\x1b\[31mred/)
    // eslint-disable-next-line no-control-regex
    expect(table.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/)
    expect((await sandbox.run(['ls', '--format', '{{.Name}}'])).stdout.split('\n').filter(Boolean)).toContain(evil)
    const json = await sandbox.run(['ls', '--json'])
    expect(json.stdout).toContain('"\\u001b[31mred\\u001b[0m\\r\\u001b[2Kfake"')
    expect((JSON.parse(json.stdout) as Array<{name: string}>).map((row) => row.name)).toContain(evil)
    await rm(join(sandbox.storePath, 'machines', evil), {recursive: true})
  })

  it('inspect hides the password of an install URL', async () => {
    const provisioned = await sandbox.run(['inspect', '-f', '{{.HostOptions.EngineOptions.InstallURL}}', 'good'])
    expect(provisioned.stdout).toBe('https://get.docker.com\n')
    const config = join(sandbox.storePath, 'machines', 'good', 'config.json')
    const original = await readFile(config, 'utf8')
    await writeFile(config, original.replace('https://get.docker.com', 'https://deploy:s3cret@mirror.example/install.sh'))
    const inspected = await sandbox.run(['inspect', 'good'])
    expect(inspected.stdout).toContain('https://deploy:***@mirror.example/install.sh')
    expect(inspected.stdout).not.toContain('s3cret')
    await writeFile(config, original)
  })

  it('ls --filter name= with a pathological pattern over 100 machines with long names ends in well under a second', async () => {
    const machines = join(sandbox.storePath, 'machines')
    const template = await readFile(join(machines, 'good', 'config.json'), 'utf8')
    const names = Array.from({length: 100}, (_, index) => `${'a'.repeat(58)}-${String(index).padStart(3, '0')}x`)
    for (const name of names) {
      await cp(join(machines, 'good'), join(machines, name), {recursive: true})
      await writeFile(join(machines, name, 'config.json'), template.replace('"name": "good"', `"name": "${name}"`))
    }
    expect((await readdir(machines)).length).toBe(101)
    const timed = async (args: string[]): Promise<{ms: number; result: RunResult}> => {
      const started = performance.now()
      const result = await sandbox.run(args)
      return {ms: performance.now() - started, result}
    }
    // The same listing without a filter: what is left over is the matching itself.
    const plain = await timed(['ls', '-q'])
    expect(plain.result.stdout.split('\n').filter(Boolean)).toHaveLength(101)
    for (const args of [['ls', '-q', '--filter', 'name=(a+)+$'], ['ls', '-q', '--filter', 'name=^(a|a)*$', '--filter', 'name=(a*)*b']]) {
      const {ms, result} = await timed(args)
      expect(result.stderr).toBe('')
      expect(result.stdout).toBe('')
      // JavaScript's backtracking RegExp would not finish this in the age of the universe; on a quiet machine the whole run takes about 0.2 s.
      expect(ms).toBeLessThan(2000)
      expect(ms - plain.ms).toBeLessThan(500)
      console.log(`berth ${args.join(' ')} over 101 machines: ${Math.round(ms)} ms (ls -q without a filter: ${Math.round(plain.ms)} ms)`)
    }
    expect((await sandbox.run(['ls', '-q', '--filter', 'name=^a+-00[0-2]x$'])).stdout).toBe(`${names.slice(0, 3).join('\n')}\n`)
  })
})

describe('berth config with a store path that would run a command if a shell expanded it', () => {
  let sandbox: BerthSandbox
  let pool: DockerdPool
  let url: string
  const marker = `/tmp/berth-pwned-${process.pid}`
  // One with a space, as a shell command has; one without, which also survives `docker $(berth config m)` whole.
  const spaced = (dir: string): string => join(dir, `st$(touch ${marker}-a)ore`)
  const unspaced = (dir: string): string => join(dir, `st$(touch\${IFS}${marker}-b)\`touch\${IFS}${marker}-c\`ore`)

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new DockerdPool()
    const engine = await startTrustedEngine(spaced(sandbox.dir), pool)
    url = engine.url
    // The second store shares the first one's CA, which the engine trusts.
    await mkdir(unspaced(sandbox.dir), {recursive: true, mode: 0o700})
    await cp(join(spaced(sandbox.dir), 'certs'), join(unspaced(sandbox.dir), 'certs'), {recursive: true})
    for (const store of [spaced(sandbox.dir), unspaced(sandbox.dir)]) {
      const created = await sandbox.run(['create', '-d', 'none', '--url', url, machineIn(store)], {env: {BERTH_STORAGE_PATH: store}})
      expect(created.code, created.stderr).toBe(0)
    }
  })

  afterAll(async () => {
    await pool?.dispose()
    await sandbox?.dispose()
    for (const suffix of ['a', 'b', 'c']) await rm(`${marker}-${suffix}`, {force: true})
  })

  // Each store's machine has a name of its own: both get a docker context in the sandbox's docker configuration.
  const machineIn = (store: string): string => (store === spaced(sandbox.dir) ? 'spaced' : 'whole')
  const bash = (script: string, store: string): Promise<RunResult> => runProcess('bash', ['-c', script], {...sandbox.env, BERTH_STORAGE_PATH: store, M: machineIn(store), BERTH: `node ${join(repoRoot, 'bin', 'run.cjs')}`})
  const nothingRan = (): void => {
    for (const suffix of ['a', 'b', 'c']) expect(existsSync(`${marker}-${suffix}`), `${marker}-${suffix}`).toBe(false)
  }

  it('prints lines that run nothing when pasted into bash', async () => {
    for (const store of [spaced(sandbox.dir), unspaced(sandbox.dir)]) {
      const config = await bash('$BERTH config $M > "$BERTH_STORAGE_PATH.flags" && bash "$BERTH_STORAGE_PATH.flags"', store)
      expect(config.stderr).toContain('--tlscacert=')
      nothingRan()
    }
  })

  it('works through eval with the store path kept exactly, running nothing', async () => {
    for (const store of [spaced(sandbox.dir), unspaced(sandbox.dir)]) {
      const result = await bash('eval "docker $($BERTH config $M | tr \'\\n\' \' \') version --format \'{{.Server.Version}}\'"', store)
      expect(result.stderr).toBe('')
      expect(result.stdout).toMatch(/^\d+\.\d+/)
      nothingRan()
    }
  })

  it('works through docker $(berth config M) for the path without whitespace; the other is split, and nothing runs either way', async () => {
    const whole = await bash('docker $($BERTH config $M) version --format \'{{.Server.Version}}\'', unspaced(sandbox.dir))
    expect(whole.stderr).toBe('')
    expect(whole.stdout).toMatch(/^\d+\.\d+/)
    const split = await bash('docker $($BERTH config $M) version --format \'{{.Server.Version}}\'', spaced(sandbox.dir))
    expect(split.code).not.toBe(0)
    nothingRan()
  })

  it('env works through eval for both, running nothing', async () => {
    for (const store of [spaced(sandbox.dir), unspaced(sandbox.dir)]) {
      const result = await bash('eval "$($BERTH env $M)" && printf "%s\\n" "$DOCKER_CERT_PATH" && docker version --format \'{{.Server.Version}}\'', store)
      expect(result.stderr).toBe('')
      expect(result.stdout.split('\n')[0]).toBe(join(store, 'machines', machineIn(store)))
      nothingRan()
    }
  })
})
