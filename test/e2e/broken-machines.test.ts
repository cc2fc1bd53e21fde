import {cp, readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {defaultCertificatePaths, ensureStoreCertificates, issueServerCertificateFor} from '../../src/core/certs/store-certificates.js'
import {StoreLayout} from '../../src/core/store/layout.js'
import {BerthSandbox, runProcess} from '../harness/berth.js'
import {DockerdPool, type RunningDockerd} from '../harness/dockerd.js'
import {snapshotTree} from '../harness/tree-snapshot.js'

/** Each broken machine, and the reason ls and every command must give for it. */
const BROKEN: Record<string, {reason: RegExp; hint: RegExp}> = {
  badjson: {reason: /config\.json is not valid JSON/, hint: /Fix or remove .*machines\/badjson\/config\.json\./},
  missing: {reason: /config\.json is missing/, hint: /Remove it with "berth rm -f missing"\./},
  newer: {reason: /config\.json is version 99, written by a newer berth \(this one reads up to 1\)/, hint: /Upgrade berth to use this machine\./},
  malformed: {reason: /config\.json is malformed: .*"driver" is missing/, hint: /Fix or remove .*machines\/malformed\/config\.json\./},
}
const BROKEN_NAMES = Object.keys(BROKEN).sort()

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * A machine whose config is unreadable or from a newer berth still shows in `ls`, as an Error row with the reason;
 * other commands on it fail with one clear line; `rm -f` removes it; and the good machine beside it, served by a
 * real dockerd, is unaffected throughout.
 */
describe('broken machines beside a good one', () => {
  let sandbox: BerthSandbox
  let pool: DockerdPool
  let engine: RunningDockerd
  let layout: StoreLayout
  let goodFiles: Record<string, string>
  let version: string

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new DockerdPool()
    layout = new StoreLayout(sandbox.storePath)
    const paths = defaultCertificatePaths(layout)
    await ensureStoreCertificates(layout, paths)
    const server = await issueServerCertificateFor(paths, {organization: 'tester.engine', sans: ['127.0.0.1', 'localhost']})
    engine = await pool.start({caPem: await readFile(paths.caCert, 'utf8'), serverCertPem: server.certPem, serverKeyPem: server.keyPem})
    const created = await sandbox.run(['create', '-d', 'none', '--url', engine.url, 'good'])
    expect(created.code, created.stderr).toBe(0)

    // The broken ones start as copies of the good one (certificates and all), then lose their config.
    const machines = layout.machinesDir
    const goodConfig = JSON.parse(await readFile(layout.machine('good').config, 'utf8')) as Record<string, unknown>
    for (const name of BROKEN_NAMES) await cp(layout.machine('good').dir, layout.machine(name).dir, {recursive: true})
    await writeFile(join(machines, 'badjson', 'config.json'), '{"version": 1, "name": "badjson",')
    await rm(join(machines, 'missing', 'config.json'))
    await writeFile(join(machines, 'newer', 'config.json'), JSON.stringify({...goodConfig, version: 99, name: 'newer', somethingNew: {}}))
    await writeFile(join(machines, 'malformed', 'config.json'), JSON.stringify({...goodConfig, name: 'malformed', driver: undefined}))

    // env remembers its first full certificate check (.certificate-check.json); from then on nothing of good's changes.
    expect((await sandbox.run(['env', 'good'])).code).toBe(0)
    goodFiles = await goodSnapshot()
    const docker = await runProcess('docker', ['--context', 'good', 'version', '--format', '{{.Server.Version}}'], sandbox.env)
    expect(docker.code, docker.stderr).toBe(0)
    version = docker.stdout.trim()
  })

  afterAll(async () => {
    await pool?.dispose()
    await sandbox?.dispose()
  })

  /** The good machine's files and the store's certificates: what no command on a broken machine may touch. */
  async function goodSnapshot(): Promise<Record<string, string>> {
    const files = await snapshotTree(sandbox.storePath)
    return Object.fromEntries(Object.entries(files).filter(([path]) => path.startsWith('certs/') || path.startsWith('machines/good/')))
  }

  /** The good machine works as before: listed Running with its engine version, usable by the docker CLI. */
  async function expectGoodUnaffected(): Promise<void> {
    expect(await goodSnapshot()).toEqual(goodFiles)
    // Machines that cannot be loaded are listed whatever the filters (as Docker Machine), so pick the good row out.
    const rows = await sandbox.run(['ls', '--filter', 'name=^good$', '--format', '{{.Name}} {{.DriverName}} {{.State}} {{.DockerVersion}} [{{.Error}}]'])
    expect(rows.stdout.split('\n').filter((row) => row.startsWith('good '))).toEqual([`good none Running v${version} []`])
    const viaEnv = await sandbox.sh('eval "$($BERTH env good)" && docker version --format "{{.Server.Version}}"')
    expect(viaEnv.stderr).toBe('')
    expect(viaEnv.stdout.trim()).toBe(version)
  }

  it('lists the good machine normally and each broken one as an Error row with the reason', async () => {
    const ls = await sandbox.run(['ls'])
    expect(ls.stderr).toBe('')
    expect(ls.code).toBe(0)
    const [header, ...rows] = ls.stdout.trimEnd().split('\n')
    expect(header).toMatch(/^NAME\s+ACTIVE\s+DRIVER\s+STATE\s+URL\s+SWARM\s+DOCKER\s+ERRORS$/)
    expect(rows.map((row) => row.split(/\s+/)[0])).toEqual([...BROKEN_NAMES, 'good'].sort())
    for (const row of rows) {
      const name = row.split(/\s+/)[0]!
      if (name === 'good') {
        expect(row).toMatch(new RegExp(`^good\\s+-\\s+none\\s+Running\\s+${escape(engine.url)}\\s+v${escape(version)}\\s*$`))
        continue
      }
      expect(row).toMatch(new RegExp(`^${name}\\s+-\\s+not found\\s+Error\\s+Unknown\\s+Machine "${name}" cannot be loaded: ${BROKEN[name]!.reason.source}`))
    }

    const json = JSON.parse((await sandbox.run(['ls', '--json'])).stdout) as Array<{name: string; driver: string | null; state: string; stateReason: string; engineUrl: string | null}>
    for (const name of BROKEN_NAMES) {
      const row = json.find((item) => item.name === name)!
      expect(row).toMatchObject({state: 'Error', driver: null, engineUrl: null})
      expect(row.stateReason).toMatch(BROKEN[name]!.reason)
    }
  })

  it('leaves the broken ones out of ls -q, with and without filters', async () => {
    expect((await sandbox.run(['ls', '-q'])).stdout).toBe('good\n')
    expect((await sandbox.run(['ls', '-q', '--filter', 'state=Running'])).stdout).toBe('good\n')
    expect((await sandbox.run(['ls', '-q', '--filter', 'name=.'])).stdout).toBe('good\n')
    expect((await sandbox.run(['ls', '-q', '--filter', 'state=Error'])).stdout).toBe('')
  })

  for (const name of BROKEN_NAMES) {
    it(`refuses every command on "${name}" with one clear line and changes nothing`, async () => {
      const {reason, hint} = BROKEN[name]!
      const commands = [['env', name], ['inspect', name], ['config', name], ['ip', name], ['url', name], ['status', name], ['version', name], ['use', name], ['inspect', '-f', '{{.Name}}', name]]
      for (const args of commands) {
        const before = await snapshotTree(sandbox.dir)
        const result = await sandbox.run(args)
        expect(result.code, args.join(' ')).toBe(1)
        expect(result.stdout).toBe('')
        const lines = result.stderr.trimEnd().split('\n')
        expect(lines, args.join(' ')).toHaveLength(1)
        expect(lines[0]).toMatch(new RegExp(`^Error: Machine "${name}" cannot be loaded: ${reason.source}.* ${hint.source}$`))
        expect(await snapshotTree(sandbox.dir)).toEqual(before)
      }

      // rm without -f names the fix; rm without -y asks first (here: no, which is no failure) and removes nothing either.
      for (const [args, input] of [[['rm', '-y', name], ''], [['rm', name], 'n\n']] as const) {
        const before = await snapshotTree(sandbox.dir)
        const result = await sandbox.run(args, {input})
        expect(result.code).toBe(input === '' ? 1 : 0)
        expect(result.stdout).toBe('')
        const errors = result.stderr.split('\n').filter((line) => line.startsWith('Error'))
        if (input === '') {
          expect(errors, result.stderr).toHaveLength(1)
          expect(errors[0]).toMatch(new RegExp(`^Error: Machine "${name}" cannot be loaded: .*berth rm -f ${name}`))
        } else {
          expect(errors, result.stderr).toEqual([])
        }
        expect(await snapshotTree(sandbox.dir)).toEqual(before)
      }
    })
  }

  it('works on the good machine as if the broken ones were not there', async () => {
    await expectGoodUnaffected()
    expect((await sandbox.run(['active'], {env: {DOCKER_HOST: engine.url}})).stdout).toBe('good\n')
    expect((await sandbox.run(['ip', 'good'])).stdout).toBe('127.0.0.1\n')
    expect((await sandbox.run(['status', 'good'])).stdout).toBe('Running\n')
    expect((await sandbox.run(['version', 'good'])).stdout).toBe(`${version}\n`)
    // A list of machines: the good one answers, the broken one fails, each on its own line.
    const ip = await sandbox.run(['ip', 'good', 'newer'])
    expect(ip.code).toBe(1)
    expect(ip.stdout).toBe('127.0.0.1\n')
    expect(ip.stderr).toMatch(/^Error: Machine "newer" cannot be loaded: /)
  })

  it('removes each broken machine with rm -f, and only it', async () => {
    for (const [index, name] of BROKEN_NAMES.entries()) {
      const removed = await sandbox.run(['rm', '-f', name])
      expect(removed.code, removed.stderr).toBe(0)
      expect(removed.stdout).toBe(`Successfully removed ${name}\n`)
      expect(removed.stderr).toMatch(new RegExp(`Removing "${name}" locally although its driver failed: Machine "${name}" cannot be loaded`))
      expect(removed.stderr).not.toMatch(/^Error/m)
      const left = [...BROKEN_NAMES.slice(index + 1), 'good'].sort()
      const ls = await sandbox.run(['ls', '--format', '{{.Name}} {{.State}}'])
      expect(ls.stdout).toBe(left.map((machine) => `${machine} ${machine === 'good' ? 'Running' : 'Error'}\n`).join(''))
      await expectGoodUnaffected()
    }
    const docker = await runProcess('docker', ['--context', 'good', 'version', '--format', '{{.Server.Version}}'], sandbox.env)
    expect(docker.stdout.trim()).toBe(version)
  })
})
