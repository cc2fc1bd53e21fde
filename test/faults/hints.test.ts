import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {chmod} from 'node:fs/promises'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {StoreLayout} from '../../src/core/store/layout.js'
import {BerthSandbox, repoRoot, type RunResult} from '../harness/berth.js'
import {TestHostPool, type TestHost} from '../hosts/index.js'
import {startEngineSource} from '../simulators/digitalocean/engine-source.js'
import {forbidden, startDigitalOceanSimulator, type DigitalOceanSimulator} from '../simulators/digitalocean/index.js'
import {startEngineInstallServer} from '../harness/engine-install.js'
import type {InstallServer} from '../harness/install-server.js'
import {TEST_CREDENTIALS, startEc2Simulator, type Ec2Simulator} from '../simulators/ec2/index.js'

// Hints never send a user to a command that loses something: rm -f of a machine whose droplet cannot be deleted
// names the droplet and how to delete it and keeps it on record; an unreadable machine gets the chmod that fixes it;
// an interrupted create is finished with provision. Every hint of every case is kept, and none says "rm -f" for a
// machine that still has resources.

const TOKEN = 'dop_v1_hhhh4444hhhh4444hhhh4444hhhh4444hhhh4444hhhh4444hhhh4444hhhh4444'
/** Drops the capabilities that let root read any file, so permissions apply to the CLI as to a user. */
const WITHOUT_DAC = ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--']
const errorLines = (result: RunResult): string[] => result.stderr.split('\n').filter((line) => line.startsWith('Error'))

/** Every hint shown in these cases, with whether the machine it is about still had resources then. */
const hints: {what: string; output: string; hasResources: boolean}[] = []
function keep(what: string, result: RunResult, hasResources: boolean): RunResult {
  hints.push({what, output: `${result.stdout}\n${result.stderr}`, hasResources})
  return result
}

