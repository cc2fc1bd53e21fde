import {readFile, readdir, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, type RunResult} from '../harness/berth.js'
import {busyboxTarball} from '../harness/busybox-image.js'
import {dockerViaEnv, proveDockerWorks} from '../harness/docker-via-env.js'
import type {InstallServer} from '../harness/install-server.js'
import {TestHostPool} from '../hosts/index.js'
import {startEngineInstallServer} from '../harness/engine-install.js'
import {TEST_CREDENTIALS, startEc2Simulator, type Ec2Simulator} from '../simulators/ec2/index.js'

const errorLines = (result: RunResult): string[] => result.stderr.split('\n').filter((line) => line.startsWith('Error'))

/** Every file of a directory tree with its text, for looking for secrets. */
async function filesUnder(dir: string): Promise<{path: string; text: string}[]> {
  const found: {path: string; text: string}[] = []
  for (const entry of await readdir(dir, {withFileTypes: true, recursive: true})) {
    if (entry.isFile()) found.push({path: join(entry.parentPath, entry.name), text: await readFile(join(entry.parentPath, entry.name), 'utf8')})
  }
  return found
}

// The whole life of an EC2 machine through the real CLI, the real AWS SDK and the EC2 simulator, whose instances
// are test hosts without docker: create (the engine comes from the install server) -> env -> docker run -> stop ->
// start at a new address -> restart -> kill -> rm, with the simulator confirming what exists at each step.
describe('amazonec2 machine lifecycle on the EC2 simulator', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let sim: Ec2Simulator
  let install: {url: string; server: InstallServer}
  let image: Awaited<ReturnType<typeof busyboxTarball>>
  let userData: string

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    // A host whose only job is to give the install server an address every instance's host can reach.
    const anchor = await pool.up('ec2-anchor', {init: 'sysv'})
    install = await startEngineInstallServer(anchor.gateway)
    // New instances stay invisible to DescribeInstances for a moment, as on EC2.
    sim = await startEc2Simulator({hosts: pool, rules: {visibilityDelayMs: 1500}})
    image = await busyboxTarball()
    userData = join(sandbox.dir, 'user-data.sh')
    await writeFile(userData, '#!/bin/sh\necho hello from user data\n')
  })

  afterAll(async () => {
    await sim?.stop()
    await install?.server.close()
    await pool?.dispose()
    await image?.remove()
    await sandbox?.dispose()
  })

  // After create, no credentials in the environment: they come from what berth kept when they were typed.
  const berth = (args: readonly string[]): Promise<RunResult> => sandbox.run(args)
  const instance = () => {
    const [only, ...others] = sim.region('us-east-1').instances.filter((candidate) => candidate.state !== 'terminated')
    expect(others).toEqual([])
    return only!
  }

  it('create launches an instance with its key pair and security group, retrying throttled calls, and docker runs there', async () => {
    sim.throttle('RunInstances', 2)
    sim.throttle('ImportKeyPair', 1)
    const created = await berth(['create', '-d', 'amazonec2', '--amazonec2-endpoint', sim.endpoint,
      '--amazonec2-access-key', TEST_CREDENTIALS.accessKeyId, '--amazonec2-secret-key', TEST_CREDENTIALS.secretAccessKey,
      '--amazonec2-open-port', '8080', '--amazonec2-tags', 'team,platform', '--amazonec2-userdata', userData,
      '--engine-install-url', install.url, 'e1'])
    expect(errorLines(created)).toEqual([])
    expect(created.code).toBe(0)

    const launched = instance()
    expect(launched.state).toBe('running')
    expect(launched.instanceType).toBe('t3.medium')
    expect(launched.zone).toBe('us-east-1a')
    expect(launched.tags).toEqual(expect.arrayContaining([{key: 'Name', value: 'e1'}, {key: 'berth:machine', value: 'e1'}, {key: 'team', value: 'platform'}]))
    expect(Buffer.from(launched.userData ?? '', 'base64').toString()).toBe('#!/bin/sh\necho hello from user data\n')
    expect(launched.rootVolume).toEqual({size: 16, type: 'gp3'})
    const {keyPairs, groups} = sim.region('us-east-1').made()
    expect(keyPairs.map((pair) => pair.name)).toEqual([expect.stringMatching(/^berth-e1-[0-9a-f]{8}$/)])
    expect(launched.keyName).toBe(keyPairs[0]!.name)
    expect(groups.map((group) => [group.name, group.ingress.map((rule) => `${rule.fromPort}/${rule.protocol}`).sort()])).toEqual([['berth-e1', ['22/tcp', '2376/tcp', '8080/tcp']]])
    expect(launched.groupIds).toEqual([groups[0]!.id])
    // The retried launch carried one client token, so EC2 made one instance.
    const runs = sim.callsTo('RunInstances')
    expect(runs.map((call) => call.code ?? 'ok')).toEqual(['RequestLimitExceeded', 'RequestLimitExceeded', 'ok'])
    expect(new Set(runs.map((call) => call.params.ClientToken)).size).toBe(1)
    // Canonical's current LTS for x86_64, its newest build.
    const images = sim.callsTo('DescribeImages')
    expect(images.at(-1)?.params['Owner.1']).toBe('099720109477')
    expect(launched.imageId).toBe((await import('../simulators/ec2/index.js')).imageId('us-east-1', 'ubuntu/images/hvm-ssd-gp3/ubuntu-resolute-26.04-amd64-server-20261112'))

    await proveDockerWorks(sandbox, 'e1', image.path)
    expect((await berth(['ip', 'e1'])).stdout).toBe(`${launched.publicIp}\n`)
    expect((await berth(['ls', '--format', '{{.Name}} {{.DriverName}} {{.State}} {{.URL}}'])).stdout).toBe(`e1 amazonec2 Running tcp://${launched.publicIp}:2376\n`)
  }, 300_000)

  it('keeps the typed secret only in the 0600 credentials file: not in config.json, inspect, --debug output or any other file', async () => {
    const machineDir = join(sandbox.storePath, 'machines', 'e1')
    expect((await stat(join(machineDir, 'credentials.json'))).mode & 0o777).toBe(0o600)
    expect(JSON.parse(await readFile(join(machineDir, 'credentials.json'), 'utf8'))).toEqual({'amazonec2-access-key': TEST_CREDENTIALS.accessKeyId, 'amazonec2-secret-key': TEST_CREDENTIALS.secretAccessKey})
    const outputs = await Promise.all([berth(['inspect', 'e1']), berth(['--debug', 'status', 'e1']), berth(['--debug', 'ls']), berth(['--debug', 'ip', 'e1'])])
    for (const output of outputs) {
      expect(output.code).toBe(0)
      expect(`${output.stdout}${output.stderr}`).not.toContain(TEST_CREDENTIALS.secretAccessKey)
    }
    for (const file of await filesUnder(sandbox.dir)) {
      if (file.path.endsWith(join('e1', 'credentials.json'))) continue
      expect(file.text, file.path).not.toContain(TEST_CREDENTIALS.secretAccessKey)
      expect(file.text, file.path).not.toContain(TEST_CREDENTIALS.accessKeyId)
    }
  })

  it('loads the AWS SDK only for commands that talk to EC2', async () => {
    // A hook in the berth process that notes every require of an AWS SDK package (the driver loads it with require).
    const log = join(sandbox.dir, 'sdk-loads.log')
    const hook = join(sandbox.dir, 'sdk-hook.cjs')
    await writeFile(hook, `const Module = require('node:module')
const {appendFileSync} = require('node:fs')
const load = Module._load
Module._load = function (request, ...rest) {
  if (request.startsWith('@aws-sdk/')) appendFileSync(${JSON.stringify(log)}, request + '\\n')
  return load.call(this, request, ...rest)
}
`)
    const loads = async (args: readonly string[]): Promise<string[]> => {
      await writeFile(log, '')
      const result = await sandbox.run(args, {env: {NODE_OPTIONS: `--require ${hook}`}})
      expect(result.code, result.stderr).toBe(0)
      return (await readFile(log, 'utf8')).split('\n').filter(Boolean)
    }
    for (const args of [['env', 'e1'], ['config', 'e1'], ['inspect', 'e1'], ['create', '-d', 'amazonec2', '--help'], ['drivers']]) expect(await loads(args), args.join(' ')).toEqual([])
    for (const args of [['status', 'e1'], ['ip', 'e1']]) expect(await loads(args), args.join(' ')).toContain('@aws-sdk/client-ec2')
  })

  it('stop stops the instance; start brings it back at a new address with a new server certificate, and docker works there', async () => {
    const before = instance().publicIp
    const stopped = await berth(['stop', 'e1'])
    expect(errorLines(stopped)).toEqual([])
    expect(stopped.code).toBe(0)
    expect(instance().state).toBe('stopped')
    expect((await berth(['status', 'e1'])).stdout).toBe('Stopped\n')

    const started = await berth(['start', 'e1'])
    expect(errorLines(started)).toEqual([])
    expect(started.code).toBe(0)
    const after = instance().publicIp
    expect(after).toBeDefined()
    expect(after).not.toBe(before)
    expect(started.stderr).toContain(`Machine "e1" has a new address: ${after} (it was ${before}). Issuing its engine a server certificate for it.`)
    expect((await berth(['url', 'e1'])).stdout).toBe(`tcp://${after}:2376\n`)
    const version = await dockerViaEnv(sandbox, 'e1', ['version', '--format', '{{.Server.Version}}'])
    expect(version.stderr).toBe('')
    expect(version.code).toBe(0)
  }, 300_000)

  it('restart reboots the instance and docker works after; kill stops it hard', async () => {
    const restarted = await berth(['restart', 'e1'])
    expect(errorLines(restarted)).toEqual([])
    expect(restarted.code).toBe(0)
    expect(sim.callsTo('RebootInstances').filter((call) => !call.code)).toHaveLength(1)
    expect((await dockerViaEnv(sandbox, 'e1', ['version', '--format', '{{.Server.Version}}'])).code).toBe(0)

    const killed = await berth(['kill', 'e1'])
    expect(errorLines(killed)).toEqual([])
    expect(killed.code).toBe(0)
    expect(sim.callsTo('StopInstances').at(-1)?.params.Force).toBe('true')
    expect(instance().state).toBe('stopped')
  }, 300_000)

  it('rm terminates the instance and deletes the key pair and the security group; nothing is left', async () => {
    const removed = await berth(['rm', '-y', 'e1'])
    expect(errorLines(removed)).toEqual([])
    expect(removed.code).toBe(0)
    expect(sim.leftovers()).toEqual([])
    expect(sim.region('us-east-1').instances.map((candidate) => candidate.state)).toEqual(['terminated'])
    expect((await berth(['ls', '-q'])).stdout).toBe('')
    const again = await berth(['rm', '-y', 'e1'])
    expect(again.code).toBe(1)
    expect(errorLines(again)).toEqual(['Error: Machine "e1" does not exist. Run "berth ls" to list machines, "berth create" to add one.'])
  }, 300_000)
})
