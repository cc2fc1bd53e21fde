import {access, copyFile, mkdir, symlink} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, repoRoot, runProcess, type RunResult} from '../harness/berth.js'
import {freeLoopbackPort} from '../harness/free-port.js'
import {TestHostPool, type TestHost} from '../hosts/index.js'

/**
 * berth run as `docker-machine` (a link to its bin), driven the way a script drives Docker Machine: its variables
 * (MACHINE_STORAGE_PATH), its exact error lines and exit codes, its help banner, its commands in hints — and the same
 * store and machines working as berth's own under either name.
 */
describe('berth as docker-machine', () => {
  let sandbox: BerthSandbox
  let link: string
  let dmStore: string
  let closed: string

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    const bin = join(sandbox.dir, 'bin')
    await mkdir(bin)
    link = join(bin, 'docker-machine')
    await symlink(join(repoRoot, 'bin', 'run.cjs'), link)
    dmStore = join(sandbox.dir, 'dm-store')
    closed = `tcp://127.0.0.1:${await freeLoopbackPort()}`
  })

  afterAll(async () => {
    await sandbox?.dispose()
  })

  /** The environment of a script that drives Docker Machine: MACHINE_STORAGE_PATH, no berth variable, the link on PATH. */
  function scriptEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {...sandbox.env, MACHINE_STORAGE_PATH: dmStore, PATH: `${join(sandbox.dir, 'bin')}:${sandbox.env.PATH}`}
    delete env.BERTH_STORAGE_PATH
    return env
  }

  function dm(args: readonly string[]): Promise<RunResult> {
    return runProcess(link, args, scriptEnv())
  }

  it('keeps its machines where MACHINE_STORAGE_PATH says, in berth\'s own format', async () => {
    const created = await dm(['create', '-d', 'none', '--url', closed, 'm1'])
    expect(created.code, created.stderr).toBe(0)
    await access(join(dmStore, 'machines', 'm1', 'config.json'))
    await expect(access(join(sandbox.storePath, 'machines', 'm1'))).rejects.toThrow()
    expect((await dm(['ls', '-q'])).stdout).toBe('m1\n')
    // berth under its own name, pointed at the same store, sees the same machine.
    expect((await sandbox.run(['ls', '-q'], {env: {BERTH_STORAGE_PATH: dmStore}})).stdout).toBe('m1\n')
  })

  it('defaults to ~/.docker/machine, and reads no BERTH_ variable as Docker Machine', async () => {
    const created = await runProcess(link, ['create', '-d', 'none', '--url', closed, 'home1'], sandbox.env)
    expect(created.code, created.stderr).toBe(0)
    await access(join(sandbox.dir, '.docker', 'machine', 'machines', 'home1', 'config.json'))
    // sandbox.env has BERTH_STORAGE_PATH: Docker Machine never read it.
    await expect(access(join(sandbox.storePath, 'machines', 'home1'))).rejects.toThrow()
  })

  it('answers with Docker Machine\'s exact lines and exit codes', async () => {
    const cases: [string[], string, number][] = [
      [['url', 'nosuch'], 'Docker machine "nosuch" does not exist. Use "docker-machine ls" to list machines. Use "docker-machine create" to add a new one.', 1],
      [['inspect', 'nosuch'], 'Docker machine "nosuch" does not exist. Use "docker-machine ls" to list machines. Use "docker-machine create" to add a new one.', 1],
      [['create', '-d', 'none', '--url', closed, 'm1'], 'Docker machine "m1" already exists', 1],
      [['env', '--shell', 'bash'], 'Error: No machine name(s) specified and no "default" machine exists', 1],
      [['create', '-d', 'none', '--url', closed, 'a', 'extra'], 'Error: Invalid command line. Found extra arguments [extra]', 1],
      [['create', '-d', 'bogus', 'bogus'], 'Driver "bogus" not found. Do you have the plugin binary "docker-machine-driver-bogus" accessible in your PATH?', 1],
      [['create', '-d', 'none', '--url', closed, 'bad_name!'], 'Error creating machine: Invalid hostname specified. Allowed hostname chars are: 0-9a-zA-Z . -', 1],
      [['env', '--shell', 'bash', '-u', 'm1'], 'Error: Expected no machine name when the -u flag is present', 1],
      [['create', '-d', 'none'], 'Error: No machine name specified', 1],
      [['rm', '-y'], 'Error: Expected to get one or more machine names as arguments', 1],
      [['active'], 'No active host found', 1],
      [['nosuchcommand'], "docker-machine: 'nosuchcommand' is not a docker-machine command. See 'docker-machine --help'.", 1],
      [['creat', 'ux9'], "docker-machine: 'creat' is not a docker-machine command. See 'docker-machine --help'.", 1],
    ]
    for (const [args, line, code] of cases) {
      const result = await dm(args)
      expect({args, stderr: result.stderr, code: result.code}).toEqual({args, stderr: `${line}\n`, code})
      expect(result.stdout, args.join(' ')).toBe('')
    }
  })

  it('names the machine in each line rm could not remove, as Docker Machine did', async () => {
    const removed = await dm(['rm', '-y', 'nosuch'])
    expect(removed.code).toBe(1)
    expect(removed.stderr.split('\n').filter((line) => line.startsWith('Error'))).toEqual([
      'Error removing host "nosuch": Docker machine "nosuch" does not exist. Use "docker-machine ls" to list machines. Use "docker-machine create" to add a new one.',
    ])
  })

  it('prints Docker Machine\'s banner as its top-level help, with berth\'s commands', async () => {
    for (const args of [[], ['--help'], ['help']]) {
      const help = await dm(args)
      expect(help.code, args.join(' ')).toBe(0)
      const lines = help.stdout.split('\n')
      expect(lines.slice(0, 3)).toEqual(['Usage: docker-machine [OPTIONS] COMMAND [arg...]', '', 'Create and manage machines running Docker.'])
      expect(help.stdout).toMatch(/^ {2}--storage-path, -s +Configures storage path \[\$MACHINE_STORAGE_PATH\]$/m)
      expect(help.stdout).toMatch(/^ {2}regenerate-certs +\S/m)
      expect(lines).toContain("Run 'docker-machine COMMAND --help' for more information on a command.")
    }
  })

  it('takes -h on every command Docker Machine had, as help with exit 0', async () => {
    const commands = ['active', 'config', 'create', 'env', 'inspect', 'ip', 'kill', 'ls', 'provision', 'regenerate-certs', 'restart', 'rm', 'scp', 'ssh', 'start', 'status', 'stop', 'upgrade', 'url', 'version']
    for (const command of commands) {
      const help = await dm([command, '-h'])
      expect({command, code: help.code, stderr: help.stderr}).toEqual({command, code: 0, stderr: ''})
      expect(help.stdout, command).toMatch(new RegExp(`^USAGE\\n {2}\\$ \\S+ ${command}`, 'm'))
    }
    const generic = await dm(['create', '-d', 'generic', '-h'])
    expect(generic.code).toBe(0)
    expect(generic.stdout).toContain('--generic-ip-address')
  })

  it('spells the commands in its hints docker-machine', async () => {
    const env = await dm(['env', '--shell', 'bash', '-u'])
    expect(env.stdout).toContain('# eval $(docker-machine env --shell bash -u)')
    const orphan = await dm(['rm', '-y', '--forget-orphans', 'i-0000'])
    expect(orphan.stderr).toContain('"docker-machine ls --orphans"')
    expect(orphan.stderr).not.toContain('"berth ')
  })

  it('is chosen the same way by BERTH_PERSONALITY=docker-machine, and not at all under berth\'s own name', async () => {
    const asDockerMachine = await sandbox.run(['url', 'nosuch'], {env: {BERTH_PERSONALITY: 'docker-machine', MACHINE_STORAGE_PATH: dmStore}})
    expect(asDockerMachine.stderr).toBe('Docker machine "nosuch" does not exist. Use "docker-machine ls" to list machines. Use "docker-machine create" to add a new one.\n')
    expect((await sandbox.run(['ls', '-q'], {env: {BERTH_PERSONALITY: 'docker-machine', MACHINE_STORAGE_PATH: dmStore}})).stdout).toBe('m1\n')
    const asBerth = await sandbox.run(['url', 'nosuch'], {env: {MACHINE_STORAGE_PATH: dmStore}})
    expect(asBerth.stderr).toBe('Error: Machine "nosuch" does not exist. Run "berth ls" to list machines, "berth create" to add one.\n')
    expect((await sandbox.run(['ls', '-q'], {env: {MACHINE_STORAGE_PATH: dmStore}})).stdout).toBe('')
  })

  it('tells a Docker Machine store at its path from its own, and says how to bring its machines in', async () => {
    const old = join(sandbox.dir, 'old-store')
    await mkdir(join(old, 'machines', 'legacy-none'), {recursive: true})
    await copyFile(join(repoRoot, 'test', 'fixtures', 'docker-machine-store', 'machines', 'legacy-none', 'config.json'), join(old, 'machines', 'legacy-none', 'config.json'))
    const env = {...scriptEnv(), MACHINE_STORAGE_PATH: old}
    const listed = await runProcess(link, ['ls'], env)
    expect(listed.stdout).toMatch(/^legacy-none +- +not found +Error .*config\.json is Docker Machine's, not berth's/m)
    const refused = await runProcess(link, ['env', '--shell', 'bash', 'legacy-none'], env)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toBe(`Error: Machine "legacy-none" cannot be loaded: config.json is Docker Machine's, not berth's. The store is Docker Machine's: move it aside (mv ${old} ${old}.docker-machine), then bring its machines in with "docker-machine import docker-machine --source ${old}.docker-machine".\n`)
  })

  it('lists, filters, formats, inspects and removes placeholder machines as a script expects', async () => {
    expect((await dm(['create', '-d', 'none', '--url', closed, 'm2'])).code).toBe(0)
    expect((await dm(['ls', '--filter', 'name=m', '--format', '{{.Name}} {{.DriverName}} {{.URL}}'])).stdout).toBe(`m1 none ${closed}\nm2 none ${closed}\n`)
    expect((await dm(['inspect', '--format', '{{.DriverName}}', 'm2'])).stdout).toBe('none\n')
    expect((await dm(['url', 'm2'])).stdout).toBe(`${closed}\n`)
    // berth prints the host alone where Docker Machine's none driver printed host:port (docs/compatibility.md).
    expect((await dm(['ip', 'm2'])).stdout).toBe('127.0.0.1\n')
    const removed = await dm(['rm', '-y', 'm2'])
    expect(removed.code, removed.stderr).toBe(0)
    expect(removed.stdout).toBe('Successfully removed m2\n')
    expect((await dm(['ls', '-q'])).stdout).toBe('m1\n')
  })

  describe('with a generic host', () => {
    let pool: TestHostPool
    let host: TestHost

    beforeAll(async () => {
      pool = new TestHostPool()
      host = await pool.up('dmp1', {init: 'systemd'})
    })

    afterAll(async () => {
      await pool?.dispose()
    })

    it('creates it, and the docker CLI reaches it through eval "$(docker-machine env NAME)"', async () => {
      const created = await dm(['create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', host.privateKeyPath, 'g1'])
      expect(created.code, created.stderr).toBe(0)
      expect(created.stderr).toContain('docker-machine env g1')
      const docker = await runProcess('bash', ['-c', 'eval "$(docker-machine env g1)" && docker version --format "{{.Server.Version}}"'], scriptEnv())
      expect(docker.stderr).toBe('')
      expect(docker.stdout.trim()).toMatch(/^\d+\.\d+/)
      expect((await dm(['status', 'g1'])).stdout).toBe('Running\n')
      expect((await dm(['config', 'g1'])).stdout).toContain(`-H=tcp://${host.ip}:2376`)
      const removed = await dm(['rm', '-y', 'g1'])
      expect(removed.code, removed.stderr).toBe(0)
    })
  })
})