describe('hints that never lose anything', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let sim: DigitalOceanSimulator
  let engine: Awaited<ReturnType<typeof startEngineSource>>
  let host: TestHost
  let layout: StoreLayout

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    layout = new StoreLayout(sandbox.storePath)
    pool = new TestHostPool()
    const anchor = await pool.up('hint-anchor', {init: 'sysv'})
    engine = await startEngineSource(anchor.gateway)
    sim = await startDigitalOceanSimulator({hosts: pool, tokens: [TOKEN]})
    host = await pool.up('hint-gen', {init: 'systemd'})
  }, 300_000)

  afterAll(async () => {
    await sim?.stop()
    await engine?.close()
    await pool?.dispose()
    await sandbox?.dispose()
  })

  afterEach(() => {
    sim.clearFailures()
  })

  const berth = (args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> => sandbox.run(args, {env: {DIGITALOCEAN_ACCESS_TOKEN: TOKEN, ...env}, timeoutMs: 300_000})

  it('a create that fails at provisioning and is kept points to provision, and env on it too', async () => {
    const missing = engine.installUrl.replace(/install\.sh$/, 'missing.sh')
    const kept = keep('create --keep-on-failure', await berth(['create', '-d', 'digitalocean', '--digitalocean-api-url', sim.endpoint, '--engine-install-url', missing, '--keep-on-failure', 'o1']), true)
    expect(kept.code).toBe(1)
    expect(kept.stderr).toContain('was kept as it is (--keep-on-failure). Finish it with "berth provision o1" once the cause is fixed, or remove it with "berth rm o1".')
    expect(sim.droplets()).toHaveLength(1)

    const env = keep('env of the kept machine', await berth(['env', 'o1']), true)
    expect(env.code).toBe(1)
    expect(errorLines(env)).toEqual(['Error: Machine "o1" has no engine address yet: its creation did not finish ("berth provision o1" finishes it). Run "berth provision o1" to finish it.'])
    const listed = keep('ls error column', await berth(['ls', '--format', '{{.Name}}: {{.Error}}']), true)
    expect(listed.stdout).toContain('o1: ')
    expect(listed.stdout).not.toMatch(/o1: .*rm/)
  }, 600_000)

  it('rm -f of a machine whose droplet cannot be deleted names it and how to delete it, and keeps it on record', async () => {
    const [droplet] = sim.droplets()
    const [key] = sim.keys()
    sim.fail({route: 'DELETE /v2/droplets/:id', times: Infinity, answer: forbidden})
    // Without -f: the machine is kept, and the hint is to run rm again.
    const refused = keep('rm -y, driver failed', await berth(['rm', '-y', 'o1']), true)
    expect(refused.code).toBe(1)
    expect(errorLines(refused)).toEqual([expect.stringMatching(/^Error: DigitalOcean refused deleting droplet \d+ .*The machine is kept with the resource left; run "berth rm o1" again once the cause is fixed\.$/)])
    expect(existsSync(layout.machine('o1').config)).toBe(true)

    const forced = keep('rm -f, driver failed', await berth(['rm', '-f', 'o1']), true)
    // Non-zero: a script must notice that a billable droplet was left, although berth forgot the machine.
    expect(forced.code).toBe(1)
    expect(forced.stdout).toBe('')
    expect(forced.stderr).toContain(`Left in place: droplet ${droplet!.id} (region nyc3) of "o1": doctl compute droplet delete ${droplet!.id} --force`)
    expect(errorLines(forced)).toEqual([`Error: "o1" was forgotten, but its driver could not remove 1 resource (droplet ${droplet!.id}): it may still exist and cost money. Remove it with the command above, then run "berth rm --forget-orphans ${droplet!.id}"; "berth ls --orphans" lists them until then.`])
    // The SSH key was deleted: it is not listed.
    expect(sim.keys().map((entry) => entry.id)).not.toContain(key!.id)
    expect(forced.stderr).not.toContain(`SSH key ${key!.id}`)
    expect(existsSync(layout.machine('o1').dir)).toBe(false)
    expect(sim.droplets()).toHaveLength(1)

    const table = keep('ls --orphans', await berth(['ls', '--orphans']), false)
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(new RegExp(`^MACHINE +KIND +ID +REGION +REMOVE WITH\\no1 +droplet +${droplet!.id} +nyc3 +doctl compute droplet delete ${droplet!.id} --force\\n$`))
    const json = JSON.parse((await berth(['ls', '--orphans', '--json'])).stdout) as Record<string, unknown>[]
    expect(json).toEqual([expect.objectContaining({machine: 'o1', driver: 'digitalocean', kind: 'droplet', id: String(droplet!.id), region: 'nyc3', removeCommand: `doctl compute droplet delete ${droplet!.id} --force`})])
    const plain = await berth(['ls'])
    expect(plain.stderr).toContain('1 cloud resource of forgotten machines may still exist: see "berth ls --orphans".')
  }, 600_000)

  it('the orphan stays on record while the cloud cannot confirm it is gone, and is forgotten once it is', async () => {
    const [droplet] = sim.droplets()
    const id = String(droplet!.id)
    sim.fail({route: 'DELETE /v2/droplets/:id', times: Infinity, answer: forbidden})
    const stillFailing = keep('forget while the API refuses', await berth(['rm', '--forget-orphans', id]), false)
    expect(stillFailing.code).toBe(1)
    expect(stillFailing.stderr).toContain(`Kept droplet ${id} of "o1" on record: berth could not confirm it is gone`)
    expect(JSON.parse((await berth(['ls', '--orphans', '--json'])).stdout)).toHaveLength(1)
    // No credentials: nothing can be checked, and nothing is forgotten.
    const noToken = await sandbox.run(['rm', '--forget-orphans', id])
    expect(noToken.code).toBe(1)
    expect(JSON.parse((await berth(['ls', '--orphans', '--json'])).stdout)).toHaveLength(1)

    sim.clearFailures()
    const forgotten = await berth(['rm', '--forget-orphans', id])
    expect(forgotten.code, forgotten.stderr).toBe(0)
    expect(forgotten.stdout).toBe(`Forgot droplet ${id} of "o1": it is gone\n`)
    expect(sim.droplets()).toEqual([])
    expect(JSON.parse((await berth(['ls', '--orphans', '--json'])).stdout)).toEqual([])
    expect((await berth(['ls'])).stderr).not.toContain('may still exist')
    const unknown = await berth(['rm', '--forget-orphans', id])
    expect(errorLines(unknown)).toEqual([`Error: berth has no orphaned resource "${id}" on record. Run "berth ls --orphans" to list them.`])
  }, 600_000)

  it('an unreadable machine: every command names the chmod that fixes it, none suggests removing it, rm -f refuses', async () => {
    expect((await sandbox.run(['create', '-d', 'none', '--url', 'tcp://127.0.0.1:9', 'p1'])).code).toBe(0)
    const dir = layout.machine('p1').dir
    await chmod(dir, 0o000)
    try {
      for (const args of [['env', 'p1'], ['inspect', 'p1'], ['config', 'p1'], ['use', 'p1'], ['provision', 'p1'], ['start', 'p1'], ['rm', '-y', 'p1'], ['rm', '-f', 'p1']]) {
        const result = keep(args.join(' '), await sandbox.run(args, {prefix: WITHOUT_DAC}), false)
        expect(result.code, args.join(' ')).not.toBe(0)
        expect(errorLines(result), args.join(' ')).toEqual([`Error: Machine "p1" cannot be loaded: ${dir} cannot be searched (permission denied). Give yourself access: chmod 700 ${dir}.`])
        expect(result.stderr, args.join(' ')).not.toMatch(/\brm\b/)
      }
      const listed = keep('ls', await sandbox.run(['ls', '--format', '{{.Name}}: {{.Error}}'], {prefix: WITHOUT_DAC}), false)
      expect(listed.stdout).toContain(`p1: Machine "p1" cannot be loaded: ${dir} cannot be searched (permission denied)`)
      expect(listed.stdout).not.toMatch(/\brm\b/)
    } finally {
      await chmod(dir, 0o700)
    }
    expect(existsSync(layout.machine('p1').config)).toBe(true)
  }, 300_000)

  it('a create killed after the machine was recorded: env names provision, and provision finishes it', async () => {
    const child = spawn('node', [join(repoRoot, 'bin', 'run.cjs'), 'create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', host.privateKeyPath, 'k1'], {env: sandbox.env, stdio: 'ignore'})
    const exited = new Promise((resolve) => child.on('exit', resolve))
    for (let tries = 0; !existsSync(layout.machine('k1').config); tries++) {
      expect(tries).toBeLessThan(1200)
      await sleep(50)
    }
    child.kill('SIGKILL')
    await exited
    const env = keep('env after a killed create', await sandbox.run(['env', 'k1']), false)
    expect(env.code).toBe(1)
    expect(env.stderr).toContain('Run "berth provision k1" to finish it.')
    const started = Date.now()
    // The killed create's lock is a dead process's: provision breaks it at once.
    const provisioned = keep('provision after a killed create', await sandbox.run(['provision', 'k1'], {timeoutMs: 600_000}), false)
    expect(provisioned.code, provisioned.stderr).toBe(0)
    expect(provisioned.stderr).not.toContain('Waiting for berth')
    console.log(`provision finished the killed create in ${((Date.now() - started) / 1000).toFixed(1)}s`)
    const works = await sandbox.sh('eval "$($BERTH env k1)" && docker version --format "{{.Server.Version}}"')
    expect(works.code, works.stderr).toBe(0)
  }, 900_000)

})

