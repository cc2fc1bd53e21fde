import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {hostname, tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {BerthError} from '../../../src/core/errors.js'
import {DAEMON_JSON_PATH, DOCKER_MACHINE_DROP_IN, REMOTE_TLS} from '../../../src/core/provision/engine-config.js'
import {ENGINE_CONFIG_PATHS, OPTION_FILES} from '../../../src/core/provision/init-systems.js'
import {HOST_MARKER} from '../../../src/core/provision/host-state.js'
import {MANAGED_FILES, parseHostFacts} from '../../../src/core/provision/host-facts.js'
import {parseOsRelease} from '../../../src/core/provision/os-release.js'
import {renderTemplate} from '../../../src/core/provision/templates.js'
import {shellQuote} from '../../../src/core/ssh/shell-quote.js'

const dir = mkdtempSync(join(tmpdir(), 'berth-facts-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const sha256 = (content: string | Buffer): string => createHash('sha256').update(content).digest('hex')
const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/os-release/${name}`, import.meta.url), 'utf8')

/** facts.sh as gatherHostFacts renders it, for the given files. */
const factsScript = (files: readonly string[]): Promise<string> => renderTemplate('provision/facts.sh', {
  files: files.map(shellQuote).join(' '), optionFiles: OPTION_FILES.map(shellQuote).join(' '), marker: shellQuote(HOST_MARKER), user: 'root',
})

/** Runs a script the way the host runs it over SSH: sh -c, as whoever runs the tests (root on the test machines). */
function runOnThisMachine(script: string, shell = 'sh'): string {
  const [program, ...args] = shell.split(' ')
  const result = spawnSync(program!, [...args, '-c', script], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  return result.stdout
}

/** What `command -v` says in that shell (busybox sh may name its own applets without a path). */
const commandPath = (name: string, shell = 'sh'): string | undefined => {
  const [program, ...args] = shell.split(' ')
  return spawnSync(program!, [...args, '-c', `command -v ${name}`], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']}).stdout.trim() || undefined
}

const dockerdRunningNow = (): boolean => spawnSync('pidof', ['dockerd']).status === 0

describe('MANAGED_FILES', () => {
  it('covers the TLS material, the engine configuration of every init system and Docker Machine\'s drop-in', () => {
    expect([...MANAGED_FILES].sort()).toEqual([REMOTE_TLS.ca, REMOTE_TLS.cert, REMOTE_TLS.key, ...ENGINE_CONFIG_PATHS, DAEMON_JSON_PATH, DOCKER_MACHINE_DROP_IN].sort())
    expect(MANAGED_FILES).toContain('/etc/systemd/system/docker.service.d/10-berth.conf')
    expect(MANAGED_FILES).toContain('/etc/default/docker')
    expect(MANAGED_FILES).toContain('/etc/conf.d/docker')
  })
})

describe('facts.sh run on this machine', () => {
  const shells = ['sh', 'bash', 'busybox sh'].filter((shell) => commandPath(shell.split(' ')[0]!) !== undefined)

  it.each(shells)('reports what %s finds here, and parseHostFacts reads it', async (shell) => {
    const runningBefore = dockerdRunningNow()
    const output = runOnThisMachine(await factsScript(MANAGED_FILES), shell)
    const runningAfter = dockerdRunningNow()
    const facts = parseHostFacts(output)

    // The same rules as the script, checked from here.
    const init = existsSync('/run/systemd/system') ? 'systemd'
      : commandPath('openrc') !== undefined || existsSync('/sbin/openrc-run') ? 'openrc'
        : 'sysvinit'
    expect(facts.init).toBe(init)
    expect(facts.hostname).toBe(hostname())
    expect(facts.dockerd).toBe(commandPath('dockerd', shell))
    expect(facts.curl).toBe(commandPath('curl', shell))
    expect(facts.wget).toBe(commandPath('wget', shell))
    if (facts.dockerd !== undefined) expect(facts.dockerd).toMatch(/^\/.*\/dockerd$/)
    expect(output).toMatch(/^dockerd_running=(yes|no)$/m)
    expect(facts.dockerdRunning).toBe(output.includes('\ndockerd_running=yes\n'))
    // Engines start and stop on a shared test machine: compare only when nothing changed meanwhile.
    if (runningBefore === runningAfter) expect(facts.dockerdRunning).toBe(runningBefore)

    const existing = MANAGED_FILES.filter((path) => existsSync(path))
    expect([...facts.fileHashes.keys()].sort()).toEqual([...existing].sort())
    for (const path of existing) expect(facts.fileHashes.get(path), path).toBe(sha256(readFileSync(path)))

    const osRelease = existsSync('/etc/os-release') ? '/etc/os-release' : '/usr/lib/os-release'
    expect(facts.osRelease).toEqual(parseOsRelease(readFileSync(osRelease, 'utf8')))
    expect(facts.osRelease.ID).toBeDefined()
  })

  it('hashes exactly the files that exist, whatever their names', async () => {
    const files = [join(dir, 'plain.pem'), join(dir, 'with space.pem'), join(dir, 'it\'s $HOME `x`.conf'), join(dir, 'missing.pem'), join(dir, 'empty')]
    writeFileSync(files[0]!, 'one\n')
    writeFileSync(files[1]!, 'two\n')
    writeFileSync(files[2]!, 'three')
    writeFileSync(files[4]!, '')
    const facts = parseHostFacts(runOnThisMachine(await factsScript(files)))
    expect(new Map(facts.fileHashes)).toEqual(new Map([
      [files[0]!, sha256('one\n')],
      [files[1]!, sha256('two\n')],
      [files[2]!, sha256('three')],
      [files[4]!, sha256('')],
    ]))
  })
})

/** Output shaped like facts.sh's, for a host this machine is not. */
function factsOutput(lines: Record<string, string>, osRelease: string): string {
  return `${Object.entries(lines).map(([key, value]) => `${key}=${value}`).join('\n')}\n--- os-release ---\n${osRelease}`
}

const UBUNTU_FACTS = {
  uid: '0', hostname: 'web-1', init: 'systemd',
  dockerd: '/usr/bin/dockerd', docker: '/usr/bin/docker', curl: '/usr/bin/curl', wget: '/usr/bin/wget', sha256sum: '/usr/bin/sha256sum',
  dockerd_running: 'yes',
  'file:/etc/docker/ca.pem': 'a'.repeat(64),
  'file:/etc/systemd/system/docker.service.d/10-berth.conf': 'b'.repeat(64),
}

describe('parseHostFacts', () => {
  it('reads a systemd host with the engine installed and running', () => {
    const facts = parseHostFacts(factsOutput(UBUNTU_FACTS, fixture('ubuntu-24.04')))
    expect(facts).toEqual({
      hostname: 'web-1',
      init: 'systemd',
      dockerd: '/usr/bin/dockerd',
      curl: '/usr/bin/curl',
      wget: '/usr/bin/wget',
      dockerdRunning: true,
      fileHashes: new Map([['/etc/docker/ca.pem', 'a'.repeat(64)], ['/etc/systemd/system/docker.service.d/10-berth.conf', 'b'.repeat(64)]]),
      osRelease: parseOsRelease(fixture('ubuntu-24.04')),
      engineConfig: {daemonJson: {path: '/etc/docker/daemon.json'}, texts: new Map(), dockerOpts: new Map()},
    })
    expect(facts.osRelease.ID).toBe('ubuntu')
  })

  it('reads an OpenRC host (Alpine, busybox tools)', () => {
    const facts = parseHostFacts(factsOutput({
      uid: '0', hostname: 'alpine-1', init: 'openrc', dockerd: '/usr/bin/dockerd', docker: '/usr/bin/docker', curl: '', wget: '/usr/bin/wget',
      sha256sum: '/usr/bin/sha256sum', dockerd_running: 'no', 'file:/etc/conf.d/docker': 'c'.repeat(64),
    }, fixture('alpine-3.20')))
    expect(facts.init).toBe('openrc')
    expect(facts.curl).toBeUndefined()
    expect(facts.wget).toBe('/usr/bin/wget')
    expect(facts.dockerdRunning).toBe(false)
    expect(facts.fileHashes).toEqual(new Map([['/etc/conf.d/docker', 'c'.repeat(64)]]))
    expect(facts.osRelease.PRETTY_NAME).toBe('Alpine Linux v3.20')
  })

  it('reads a fresh host: no engine, no curl, no wget, nothing berth wrote yet', () => {
    const facts = parseHostFacts(factsOutput({
      uid: '0', hostname: 'localhost.localdomain', init: 'systemd', dockerd: '', docker: '', curl: '', wget: '', sha256sum: '/usr/bin/sha256sum', dockerd_running: 'no',
    }, fixture('rocky-9')))
    expect(facts).toEqual({
      hostname: 'localhost.localdomain', init: 'systemd', dockerdRunning: false, fileHashes: new Map(), osRelease: parseOsRelease(fixture('rocky-9')),
      engineConfig: {daemonJson: {path: '/etc/docker/daemon.json'}, texts: new Map(), dockerOpts: new Map()},
    })
    expect('dockerd' in facts).toBe(false)
  })

  it('reads the docker group and whether the SSH user is in it (as a name among its groups, not a part of one)', () => {
    const groupsOf = (lines: Record<string, string>): unknown => parseHostFacts(factsOutput({...UBUNTU_FACTS, ...lines}, fixture('debian-12'))).dockerGroup
    expect(groupsOf({docker_group: 'yes', login_groups: 'deploy sudo docker'})).toEqual({hasLoginUser: true})
    expect(groupsOf({docker_group: 'yes', login_groups: 'deploy docker-users'})).toEqual({hasLoginUser: false})
    expect(groupsOf({login_groups: 'deploy sudo'})).toBeUndefined()
  })

  it('reads a sysvinit host', () => {
    expect(parseHostFacts(factsOutput({...UBUNTU_FACTS, init: 'sysvinit'}, fixture('debian-12'))).init).toBe('sysvinit')
  })

  it('keeps only the first = as the separator, and trims the value', () => {
    const facts = parseHostFacts(factsOutput({...UBUNTU_FACTS, hostname: ' web-1 ', dockerd: '/opt/a=b/dockerd'}, ''))
    expect(facts.hostname).toBe('web-1')
    expect(facts.dockerd).toBe('/opt/a=b/dockerd')
  })

  it('takes nothing after the marker for a fact, even a line that looks like one', () => {
    const facts = parseHostFacts(factsOutput({...UBUNTU_FACTS, dockerd: ''}, 'ID=debian\ndockerd=/usr/bin/dockerd\ninit=unknown\n'))
    expect(facts.dockerd).toBeUndefined()
    expect(facts.init).toBe('systemd')
    expect(facts.osRelease).toEqual({ID: 'debian'})
  })

  it('reads a host without any os-release file as an empty release', () => {
    expect(parseHostFacts(factsOutput(UBUNTU_FACTS, '')).osRelease).toEqual({})
  })

  it.each([
    ['an unknown init system', factsOutput({...UBUNTU_FACTS, init: 'unknown'}, fixture('debian-12'))],
    ['no init line at all', factsOutput({hostname: 'x'}, fixture('debian-12'))],
    ['an empty answer', ''],
    ['something that is not facts.sh output', 'sudo: a password is required\n'],
  ])('refuses %s with an error naming the init systems berth manages', (_what, output) => {
    expect(() => parseHostFacts(output)).toThrow(BerthError)
    expect(() => parseHostFacts(output)).toThrow('The host has no init system berth can manage the engine with (systemd, sysvinit or OpenRC).')
  })
})
