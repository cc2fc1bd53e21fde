import {spawnSync} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {wordError} from '../../../src/cli/error-wording.js'
import {BerthError} from '../../../src/core/errors.js'
import {dockerdArgs, REMOTE_TLS, renderEngineConfig, type EngineConfigBase} from '../../../src/core/provision/engine-config.js'
import {INIT_SYSTEMS, type InitSystem} from '../../../src/core/provision/init-systems.js'
import type {EngineOptions} from '../../../src/core/store/schema.js'
import {environmentAssignments, execStartArgv, systemdWords, unitSettings} from './systemd-syntax.js'

const dir = mkdtempSync(join(tmpdir(), 'berth-engine-config-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

/** The engine's configuration on a host where nothing configured dockerd before berth (unless base says otherwise). */
function render(init: InitSystem, dockerd: string, options: EngineOptions, base: EngineConfigBase = {}): ReturnType<typeof renderEngineConfig> {
  return renderEngineConfig(init, dockerd, options, dockerdArgs(options), base)
}

function engine(overrides: Partial<EngineOptions> = {}): EngineOptions {
  return {installUrl: 'https://get.docker.com', port: 2376, opts: [], env: [], labels: ['provider=generic'], insecureRegistries: [], registryMirrors: [], ...overrides}
}

/** What dockerd always gets, before anything the user asked for. */
const BASE_ARGS = [
  '-H', 'unix:///var/run/docker.sock',
  '-H', 'tcp://0.0.0.0:2376',
  '--tlsverify', '--tlscacert', '/etc/docker/ca.pem', '--tlscert', '/etc/docker/server.pem', '--tlskey', '/etc/docker/server-key.pem',
]

/** Everything systemd's unit syntax could trip over: quotes, escapes, specifiers, substitutions, separators, newlines, UTF-8. */
const NASTY = engine({
  port: 12376,
  labels: [
    'provider=generic', 'owner=Jane Doe', 'note=50% off "quoted" \'single\' back\\slash', 'home=$HOME ${HOME} $$', 'spec=%n %i %%',
    'multi=line1\nline2\ttab\r', 'unicode=ümlaut 日本 \u00a0', 'hash=#not-a-comment', 'trail=ends with backslash\\',
  ],
  insecureRegistries: ['10.0.0.5:5000', ';', 'a ; b'],
  registryMirrors: ['https://mirror.example.com', 'https://user:p@ss w0rd@mirror.example.com/'],
  storageDriver: 'overlay2',
  opts: ['log-level=debug', 'debug', 'log-opt=max-size=10m', 'default-ulimit=nofile=1024:2048', 'data-root=/srv/docker data', 'weird=${FOO}$BAR$$%%\\"\''],
  env: ['HTTP_PROXY=http://proxy.example.com:3128', 'NO_PROXY=localhost,127.0.0.1,.example.com', 'GREETING=hello  world', 'COST=$5 and 100% of ${it}', 'QUOTES="double" \'single\' back\\slash', 'TAB=a\tb', 'EMPTY='],
})

describe('dockerdArgs', () => {
  it('listens on the unix socket and on the TLS port, with berth\'s certificates, and nothing else by default', () => {
    expect(dockerdArgs(engine())).toEqual([...BASE_ARGS, '--label', 'provider=generic'])
  })

  it('puts the port the machine uses in the TCP address', () => {
    expect(dockerdArgs(engine({port: 2377}))).toContain('tcp://0.0.0.0:2377')
    expect(dockerdArgs(engine({port: 2377}))).not.toContain('tcp://0.0.0.0:2376')
  })

  it('points the TLS flags at the files berth uploads', () => {
    const args = dockerdArgs(engine())
    expect(args[args.indexOf('--tlscacert') + 1]).toBe(REMOTE_TLS.ca)
    expect(args[args.indexOf('--tlscert') + 1]).toBe(REMOTE_TLS.cert)
    expect(args[args.indexOf('--tlskey') + 1]).toBe(REMOTE_TLS.key)
  })

  it('adds labels, insecure registries, mirrors, the storage driver and opts in that order, each value one word', () => {
    const args = dockerdArgs(engine({
      labels: ['team=web', 'provider=amazonec2', 'env=prod'],
      insecureRegistries: ['10.0.0.5:5000', 'registry.local'],
      registryMirrors: ['https://mirror.gcr.io', 'https://mirror.example.com'],
      storageDriver: 'overlay2',
      opts: ['log-level=debug', 'debug', 'log-opt=max-size=10m', 'default-ulimit=nofile=1024:2048', 'data-root=/srv/my docker'],
      env: ['HTTP_PROXY=http://proxy:3128'],
    }))
    expect(args).toEqual([
      ...BASE_ARGS,
      '--label', 'team=web', '--label', 'provider=amazonec2', '--label', 'env=prod',
      '--insecure-registry', '10.0.0.5:5000', '--insecure-registry', 'registry.local',
      '--registry-mirror', 'https://mirror.gcr.io', '--registry-mirror', 'https://mirror.example.com',
      '--storage-driver', 'overlay2',
      // An opt with = keeps its value in the same word (split at the first =); one without is a bare flag.
      '--log-level=debug', '--debug', '--log-opt=max-size=10m', '--default-ulimit=nofile=1024:2048', '--data-root=/srv/my docker',
    ])
  })

  it('keeps the provider label the machine was created with, like Docker Machine', () => {
    expect(dockerdArgs(engine({labels: ['provider=digitalocean']}))).toEqual([...BASE_ARGS, '--label', 'provider=digitalocean'])
  })

  it('leaves the environment out of the flags', () => {
    expect(dockerdArgs(engine({env: ['HTTP_PROXY=http://proxy:3128']})).join(' ')).not.toContain('HTTP_PROXY')
  })

  it('adds no storage driver flag when none was chosen', () => {
    expect(dockerdArgs(engine())).not.toContain('--storage-driver')
  })
})

/** The rendered drop-in's [Service] settings as systemd reads them. */
function readDropIn(content: string): {execStart: string[]; environment: string[]; settings: Map<string, string[]>} {
  const settings = unitSettings(content)
  const execStart = settings.get('Service.ExecStart') ?? []
  expect(execStart).toHaveLength(1)
  return {execStart: execStartArgv(execStart[0]!), environment: environmentAssignments(settings.get('Service.Environment') ?? []), settings}
}

describe('renderEngineConfig for systemd', () => {
  it('writes the drop-in that replaces ExecStart and adds the environment', async () => {
    const {path, content} = await render('systemd', '/usr/bin/dockerd', engine({env: ['HTTP_PROXY=http://proxy.example.com:3128']}))
    expect(path).toBe('/etc/systemd/system/docker.service.d/10-berth.conf')
    expect(path).toBe(INIT_SYSTEMS.systemd.configPath)
    expect(content).not.toMatch(/\{\{|\}\}/)
    expect(content).toMatch(/^# Written by berth/)
    // ExecStart is cleared first (a service has one); the unit's own Environment= settings stay beside berth's.
    expect(content).toMatch(/^\[Service\]\nExecStart=\nExecStart=\/usr\/bin\/dockerd /m)
    expect(content).toMatch(/^Environment=HTTP_PROXY=http:\/\/proxy.example.com:3128$/m)
    expect(content).not.toMatch(/^Environment=$/m)
    const {execStart, environment} = readDropIn(content)
    expect(execStart).toEqual(['/usr/bin/dockerd', ...BASE_ARGS, '--label', 'provider=generic'])
    expect(environment).toEqual(['HTTP_PROXY=http://proxy.example.com:3128'])
  })

  it('leaves plain words unquoted, so the unit stays readable', async () => {
    const {content} = await render('systemd', '/usr/bin/dockerd', engine({labels: ['provider=generic', 'team=web']}))
    expect(content).toContain('ExecStart=/usr/bin/dockerd -H unix:///var/run/docker.sock -H tcp://0.0.0.0:2376 --tlsverify --tlscacert /etc/docker/ca.pem')
    expect(content).toContain('--label provider=generic --label team=web\n')
  })

  it('has no environment lines when no variables were asked for', async () => {
    const {content} = await render('systemd', '/usr/bin/dockerd', engine())
    expect(unitSettings(content).get('Service.Environment')).toBeUndefined()
  })

  it('keeps every value exactly, whatever systemd\'s quoting, specifier and substitution rules would do to it', async () => {
    const {content} = await render('systemd', '/usr/bin/dockerd', NASTY)
    const {execStart, environment} = readDropIn(content)
    expect(execStart).toEqual(['/usr/bin/dockerd', ...dockerdArgs(NASTY)])
    expect(environment).toEqual(NASTY.env)
    // Each setting stays on its own line: a newline in a value is escaped, never written raw.
    expect(content.split('\n').filter((line) => line.startsWith('ExecStart='))).toHaveLength(2)
  })

  it('builds on the service\'s own ExecStart= when it has one: its options, $DOCKER_OPTS and socket activation stay', async () => {
    const base = '/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS'
    const options = engine({labels: ['provider=generic', 'cost=$5']})
    const {content} = await renderEngineConfig('systemd', '/usr/sbin/dockerd', options, ['-H', 'tcp://0.0.0.0:2376', '--label', 'cost=$5'], {execStart: base})
    expect(content).toContain(`ExecStart=${base} -H tcp://0.0.0.0:2376 --label "cost=$$5"\n`)
  })

  it('quotes a dockerd path with a space in it', async () => {
    const {content} = await render('systemd', '/opt/my docker/dockerd', engine())
    expect(readDropIn(content).execStart[0]).toBe('/opt/my docker/dockerd')
  })

  it('keeps a $ in an environment value literal: systemd substitutes nothing in Environment=', async () => {
    const {content} = await render('systemd', '/usr/bin/dockerd', engine({env: ['PRICE=$5', 'REF=${HOME}']}))
    expect(readDropIn(content).environment).toEqual(['PRICE=$5', 'REF=${HOME}'])
    expect(content).not.toContain('$$')
  })

  it('doubles a $ on the command line, where systemd would substitute it', async () => {
    const {content} = await render('systemd', '/usr/bin/dockerd', engine({labels: ['provider=generic', 'cost=$5']}))
    expect(content).toContain('cost=$$5')
    expect(readDropIn(content).execStart).toContain('cost=$5')
  })

  // The splitter above is this test's own reading of systemd's rules; systemd itself must agree where it is installed.
  const systemdAnalyze = spawnSync('sh', ['-c', 'command -v systemd-analyze']).status === 0
  it.skipIf(!systemdAnalyze)(`${systemdAnalyze ? '' : '(skipped: systemd-analyze is not installed) '}passes systemd-analyze verify without a warning`, async () => {
    for (const options of [engine(), NASTY]) {
      const unitDir = writeUnit(await render('systemd', join(dir, 'bin', 'dockerd'), options))
      const result = spawnSync('systemd-analyze', ['verify', '--man=no', '--generators=no', join(unitDir, 'docker.service')], {encoding: 'utf8'})
      expect(result.stderr).toBe('')
      expect(result.status).toBe(0)
    }
  })

  it.skipIf(!systemdAnalyze)(`${systemdAnalyze ? '' : '(skipped: systemd-analyze is not installed) '}is refused by systemd-analyze verify when a value breaks the line (the check can fail)`, () => {
    const unitDir = writeUnit({content: `[Service]\nExecStart=\nExecStart=${join(dir, 'bin', 'dockerd')} --label "a\nb"\n`})
    const result = spawnSync('systemd-analyze', ['verify', '--man=no', '--generators=no', join(unitDir, 'docker.service')], {encoding: 'utf8'})
    expect(result.stderr).toMatch(/Unbalanced quoting/)
  })

  const manager = systemdTestMode()
  it.skipIf(manager === undefined)(`${manager ? '' : '(skipped: no systemd binary to run in test mode) '}is read by systemd itself into exactly the argv and environment berth meant`, async () => {
    const dockerd = join(dir, 'bin with space', 'dockerd')
    mkdirSync(join(dir, 'bin with space'), {recursive: true})
    writeFileSync(dockerd, '#!/bin/sh\n', {mode: 0o755})
    const unitDir = writeUnit(await render('systemd', dockerd, NASTY))
    const dumped = manager!(unitDir)
    expect(dumped.argv).toEqual([dockerd, ...dockerdArgs(NASTY)])
    // The unit's own environment stays; berth's follows it.
    expect(dumped.environment).toEqual(['PACKAGED=1', ...NASTY.env])
  })
})

/** A directory holding a minimal docker.service and the rendered drop-in beside it, readable by anyone. */
function writeUnit(config: {content: string}): string {
  mkdirSync(join(dir, 'bin'), {recursive: true})
  writeFileSync(join(dir, 'bin', 'dockerd'), '#!/bin/sh\n', {mode: 0o755})
  const unitDir = mkdtempSync(join(dir, 'unit-'))
  mkdirSync(join(unitDir, 'docker.service.d'))
  writeFileSync(join(unitDir, 'docker.service'), `[Unit]\nDescription=Docker Application Container Engine\nDefaultDependencies=no\n\n[Service]\nExecStart=${join(dir, 'bin', 'dockerd')} -H fd://\nEnvironment=PACKAGED=1\n`)
  writeFileSync(join(unitDir, 'docker.service.d', '10-berth.conf'), config.content)
  for (const path of [dir, unitDir, join(unitDir, 'docker.service.d')]) chmodSync(path, 0o755)
  return unitDir
}

/**
 * `systemd --test` loads units and dumps them as the manager sees them, without starting anything. It refuses
 * to run as root, so root runs it as nobody. Returns a reader of docker.service's argv and environment, or
 * undefined where systemd or a way to drop privileges is missing.
 */
function systemdTestMode(): ((unitDir: string) => {argv: string[]; environment: string[]}) | undefined {
  const binary = ['/usr/lib/systemd/systemd', '/lib/systemd/systemd'].find((path) => existsSync(path))
  if (binary === undefined) return undefined
  const asRoot = process.getuid?.() === 0
  if (asRoot && spawnSync('sh', ['-c', 'command -v setpriv']).status !== 0) return undefined
  return (unitDir) => {
    const command = [binary, '--test', '--system', '--unit=docker.service', '--no-pager']
    const result = spawnSync(asRoot ? 'setpriv' : command[0]!, asRoot ? ['--reuid=65534', '--regid=65534', '--clear-groups', ...command] : command.slice(1), {
      encoding: 'utf8', env: {PATH: process.env.PATH, SYSTEMD_UNIT_PATH: unitDir}, timeout: 30_000,
    })
    expect(result.status, result.stderr).toBe(0)
    const unit = /^\t-> Unit docker\.service:\n([\s\S]*?)(?=^\t-> Unit |(?![\s\S]))/m.exec(result.stdout)?.[1]
    expect(unit, 'docker.service in the dump').toBeDefined()
    expect(unit).toContain(`DropIn Path: ${join(unitDir, 'docker.service.d', '10-berth.conf')}`)
    const commandLines = [...unit!.matchAll(/^\t+Command Line: (.*)$/gm)].map((match) => match[1]!)
    expect(commandLines).toHaveLength(1)
    // The dump shows the command line before $ substitution, which happens when the command runs.
    const argv = systemdWords(commandLines[0]!, {dump: true}).map((word) => word.replace(/\$\$/g, '$'))
    const environment = [...unit!.matchAll(/^\t\tEnvironment: (.*)$/gm)].map((match) => match[1]!)
    return {argv, environment}
  }
}

/** The words a POSIX shell's unquoted $DOCKER_OPTS becomes, NUL-separated, and the variables the file exports. */
function sourceInShell(shell: string, content: string, script: string): {args: string[]; env: Record<string, string>} {
  const file = join(dir, `rendered-${Math.random().toString(36).slice(2)}`)
  writeFileSync(file, content)
  const [program, ...programArgs] = shell.split(' ')
  const result = spawnSync(program!, [...programArgs, '-c', `. "$1"; ${script}; "$0" -e 'process.stdout.write("\\0" + JSON.stringify(process.env))'`, process.execPath, file], {
    cwd: dir, encoding: 'utf8', env: {PATH: process.env.PATH, HOME: dir}, stdio: ['ignore', 'pipe', 'pipe'],
  })
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  const end = result.stdout.lastIndexOf('\0')
  return {args: result.stdout.slice(0, end).split('\0').slice(0, -1), env: JSON.parse(result.stdout.slice(end + 1)) as Record<string, string>}
}

function installed(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program.split(' ')[0]!}`]).status === 0
}

/** Values without whitespace or glob characters, but with everything else a shell treats specially. */
const SHELL_SPECIAL = engine({
  labels: ['provider=generic', 'note=it\'s-"quoted"-$HOME-${HOME}-$(touch_pwned1)-`touch_pwned2`-;&|<>()~#%!\\', '#starts=with-hash', '~tilde=1'],
  insecureRegistries: ['10.0.0.5:5000'],
  registryMirrors: ['https://mirror.example.com'],
  storageDriver: 'overlay2',
  opts: ['log-level=debug', 'debug', 'default-ulimit=nofile=1024:2048', 'weird=a=b=c'],
  env: ['HTTP_PROXY=http://proxy.example.com:3128', 'GREETING=hello  world\tand\nnewline', 'NASTY=it\'s "q" $HOME $(touch pwned3) `touch pwned4` \\ * ? [a] ~', 'EMPTY='],
})

const shells = ['sh', 'dash', 'bash', 'busybox sh'].filter(installed)

describe.each(['sysvinit', 'openrc'] as const)('renderEngineConfig for %s', (init: InitSystem) => {
  it('writes DOCKER_OPTS and the environment to the file the init script reads', async () => {
    const {path, content} = await render(init, '/usr/bin/dockerd', engine({env: ['HTTP_PROXY=http://proxy:3128']}))
    expect(path).toBe(init === 'sysvinit' ? '/etc/default/docker' : '/etc/conf.d/docker')
    expect(path).toBe(INIT_SYSTEMS[init].configPath)
    expect(content).toMatch(/^# >>> berth: /)
    expect(content).toMatch(/\n# <<< berth\n$/)
    expect(content).not.toMatch(/\{\{|\}\}/)
    expect(content).toMatch(/^DOCKER_OPTS="\$\{DOCKER_OPTS:\+\$DOCKER_OPTS \}"'-H unix:\/\/\/var\/run\/docker.sock -H tcp:\/\/0.0.0.0:2376 --tlsverify /m)
    expect(content).toContain('\nexport HTTP_PROXY=http://proxy:3128')
  })

  it('keeps the file\'s own lines, and berth\'s part adds to their DOCKER_OPTS', async () => {
    const own = '# my settings\nDOCKER_OPTS="--dns 10.0.0.53"\nexport TZ=UTC'
    const options = engine()
    const {content} = await renderEngineConfig(init, '/usr/bin/dockerd', options, dockerdArgs(options), {optionFileText: own})
    expect(content.startsWith(`${own}\n# >>> berth: `)).toBe(true)
    for (const shell of shells) {
      const script = init === 'sysvinit' ? 'set -- $DOCKER_OPTS; printf "%s\\0" "$@"' : 'eval set -- $DOCKER_OPTS; printf "%s\\0" "$@"'
      const {args, env} = sourceInShell(shell, content, script)
      expect(args).toEqual(['--dns', '10.0.0.53', ...dockerdArgs(options)])
      expect(env.TZ).toBe('UTC')
    }
  })

  describe.each(shells)('read by %s', (shell) => {
    it('exports exactly the engine\'s environment, running nothing', async () => {
      const {content} = await render(init, '/usr/bin/dockerd', SHELL_SPECIAL)
      const {env} = sourceInShell(shell, content, 'true')
      for (const pair of SHELL_SPECIAL.env) {
        const index = pair.indexOf('=')
        expect(env[pair.slice(0, index)]).toBe(pair.slice(index + 1))
      }
      // DOCKER_OPTS is for the init script, not dockerd's environment.
      expect(env.DOCKER_OPTS).toBeUndefined()
      expect(readdirSync(dir).filter((name) => name.includes('pwned'))).toEqual([])
    })

    if (init === 'sysvinit') {
      it('yields exactly dockerd\'s arguments from the init script\'s unquoted $DOCKER_OPTS', async () => {
        for (const options of [engine(), SHELL_SPECIAL]) {
          const {content} = await render(init, '/usr/bin/dockerd', options)
          // What Debian's /etc/init.d/docker does: start-stop-daemon ... -- $DOCKER_OPTS
          expect(sourceInShell(shell, content, 'set -- $DOCKER_OPTS; printf "%s\\0" "$@"').args).toEqual(dockerdArgs(options))
        }
        expect(readdirSync(dir).filter((name) => name.includes('pwned'))).toEqual([])
      })
    } else {
      it('yields exactly dockerd\'s arguments through the eval OpenRC runs the command line through', async () => {
        for (const options of [engine(), SHELL_SPECIAL]) {
          const {content} = await render(init, '/usr/bin/dockerd', options)
          // Alpine's /etc/init.d/docker sets command_args="-p \"${pidfile}\" ${DOCKER_OPTS}", and OpenRC's
          // supervise-daemon.sh (start-stop-daemon.sh alike) starts it with: eval supervise-daemon ... -- $command_args
          const script = 'command_args="-p \\"/run/docker.pid\\" ${DOCKER_OPTS}"; eval set -- $command_args; printf "%s\\0" "$@"'
          expect(sourceInShell(shell, content, script).args).toEqual(['-p', '/run/docker.pid', ...dockerdArgs(options)])
        }
        expect(readdirSync(dir).filter((name) => name.includes('pwned'))).toEqual([])
      })
    }
  })

  it.each([
    ['a space', {labels: ['owner=Jane Doe']}, 'owner=Jane Doe'],
    ['a tab', {opts: ['log-opt=tag=a\tb']}, '--log-opt=tag=a\tb'],
    ['a newline', {registryMirrors: ['https://mirror\n.example.com']}, 'https://mirror\n.example.com'],
    ['a *', {insecureRegistries: ['*.example.com']}, '*.example.com'],
    ['a ?', {labels: ['q=why?']}, 'q=why?'],
    ['brackets', {insecureRegistries: ['[fd00::1]:5000']}, '[fd00::1]:5000'],
    ['an empty value', {insecureRegistries: ['']}, ''],
  ])('refuses a value with %s, which the init script would split, glob or drop', async (_what, overrides: Partial<EngineOptions>, word) => {
    const rendering = render(init, '/usr/bin/dockerd', engine(overrides))
    await expect(rendering).rejects.toBeInstanceOf(BerthError)
    await expect(rendering).rejects.toThrow(`The engine option ${JSON.stringify(word)}`)
    await expect(rendering).rejects.toThrow(init)
    expect(wordError(await rendering.catch((caught: unknown) => caught) as BerthError).hint).toMatch(/systemd/)
  })

  it('accepts for systemd what it refuses here', async () => {
    const options = engine({labels: ['owner=Jane Doe'], insecureRegistries: ['*.example.com', '[fd00::1]:5000']})
    await expect(render(init, '/usr/bin/dockerd', options)).rejects.toBeInstanceOf(BerthError)
    const {content} = await render('systemd', '/usr/bin/dockerd', options)
    expect(readDropIn(content).execStart.slice(1)).toEqual(dockerdArgs(options))
  })
})
