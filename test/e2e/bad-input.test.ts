import {access} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, repoRoot, type RunResult} from '../harness/berth.js'
import {freeLoopbackPort} from '../harness/free-port.js'
import {snapshotTree} from '../harness/tree-snapshot.js'

/**
 * Bad input of every kind, on the lean start-up path (env, ls, inspect, ip, url, status, config, version, active)
 * and on the oclif path (create, rm, use, drivers, and any lean command given an unknown flag): one line on stderr
 * that names the problem and the fix, nothing on stdout, a non-zero exit code, and the sandbox — store, docker
 * config, plugin data — byte for byte as it was.
 */

interface Refusal {
  args: string[]
  /** Every pattern must match the error line. */
  says: RegExp[]
  code?: number
  input?: string
  env?: NodeJS.ProcessEnv
  /** Lines a command prints before it fails (rm's "About to remove", create's progress), ahead of the error line. */
  preamble?: RegExp[]
}

const LONG_NAME = 'a'.repeat(64)
const NAME_RULE = /1-63 characters from a-z A-Z 0-9 \. -/
const USAGE_HINT = /See "berth help" or add --help to the command\.$/
// A machine that does not exist has no host to say anything of.
const RM_PREAMBLE = [/^About to remove nosuch$/]

describe('bad input: one clear line, a non-zero exit, and nothing changed', () => {
  let sandbox: BerthSandbox
  let closed: string

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    // Nothing listens here: the healthy machine registers with a warning, as an engine that is not up yet.
    closed = `tcp://127.0.0.1:${await freeLoopbackPort()}`
    const created = await sandbox.run(['create', '-d', 'none', '--url', closed, 'good'])
    expect(created.stderr).toContain('The machine is registered')
    expect(created.code).toBe(0)
    // A plugin driver whose pre-create check refuses a bad --fixture-url (exit code 3, as Docker Machine).
    const linked = await sandbox.run(['plugins', 'link', join(repoRoot, 'test', 'fixtures', 'berth-driver-fixture'), '--no-install'])
    expect(linked.code, linked.stderr).toBe(0)
  })

  afterAll(async () => {
    await sandbox?.dispose()
  })

  /** Run a command that must be refused, and check the refusal and that the sandbox did not change. */
  async function expectRefused(refusal: Refusal): Promise<RunResult> {
    const before = await snapshotTree(sandbox.dir)
    const result = await sandbox.run(refusal.args, {...(refusal.input === undefined ? {} : {input: refusal.input}), ...(refusal.env === undefined ? {} : {env: refusal.env})})
    const lines = result.stderr.split('\n')
    expect(lines.pop(), 'stderr ends with a newline').toBe('')
    const preamble = refusal.preamble ?? []
    expect(lines, `stderr of berth ${refusal.args.join(' ')}`).toHaveLength(preamble.length + 1)
    preamble.forEach((pattern, index) => expect(lines[index]).toMatch(pattern))
    const line = lines.at(-1)!
    expect(line).toMatch(/^Error: \S/)
    for (const pattern of refusal.says) expect(line).toMatch(pattern)
    expect(result.stdout).toBe('')
    expect(result.code).toBe(refusal.code ?? 1)
    expect(await snapshotTree(sandbox.dir)).toEqual(before)
    return result
  }

  describe('lean path', () => {
    const cases: Array<[string, Refusal]> = [
      ['env: a name with a path', {args: ['env', '../x'], says: [/Invalid machine name "\.\.\/x"/, /must start with a letter or digit/, NAME_RULE]}],
      ['inspect: an empty name', {args: ['inspect', ''], says: [/Invalid machine name "": it is empty/, NAME_RULE]}],
      ['ip: a name of 64 characters', {args: ['ip', LONG_NAME], says: [/it is 64 characters long, the limit is 63/, NAME_RULE]}],
      ['url: a non-ASCII name', {args: ['url', 'héllo'], says: [/Invalid machine name "héllo": it contains "é"/, NAME_RULE]}],
      ['status: a name with a slash', {args: ['status', 'a/b'], says: [/it contains "\/"/, NAME_RULE]}],
      ['config: a missing machine', {args: ['config', 'nosuch'], says: [/Machine "nosuch" does not exist\./, /"berth ls" to list machines/]}],
      ['inspect: a missing machine', {args: ['inspect', 'nosuch'], says: [/Machine "nosuch" does not exist\./, /berth ls/]}],
      ['version: a missing machine', {args: ['version', 'nosuch'], says: [/Machine "nosuch" does not exist\./, /berth ls/]}],
      ['ip: a missing machine', {args: ['ip', 'nosuch'], says: [/Machine "nosuch" does not exist\./]}],
      ['env: no name and no "default" machine', {args: ['env'], says: [/No machine name given and no "default" machine exists\./, /Name a machine/]}],
      ['status: no name and no "default" machine', {args: ['status'], says: [/no "default" machine exists/, /Name a machine/]}],
      ['env -u with a machine name', {args: ['env', '-u', 'good'], says: [/Expected no machine name with --unset\./, /Run "berth env --unset" alone\./]}],
      ['env: an unknown shell', {args: ['env', '--shell', 'klingon', 'good'], says: [/Unknown shell "klingon"/, /bash, zsh, sh/, /--shell/]}],
      ['ls: an unknown filter key', {args: ['ls', '--filter', 'colour=red'], says: [/Unsupported filter key 'colour'/, /Filter keys: driver, state, name, label, swarm/]}],
      ['ls: a filter without "="', {args: ['ls', '--filter', 'driver'], says: [/Unsupported filter syntax 'driver'/, /key=value/]}],
      ['ls -q: a bad regular expression', {args: ['ls', '-q', '--filter', 'name=['], says: [/Invalid regular expression in filter 'name=\[': missing closing \]: `\[`\./, /regular expression \(Go syntax\), e\.g\. --filter name=/]}],
      ['ls: a bad template', {args: ['ls', '--format', '{{.Name'], says: [/Template parsing error: template: .*unclosed action/, /--format "\{\{\.Name\}\}"/]}],
      ['ls: a template naming an unknown field', {args: ['ls', '--format', '{{.Nmae}}'], says: [/can't evaluate field Nmae/, /Name/]}],
      ['inspect: a bad template', {args: ['inspect', '--format', '{{.Name', 'good'], says: [/Template parsing error: template: :1: unclosed action/, /--format/]}],
      ['inspect: a template calling an unknown function', {args: ['inspect', '-f', '{{shout .Name}}', 'good'], says: [/function "shout" not defined/, /json, prettyjson/]}],
      ['active: no machine is active', {args: ['active'], says: [/No active host found\./, /berth env NAME|berth use NAME/]}],
      ['a store flag before the command, with a missing machine', {args: ['-s', 'STORE', 'env', 'nosuch'], says: [/Machine "nosuch" does not exist\./]}],
    ]
    for (const [title, refusal] of cases) {
      it(title, async () => {
        await expectRefused({...refusal, args: refusal.args.map((arg) => (arg === 'STORE' ? sandbox.storePath : arg))})
      })
    }
  })

  describe('lean commands with input only oclif understands (unknown flags, bad values, extra arguments)', () => {
    const cases: Array<[string, Refusal]> = [
      ['ls: an unknown flag', {args: ['ls', '--colour'], says: [/Nonexistent flag: --colour\./, USAGE_HINT]}],
      ['ls -q: an unknown short flag', {args: ['ls', '-q', '-z'], says: [/Nonexistent flag: -z\./, USAGE_HINT]}],
      ['env: an unknown flag', {args: ['env', '--colour', 'good'], says: [/Nonexistent flag: --colour\./, USAGE_HINT]}],
      ['inspect: an unknown flag', {args: ['inspect', '--colour', 'good'], says: [/Nonexistent flag: --colour\./, USAGE_HINT]}],
      ['ip: an unknown short flag', {args: ['ip', '-x', 'good'], says: [/Nonexistent flag: -x\./, USAGE_HINT]}],
      ['env: --shell without a value', {args: ['env', '--shell'], says: [/Flag --shell expects a value\./, USAGE_HINT]}],
      ['ls: a timeout that is not a number', {args: ['ls', '--timeout', 'soon'], says: [/Parsing --timeout: Expected an integer but received: soon\./, USAGE_HINT]}],
      ['ls: a timeout of zero', {args: ['ls', '-t', '0'], says: [/Expected an integer greater than or equal to 1 but received: 0/, USAGE_HINT]}],
      ['status: a second machine name', {args: ['status', 'good', 'extra'], says: [/Unexpected argument: extra\./, USAGE_HINT]}],
      ['env: a name after --, starting with "-"', {args: ['env', '--', '-x'], says: [/Invalid machine name "-x": it must start with a letter or digit, not "-"/, NAME_RULE]}],
      ['ip: names after --, one starting with "-"', {args: ['ip', '--', 'good', '-x'], says: [/Invalid machine name "-x"/, NAME_RULE]}],
    ]
    for (const [title, refusal] of cases) {
      it(title, async () => {
        await expectRefused(refusal)
      })
    }

    it('refuses an unknown flag on every other lean command the same way', async () => {
      for (const command of ['url', 'status', 'config', 'version', 'active']) {
        await expectRefused({args: [command, '--colour'], says: [/^Error: Nonexistent flag: --colour\./, USAGE_HINT]})
      }
    })
  })

  describe('oclif path', () => {
    const createArgs = (name: string, ...extra: string[]): string[] => ['create', '-d', 'none', '--url', 'CLOSED', ...extra, name]
    const cases: Array<[string, Refusal]> = [
      ['create: a name with a path', {args: createArgs('../x'), says: [/Invalid machine name "\.\.\/x"/, NAME_RULE]}],
      ['create: a name starting with "-" is taken for a flag', {args: createArgs('-x'), says: [/Nonexistent flag: -x\./, USAGE_HINT]}],
      ['create: a name starting with "-" after --', {args: [...createArgs('--'), '-x'], says: [/Invalid machine name "-x": it must start with a letter or digit, not "-"/, NAME_RULE]}],
      ['create: an empty name', {args: createArgs(''), says: [/Invalid machine name "": it is empty/, NAME_RULE]}],
      ['create: a name of 64 characters', {args: createArgs(LONG_NAME), says: [/it is 64 characters long, the limit is 63/, NAME_RULE]}],
      ['create: a non-ASCII name', {args: createArgs('bäd'), says: [/it contains "ä"; only a-z A-Z 0-9 \. - are allowed/, NAME_RULE]}],
      ['create: a duplicate name', {args: createArgs('good'), says: [/Machine "good" already exists\./, /Choose another name, or remove it first with "berth rm good"/]}],
      ['create: no name', {args: ['create', '-d', 'none', '--url', 'CLOSED'], says: [/Missing 1 required arg: name \(name of the new machine\)\./, USAGE_HINT]}],
      ['create: an unknown driver lists the available ones', {args: ['create', '-d', 'hyperv', 'm2'], says: [/Unknown driver "hyperv"\./, /Available drivers: amazonec2, azure, digitalocean, fixture, generic, none, qemu, virtualbox\./, /berth drivers/]}],
      // QEMU is installed on the test machines: pointed at a missing binary, no local driver works.
      ['create: no driver, and no local driver works here', {args: ['create', 'm2'], env: {QEMU_BINARY: '/nonexistent/qemu-system-x86_64'}, says: [/No driver chosen, and no local driver works here \(virtualbox: .*VBoxManage.*; qemu: .*\)\./, /Pass -d DRIVER; available: amazonec2, azure, digitalocean, fixture, generic, none, qemu, virtualbox\./, /"berth drivers" says how to make one work\./]}],
      ['create: an unknown flag', {args: createArgs('m2', '--colour', 'red'), says: [/Nonexistent flag: --colour\./, USAGE_HINT]}],
      ['create: another driver\'s flag', {args: createArgs('m2', '--fixture-label', 'x'), says: [/--fixture-label/, /--help/]}],
      ['create -d none without --url', {args: ['create', '-d', 'none', 'm2'], says: [/The none driver needs the engine's address\./, /Pass --url tcp:\/\/HOST:PORT\./]}],
      // Text that is no tcp:// URL is a placeholder, as in Docker Machine (docker-machine-command-line.test.ts); a tcp:// URL is checked.
      ['create -d none with a tcp:// URL with a path', {args: ['create', '-d', 'none', '--url', 'tcp://127.0.0.1:2376/v1', 'm2'], says: [/--url "tcp:\/\/127\.0\.0\.1:2376\/v1" is not of the form tcp:\/\/HOST:PORT\./, /Pass --url tcp:\/\/HOST:PORT/]}],
      ['create -d none with a URL without a port', {args: ['create', '-d', 'none', '--url', 'tcp://127.0.0.1', 'm2'], says: [/is not of the form tcp:\/\/HOST:PORT\./]}],
      ['create: a malformed --engine-env', {args: createArgs('m2', '--engine-env', 'novalue'), says: [/--engine-env "novalue" is not of the form NAME=value\./]}],
      ['rm: a name with a path', {args: ['rm', '-y', '../x'], says: [/Invalid machine name "\.\.\/x"/, NAME_RULE]}],
      ['rm: a name after --, starting with "-"', {args: ['rm', '-y', '--', '-x'], says: [/Invalid machine name "-x"/, NAME_RULE]}],
      ['rm: a missing machine', {args: ['rm', '-y', 'nosuch'], preamble: RM_PREAMBLE, says: [/Machine "nosuch" does not exist\./, /berth ls/]}],
      ['rm: no name', {args: ['rm'], says: [/Missing 1 required arg: name/, USAGE_HINT]}],
      ['rm: an unknown flag', {args: ['rm', '--purge', 'good'], says: [/Nonexistent flag: --purge\./, USAGE_HINT]}],
      ['use: a missing machine', {args: ['use', 'nosuch'], says: [/Machine "nosuch" does not exist\./]}],
      ['use: a non-ASCII name', {args: ['use', 'ñame'], says: [/Invalid machine name "ñame"/, NAME_RULE]}],
      ['use: no name', {args: ['use'], says: [/Name the machine to use\./, /berth use NAME/]}],
      ['use --unset with a name', {args: ['use', '--unset', 'good'], says: [/Expected no machine name with --unset\./]}],
      ['use: an unknown flag', {args: ['use', '--colour', 'good'], says: [/Nonexistent flag: --colour\./, USAGE_HINT]}],
      ['drivers: an unknown flag', {args: ['drivers', '--all'], says: [/Nonexistent flag: --all\./, USAGE_HINT]}],
      ['a store flag before the command, with a duplicate name', {args: ['-s', 'STORE', ...createArgs('good')], says: [/Machine "good" already exists\./]}],
    ]
    for (const [title, refusal] of cases) {
      it(title, async () => {
        await expectRefused({...refusal, args: refusal.args.map((arg) => (arg === 'CLOSED' ? closed : arg === 'STORE' ? sandbox.storePath : arg))})
      })
    }

    it('exits 3 when a driver\'s pre-create check fails', async () => {
      const progress = [/^Running pre-create checks: failed/]
      await expectRefused({args: ['create', '-d', 'fixture', '--fixture-url', 'http://nowhere', 'f1'], code: 3, preamble: progress, says: [/Pre-create check failed: --fixture-url must be tcp:\/\/HOST:PORT/]})
      await expectRefused({args: ['create', '-d', 'fixture', 'f1'], code: 3, preamble: progress, says: [/--fixture-url must be tcp:\/\/HOST:PORT/]})
    })
  })

  it('still has the healthy machine, untouched, after all of that', async () => {
    expect((await sandbox.run(['ls', '-q'])).stdout).toBe('good\n')
    const env = await sandbox.run(['url', 'good'])
    expect(env.stdout).toBe(`${closed}\n`)
  })

  describe('good input that looks like the bad', () => {
    it('takes the name after a repeatable flag as the name', async () => {
      const created = await sandbox.run(['create', '-d', 'none', '--url', closed, '--engine-label', 'team=a', '--engine-label', 'tier=b', 'labelled'])
      expect(created.code, created.stderr).toBe(0)
      expect((await sandbox.run(['inspect', '-f', '{{json .engine.labels}}', 'labelled'])).stdout).toBe('["team=a","tier=b","provider=none"]\n')
      const removed = await sandbox.run(['rm', '-y', 'labelled'])
      expect(removed.code).toBe(0)
    })

    it('lists with -q and filters: one name a line, nothing else', async () => {
      const quiet = async (...filters: string[]): Promise<string> => {
        const result = await sandbox.run(['ls', '-q', ...filters.flatMap((filter) => ['--filter', filter])])
        expect(result.code).toBe(0)
        expect(result.stderr).toBe('')
        return result.stdout
      }
      expect(await quiet()).toBe('good\n')
      expect(await quiet('driver=none')).toBe('good\n')
      expect(await quiet('driver=fixture')).toBe('')
      expect(await quiet('name=^go')).toBe('good\n')
      expect(await quiet('name=^bad')).toBe('')
      expect(await quiet('state=Running')).toBe('good\n')
      expect(await quiet('state=Stopped')).toBe('')
      expect(await quiet('state=Stopped', 'state=Running')).toBe('good\n')
      expect(await quiet('driver=none', 'name=nomatch')).toBe('')
      expect(await quiet('label=provider=none')).toBe('good\n')
    })

    it('reads --storage-path before the command as after it, on both paths', async () => {
      const elsewhere = {BERTH_STORAGE_PATH: join(sandbox.dir, 'elsewhere')}
      const before = (await sandbox.run(['ls', '-q', '-s', sandbox.storePath], {env: elsewhere})).stdout
      expect(before).toBe('good\n')
      expect((await sandbox.run(['-s', sandbox.storePath, 'ls', '-q'], {env: elsewhere})).stdout).toBe(before)
      expect((await sandbox.run([`--storage-path=${sandbox.storePath}`, 'ls', '-q'], {env: elsewhere})).stdout).toBe(before)
      expect((await sandbox.run(['--storage-path', sandbox.storePath, 'url', 'good'], {env: elsewhere})).stdout).toBe(`${closed}\n`)
      // On the oclif path: the duplicate is found in the store named before the command, not in BERTH_STORAGE_PATH.
      const duplicate = await sandbox.run(['-s', sandbox.storePath, 'create', '-d', 'none', '--url', closed, 'good'], {env: elsewhere})
      expect(duplicate.stderr).toMatch(/^Error: Machine "good" already exists\./)
      await expect(access(elsewhere.BERTH_STORAGE_PATH)).rejects.toThrow()
    })
  })
})

describe('read-only commands on a store that does not exist', () => {
  let sandbox: BerthSandbox

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
  })

  afterAll(async () => {
    await sandbox?.dispose()
  })

  it('ls prints only the header and does not create the store', async () => {
    const before = await snapshotTree(sandbox.dir)
    const ls = await sandbox.run(['ls'])
    expect(ls.code).toBe(0)
    expect(ls.stderr).toBe('')
    expect(ls.stdout).toMatch(/^NAME\s+ACTIVE\s+DRIVER\s+STATE\s+URL\s+SWARM\s+DOCKER\s+ERRORS\n$/)
    for (const args of [['ls', '-q'], ['ls', '-q', '--filter', 'state=Running'], ['ls', '--filter', 'driver=none', '--format', '{{.Name}}'], ['-s', sandbox.storePath, 'ls', '-q']]) {
      const quiet = await sandbox.run(args)
      expect(quiet.code).toBe(0)
      expect(quiet.stdout).toBe('')
      expect(quiet.stderr).toBe('')
    }
    expect((await sandbox.run(['ls', '--json'])).stdout).toBe('[]\n')
    await expect(access(sandbox.storePath)).rejects.toThrow()
    expect(await snapshotTree(sandbox.dir)).toEqual(before)
  })

  it('env without a name, rm and inspect fail clearly and do not create the store either', async () => {
    const before = await snapshotTree(sandbox.dir)
    const env = await sandbox.run(['env'])
    expect(env.code).toBe(1)
    expect(env.stderr).toMatch(/^Error: No machine name given and no "default" machine exists\. .*\n$/)
    const inspect = await sandbox.run(['inspect', 'm1'])
    expect(inspect.stderr).toMatch(/^Error: Machine "m1" does not exist\. .*\n$/)
    const rm = await sandbox.run(['rm', '-y', 'm1'])
    expect(rm.code).toBe(1)
    expect(rm.stderr.split('\n').filter((line) => line.startsWith('Error'))).toEqual([expect.stringMatching(/^Error: Machine "m1" does not exist\./)])
    await expect(access(sandbox.storePath)).rejects.toThrow()
    expect(await snapshotTree(sandbox.dir)).toEqual(before)
  })
})