describe('rm -f of an EC2 machine whose instance cannot be terminated', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let sim: Ec2Simulator
  let install: {url: string; server: InstallServer}

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    const anchor = await pool.up('hint-ec2-anchor', {init: 'sysv'})
    install = await startEngineInstallServer(anchor.gateway)
    sim = await startEc2Simulator({hosts: pool})
  }, 300_000)

  afterAll(async () => {
    await sim?.stop()
    await install?.server.close()
    await pool?.dispose()
    await sandbox?.dispose()
  })

  const env = {AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey}
  const berth = (args: readonly string[]): Promise<RunResult> => sandbox.run(args, {env, timeoutMs: 300_000})

  it('lists the instance, key pair and security group with their aws commands, and forgets them once they are gone', async () => {
    const kept = keep('ec2 create --keep-on-failure', await berth(['create', '-d', 'amazonec2', '--amazonec2-endpoint', sim.endpoint, '--engine-install-url', install.url.replace('/install.sh', '/missing.sh'), '--keep-on-failure', 'e1']), true)
    expect(kept.code).toBe(1)
    const made = sim.region('us-east-1').made()
    expect([made.instances.length, made.keyPairs.length, made.groups.length]).toEqual([1, 1, 1])

    sim.inject('TerminateInstances', {code: 'UnauthorizedOperation', times: 1000})
    const forced = keep('ec2 rm -f, terminate refused', await berth(['rm', '-f', 'e1']), true)
    expect(forced.code).toBe(1)
    expect(forced.stderr).toMatch(/Left in place: EC2 instance (i-[0-9a-f]+) \(region us-east-1\) of "e1": aws ec2 terminate-instances --region us-east-1 --instance-ids \1\n/)
    expect(forced.stderr).toMatch(/Left in place: EC2 key pair (\S+) \(region us-east-1\) of "e1": aws ec2 delete-key-pair --region us-east-1 --key-name \1\n/)
    expect(forced.stderr).toMatch(/Left in place: EC2 security group (sg-[0-9a-f]+) \(region us-east-1\) of "e1": aws ec2 delete-security-group --region us-east-1 --group-id \1\n/)
    expect(errorLines(forced)).toEqual([expect.stringMatching(/^Error: "e1" was forgotten, but its driver could not remove 3 resources: they may still exist and cost money\. /)])
    const orphans = JSON.parse((await berth(['ls', '--orphans', '--json'])).stdout) as {kind: string; id: string; region: string}[]
    expect(orphans.map((orphan) => `${orphan.kind} ${orphan.region}`).sort()).toEqual(['EC2 instance us-east-1', 'EC2 key pair us-east-1', 'EC2 security group us-east-1'])

    sim.clearFaults()
    const forgotten = keep('ec2 rm --forget-orphans', await berth(['rm', '--forget-orphans', ...orphans.map((orphan) => orphan.id)]), false)
    expect(forgotten.code, forgotten.stderr).toBe(0)
    expect(forgotten.stdout.trim().split('\n')).toHaveLength(3)
    await sim.settle()
    expect(sim.leftovers()).toEqual([])
    expect(JSON.parse((await berth(['ls', '--orphans', '--json'])).stdout)).toEqual([])
  }, 900_000)
})

describe('every hint of these cases', () => {
  it('says "rm -f" for no machine that still has resources', () => {
    expect(hints.length).toBeGreaterThanOrEqual(15)
    const unsafe = hints.filter((hint) => hint.hasResources && /rm -f/.test(hint.output)).map((hint) => hint.what)
    console.log(`hint cases: ${hints.length}; with a safe hint: ${hints.length - unsafe.length}`)
    expect(unsafe).toEqual([])
  })
})
