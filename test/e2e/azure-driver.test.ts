import {execFile} from 'node:child_process'
import {mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, repoRoot, type RunResult} from '../harness/berth.js'
import {busyboxTarball} from '../harness/busybox-image.js'
import {dockerViaEnv, proveDockerWorks} from '../harness/docker-via-env.js'
import {TestHostPool} from '../hosts/index.js'
import {writeAzureCli} from '../simulators/azure/azure-cli.js'
import {EngineInstall} from '../simulators/azure/engine-install.js'
import {startAzureSimulator, type AzureSimulator} from '../simulators/azure/index.js'

// The azure driver end to end: the real Azure SDK against the ARM simulator (HTTPS with a test CA, Entra ID
// token endpoint, long-running operations), VMs that are real test hosts without an engine (berth installs one
// from the test network), the real docker CLI through `berth env`, and the simulator's word on what is left.

const GROUP = 'berth-machines'
const errorLines = (result: RunResult): string[] => result.stderr.split('\n').filter((line) => line.startsWith('Error'))

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, {withFileTypes: true, recursive: true})
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name))
}

describe('the azure driver on the simulated Azure', () => {
  let pool: TestHostPool
  let sim: AzureSimulator
  let install: EngineInstall
  let sandbox: BerthSandbox
  let image: Awaited<ReturnType<typeof busyboxTarball>>
  let azPath: string
  let azLog: string

  beforeAll(async () => {
    pool = new TestHostPool()
    sim = await startAzureSimulator({hosts: pool})
    install = await EngineInstall.start(pool)
    sandbox = await BerthSandbox.create()
    image = await busyboxTarball()
    const cli = await writeAzureCli(sandbox.dir, sim)
    azPath = `${cli.bin}:${process.env.PATH ?? ''}`
    azLog = cli.log
  })

  afterAll(async () => {
    await sim?.stop()
    await install?.close()
    await pool?.dispose()
    await image?.remove()
    await sandbox?.dispose()
  })

  /** Where the cloud is; credentials come from elsewhere (flags, the service principal's variables, or `az`). */
  const cloud = (): NodeJS.ProcessEnv => ({
    NODE_EXTRA_CA_CERTS: sim.caFile,
    AZURE_SUBSCRIPTION_ID: sim.subscriptionId,
    AZURE_RESOURCE_MANAGER_ENDPOINT: sim.endpoint,
    AZURE_AUTHORITY_HOST: sim.authorityHost,
  })
  const principal = (): NodeJS.ProcessEnv => ({AZURE_TENANT_ID: sim.principal.tenantId, AZURE_CLIENT_ID: sim.principal.clientId, AZURE_CLIENT_SECRET: sim.principal.clientSecret})
  const berth = (args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> => sandbox.run(args, {env: {...cloud(), ...env}})
  const machineIds = (machine: string): string[] => sim.resourceIds().filter((id) => id.includes(`/${machine}`))

  it('passes berth/driver/testing with its backend: remove of a machine never made succeeds twice, and its state is then NotFound', async () => {
    const storeDir = await mkdtemp(join(tmpdir(), 'berth-conformance-'))
    try {
      const options = {
        storeDir,
        machineName: 'az-conformance',
        flags: {
          'azure-subscription-id': sim.subscriptionId, 'azure-tenant-id': sim.principal.tenantId, 'azure-client-id': sim.principal.clientId,
          'azure-resource-manager-endpoint': sim.endpoint, 'azure-authority-host': sim.authorityHost,
        },
        secrets: {'azure-client-secret': sim.principal.clientSecret},
        env: {PATH: process.env.PATH},
      }
      // The simulator's test CA is trusted only through NODE_EXTRA_CA_CERTS, which a process reads as it starts.
      const child = join(repoRoot, 'dist', 'test', 'harness', 'conformance-child.js')
      const {stdout} = await promisify(execFile)(process.execPath, [child, 'azure', JSON.stringify(options)], {env: {...process.env, NODE_EXTRA_CA_CERTS: sim.caFile}})
      expect(JSON.parse(stdout)).toEqual([])
      expect(sim.calls.filter((call) => call.path.includes('/az-conformance')).length, 'the suite asked the simulated Azure').toBeGreaterThan(0)
      expect(sim.resourceIds().filter((id) => id.includes('/az-conformance')), 'nothing was made').toEqual([])
    } finally {
      await rm(storeDir, {recursive: true, force: true})
    }
  })

  it('creates two machines at once, one as a service principal typed on the command line, one with the Azure CLI\'s login; throttling is retried', async () => {
    sim.throttle('networkSecurityGroups.createOrUpdate', {times: 2, retryAfterSeconds: 1})
    sim.inject({operation: 'operations.get', status: 503, times: 1})
    const [bySecret, byCli] = await Promise.all([
      berth(['--debug', 'create', '-d', 'azure', '--engine-install-url', install.url, '--azure-client-id', sim.principal.clientId,
        '--azure-tenant-id', sim.principal.tenantId, '--azure-client-secret', sim.principal.clientSecret, 'az-sp']),
      berth(['create', '-d', 'azure', '--engine-install-url', install.url, 'az-cli'], {PATH: azPath}),
    ])
    expect(errorLines(bySecret)).toEqual([])
    expect(bySecret.code).toBe(0)
    expect(errorLines(byCli)).toEqual([])
    expect(byCli.code).toBe(0)
    expect(sim.unfiredInjections).toEqual([])
    expect(bySecret.stderr).toMatch(/^\[debug\] /m)
    expect(`${bySecret.stdout}${bySecret.stderr}`).not.toContain(sim.principal.clientSecret)
    expect(sim.count('networkSecurityGroups.createOrUpdate')).toBe(4)
    expect(`${bySecret.stderr}${byCli.stderr}`).toMatch(/Azure answered 429 to PUT \/subscriptions\/.*\/networkSecurityGroups\/az-(sp|cli)-firewall; trying again in \d\.\d s/)
    expect(await readFile(azLog, 'utf8')).toContain(`account get-access-token --output json --resource ${sim.endpoint}`)
    for (const machine of ['az-sp', 'az-cli']) {
      expect(sim.vm(GROUP, machine)).toMatchObject({provisioningState: 'Succeeded', power: 'running'})
      expect(machineIds(machine).map((id) => id.split('/').slice(-2).join('/'))).toEqual([
        `disks/${machine}-osdisk`, `virtualMachines/${machine}`, `networkInterfaces/${machine}-nic`, `networkSecurityGroups/${machine}-firewall`, `publicIPAddresses/${machine}-ip`,
      ])
    }
    expect(install.requests.filter((path) => path === '/install.sh')).toHaveLength(2)
    expect(sim.unsupported).toEqual([])
  }, 300_000)

  it('keeps a secret typed at create in the 0600 credentials file only: not in config.json, inspect, --debug output or any other file', async () => {
    const secret = sim.principal.clientSecret
    const machineDir = join(sandbox.storePath, 'machines', 'az-sp')
    const credentials = join(machineDir, 'credentials.json')
    expect((await stat(credentials)).mode & 0o777).toBe(0o600)
    expect(JSON.parse(await readFile(credentials, 'utf8'))).toEqual({'azure-client-secret': secret})
    for (const file of await filesUnder(sandbox.dir)) {
      if (file !== credentials && !file.startsWith(join(sandbox.dir, 'az-bin'))) expect(await readFile(file, 'latin1'), file).not.toContain(secret)
    }
    const inspect = await berth(['--debug', 'inspect', 'az-sp'])
    expect(inspect.code).toBe(0)
    expect(JSON.parse(inspect.stdout)).toMatchObject({driver: {name: 'azure', state: {clientId: sim.principal.clientId, subscriptionId: sim.subscriptionId}}})
    expect(`${inspect.stdout}${inspect.stderr}`).not.toContain(secret)
    // Later commands sign in with the kept secret: no service principal in the environment.
    const status = await berth(['--debug', 'status', 'az-sp'])
    expect(status.stdout).toBe('Running\n')
    expect(status.stderr).not.toContain(secret)
  })

  it('the docker CLI works on both through berth env', async () => {
    await proveDockerWorks(sandbox, 'az-sp', image.path)
    await proveDockerWorks(sandbox, 'az-cli', image.path)
    expect((await dockerViaEnv(sandbox, 'az-sp', ['info', '--format', '{{json .Labels}}'])).stdout).toContain('provider=azure')
  })

  it('ls asks Azure once for the state of both machines', async () => {
    const before = sim.calls.length
    const listed = await berth(['ls'], principal())
    expect(listed.code).toBe(0)
    for (const machine of ['az-sp', 'az-cli']) {
      expect(listed.stdout).toMatch(new RegExp(`^${machine}\\s+-\\s+azure\\s+Running\\s+tcp://${sim.vm(GROUP, machine)!.address!.replace(/\./g, '\\.')}:2376\\s+v\\d`, 'm'))
    }
    const asked = sim.calls.slice(before).map((call) => call.operation).filter((operation) => !operation.startsWith('identity.'))
    expect(asked).toEqual(['virtualMachines.listAll'])
  })

  it('env, config and inspect of an Azure machine never import the Azure SDK; ls, which asks Azure, does', async () => {
    // A module resolve hook that refuses every @azure/* package: whatever needs the SDK fails loudly.
    const hook = join(sandbox.dir, 'refuse-azure-sdk.mjs')
    const register = join(sandbox.dir, 'register-refuse-azure-sdk.mjs')
    await writeFile(hook, 'export async function resolve(specifier, context, next) {\n  if (specifier.startsWith(\'@azure/\')) throw new Error(`refused to load ${specifier}`)\n  return next(specifier, context)\n}\n')
    await writeFile(register, `import {register} from 'node:module'\nregister(${JSON.stringify(pathToFileURL(hook).href)})\n`)
    const refusing = {NODE_OPTIONS: `--import=${register}`}
    for (const command of [['env', 'az-sp'], ['config', 'az-sp'], ['inspect', 'az-sp']]) {
      const result = await berth(command, refusing)
      expect(result.stderr, command[0]).toBe('')
      expect(result.code, command[0]).toBe(0)
    }
    const listed = await berth(['ls'], {...principal(), ...refusing})
    expect(listed.stdout).toMatch(/^az-sp\s+-\s+azure\s+Error\s.*refused to load @azure\//m)
  })

  it('stop deallocates the VM (its host is off, its disk kept); start brings it back at its static address, without a new certificate', async () => {
    const address = sim.vm(GROUP, 'az-sp')!.address
    const stopped = await berth(['stop', 'az-sp'])
    expect(errorLines(stopped)).toEqual([])
    expect(stopped.stderr).toContain('Machine "az-sp" was stopped.')
    expect(sim.vm(GROUP, 'az-sp')).toMatchObject({power: 'deallocated', running: false})
    expect((await berth(['status', 'az-sp'])).stdout).toBe('Stopped\n')
    const order = sim.calls.map((call) => call.operation).filter((operation) => /^virtualMachines\.(powerOff|deallocate)$/.test(operation))
    expect(order.slice(-2)).toEqual(['virtualMachines.powerOff', 'virtualMachines.deallocate'])

    const started = await berth(['start', 'az-sp'])
    expect(errorLines(started)).toEqual([])
    expect(started.stderr).toContain('Machine "az-sp" was started.')
    expect(started.stderr).not.toContain('has a new address')
    expect(sim.vm(GROUP, 'az-sp')).toMatchObject({power: 'running', running: true, address})
    expect((await dockerViaEnv(sandbox, 'az-sp', ['run', '--rm', 'busybox-az-sp:local', 'sh', '-c', 'exit 0'])).code).toBe(0)
  })

  it('start notices an address that changed while the VM was deallocated, issues a certificate for it, and docker works there', async () => {
    const before = sim.vm(GROUP, 'az-sp')!.address!
    expect((await berth(['stop', 'az-sp'])).code).toBe(0)
    sim.changeAddressOnNextStart(GROUP, 'az-sp')
    const started = await berth(['start', 'az-sp'])
    expect(errorLines(started)).toEqual([])
    const moved = sim.vm(GROUP, 'az-sp')!.address!
    expect(moved).not.toBe(before)
    expect(started.stderr).toContain(`Machine "az-sp" has a new address: ${moved} (it was ${before}). Issuing its engine a server certificate for it.`)
    expect((await berth(['url', 'az-sp'])).stdout).toBe(`tcp://${moved}:2376\n`)
    const version = await dockerViaEnv(sandbox, 'az-sp', ['version', '--format', '{{.Server.Version}}'])
    expect(version.stderr).toBe('')
    expect(version.code).toBe(0)
  })

  it('restart reboots the VM; kill powers it off at once and deallocates it', async () => {
    const boots = sim.vm(GROUP, 'az-sp')!.boots
    const restarted = await berth(['restart', 'az-sp'])
    expect(errorLines(restarted)).toEqual([])
    expect(restarted.stderr).toContain('Machine "az-sp" was restarted.')
    expect(sim.count('virtualMachines.restart')).toBe(1)
    expect(sim.vm(GROUP, 'az-sp')!.boots).toBe(boots + 1)
    expect((await dockerViaEnv(sandbox, 'az-sp', ['version', '--format', '{{.Server.Version}}'])).code).toBe(0)

    const killed = await berth(['kill', 'az-sp'])
    expect(errorLines(killed)).toEqual([])
    expect(sim.calls.some((call) => call.operation === 'virtualMachines.powerOff' && call.path.endsWith('/az-sp/powerOff'))).toBe(true)
    expect(sim.vm(GROUP, 'az-sp')).toMatchObject({power: 'deallocated', running: false})
    expect((await berth(['start', 'az-sp'])).code).toBe(0)
    expect((await dockerViaEnv(sandbox, 'az-sp', ['version', '--format', '{{.Server.Version}}'])).code).toBe(0)
  })

  it('rm deletes a machine\'s resources and keeps what the other machine uses; the last rm takes the network and the resource group', async () => {
    const removed = await berth(['rm', '-y', 'az-sp'])
    expect(errorLines(removed)).toEqual([])
    expect(removed.stdout).toBe('Successfully removed az-sp\n')
    expect(removed.stderr).toContain('Keeping virtual network berth-vnet: other machines use it')
    expect(removed.stderr).toMatch(/Keeping resource group berth-machines: it holds \d+ other resources/)
    await sim.quiet()
    expect(machineIds('az-sp')).toEqual([])
    expect(sim.vm(GROUP, 'az-cli')!.power).toBe('running')

    const last = await berth(['rm', '-y', 'az-cli'], {PATH: azPath})
    expect(errorLines(last)).toEqual([])
    expect(last.stderr).toContain('Deleting virtual network berth-vnet')
    expect(last.stderr).toContain('Deleting resource group berth-machines')
    await sim.quiet()
    expect(sim.resourceIds()).toEqual([])
    expect(sim.liveHosts).toEqual([])
    expect((await berth(['ls', '-q'])).stdout).toBe('')
    expect(sim.unsupported).toEqual([])
  })
})
