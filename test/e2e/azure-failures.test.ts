import {spawn} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, repoRoot, type RunResult} from '../harness/berth.js'
import {TestHostPool} from '../hosts/index.js'
import {EngineInstall} from '../simulators/azure/engine-install.js'
import {startAzureSimulator, type AzureSimulator, type Injection} from '../simulators/azure/index.js'

// What goes wrong with the azure driver, against the simulated Azure: pre-create checks that stop a create
// before anything is made (exit 3), a failure at every step of a create (nothing is left), Ctrl-C in the middle,
// and rm of a half-made machine, twice. Sizes, images and disk types ARM would refuse are in
// test/faults/cloud-checks.test.ts.

const errorLines = (result: RunResult): string[] => result.stderr.split('\n').filter((line) => line.startsWith('Error'))

describe('the azure driver when things go wrong', () => {
  let pool: TestHostPool
  let sim: AzureSimulator
  let install: EngineInstall
  let sandbox: BerthSandbox

  beforeAll(async () => {
    pool = new TestHostPool()
    sim = await startAzureSimulator({hosts: pool})
    install = await EngineInstall.start(pool)
    sandbox = await BerthSandbox.create()
  })

  afterAll(async () => {
    await sim?.stop()
    await install?.close()
    await pool?.dispose()
    await sandbox?.dispose()
  })

  const env = (change: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    NODE_EXTRA_CA_CERTS: sim.caFile,
    AZURE_SUBSCRIPTION_ID: sim.subscriptionId,
    AZURE_RESOURCE_MANAGER_ENDPOINT: sim.endpoint,
    AZURE_AUTHORITY_HOST: sim.authorityHost,
    AZURE_TENANT_ID: sim.principal.tenantId,
    AZURE_CLIENT_ID: sim.principal.clientId,
    AZURE_CLIENT_SECRET: sim.principal.clientSecret,
    ...change,
  })
  const berth = (args: readonly string[], change: NodeJS.ProcessEnv = {}): Promise<RunResult> => sandbox.run(args, {env: env(change)})
  const create = (name: string, extra: readonly string[] = [], change: NodeJS.ProcessEnv = {}): Promise<RunResult> =>
    berth(['create', '-d', 'azure', '--engine-install-url', install.url, ...extra, name], change)

  /** Nothing in the simulated cloud, no VM host up, no machine in the store. */
  async function expectNothingLeft(name: string): Promise<void> {
    await sim.quiet()
    expect(sim.resourceIds()).toEqual([])
    expect(sim.liveHosts).toEqual([])
    expect(existsSync(join(sandbox.storePath, 'machines', name))).toBe(false)
    expect((await berth(['ls', '-q'])).stdout).toBe('')
  }

  const wrongSecret = `wrong-${randomUUID()}`
  const precreate: {problem: string; args?: string[]; env?: NodeJS.ProcessEnv; error: RegExp}[] = [
    {problem: 'a wrong client secret', env: {AZURE_CLIENT_SECRET: wrongSecret},
      error: /^Error: Microsoft Entra ID refused the client secret of the service principal [\w-]+: AADSTS7000215: Invalid client secret provided\. Set AZURE_CLIENT_SECRET \(or pass --azure-client-secret\)/},
    {problem: 'an unknown tenant', env: {AZURE_TENANT_ID: randomUUID()}, error: /^Error: Could not sign in to tenant [\w-]+ at https:\/\/127\.0\.0\.1:\d+: .* Check AZURE_TENANT_ID/},
    {problem: 'an unknown application', env: {AZURE_CLIENT_ID: randomUUID()}, error: /^Error: Microsoft Entra ID does not know the application [\w-]+ in tenant [\w-]+: AADSTS700016: .* Check AZURE_CLIENT_ID and AZURE_TENANT_ID/},
    {problem: 'an unknown subscription', env: {AZURE_SUBSCRIPTION_ID: randomUUID()}, error: /^Error: Could not look up the locations of subscription [\w-]+: The subscription '[\w-]+' could not be found\. \(SubscriptionNotFound\)\. Check --azure-subscription-id/},
    {problem: 'an unknown location', args: ['--azure-location', 'mars1'], error: /^Error: Azure has no location "mars1" for virtual machines in subscription [\w-]+\. Choose --azure-location from: westus2, eastus, westeurope, northeurope, northcentralus\.$/},
    {problem: 'a VM size Azure does not offer', args: ['--azure-size', 'Standard_Z9'], error: /^Error: Azure offers no VM size "Standard_Z9" in westus2\. Choose another --azure-size/},
    {problem: 'an unknown image', args: ['--azure-image', 'canonical:no-such-offer:server:latest'], error: /^Error: Azure has no image canonical:no-such-offer:server:latest in westus2\. Check --azure-image/},
    {problem: 'no credentials at all', env: {AZURE_CLIENT_ID: '', AZURE_CLIENT_SECRET: '', AZURE_TENANT_ID: ''},
      error: /^Error: No Azure credentials: no service principal is configured and the Azure CLI has no login \(.*\)\. Set AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_TENANT_ID for a service principal, or run "az login"\./},
  ]

  it.each(precreate)('$problem fails the pre-create check with one line and exit 3, before anything is made', async ({args, env: change, error}) => {
    const before = sim.calls.length
    const failed = await create('pre', args ?? [], change ?? {})
    expect(failed.code).toBe(3)
    expect(errorLines(failed)).toEqual([expect.stringMatching(error)])
    expect(`${failed.stdout}${failed.stderr}`).not.toContain(wrongSecret)
    expect(sim.calls.slice(before).filter((call) => /\.(createOrUpdate|delete)$/.test(call.operation))).toEqual([])
    await expectNothingLeft('pre')
  })

  it('a missing subscription or conflicting flags are refused before Azure is asked anything', async () => {
    const before = sim.calls.length
    const noSubscription = await create('flags', [], {AZURE_SUBSCRIPTION_ID: ''})
    expect(noSubscription.code).toBe(1)
    expect(errorLines(noSubscription)).toEqual(['Error: The azure driver needs the subscription to create the machine in. Pass --azure-subscription-id or set AZURE_SUBSCRIPTION_ID ("az account show --query id -o tsv" prints yours).'])
    const conflict = await create('flags', ['--azure-no-public-ip', '--azure-dns', 'mylabel'])
    expect(errorLines(conflict)).toEqual(['Error: --azure-no-public-ip cannot be combined with --azure-dns or --azure-static-public-ip.'])
    expect(sim.calls.length).toBe(before)
  })

  const quotaMessage = 'Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota. Additional details - Deployment Model: Resource Manager, Location: westus2, Current Limit: 10, Current Usage: 10, Additional Required: 2, (Minimum) New Limit Required: 12.'
  const steps: {step: string; injection: Injection; error: RegExp}[] = [
    {step: 'the resource group', injection: {operation: 'resourceGroups.createOrUpdate', status: 403, code: 'AuthorizationFailed',
      message: 'The client \'berth-sp\' with object id \'0f0e\' does not have authorization to perform action \'Microsoft.Resources/subscriptions/resourcegroups/write\' over scope \'/subscriptions/s/resourcegroups/berth-machines\' or the scope is invalid.'},
    error: /^Error: Could not create resource group berth-machines in westus2: The client 'berth-sp' .* \(AuthorizationFailed\)\. Give the identity berth signs in as the Contributor role/},
    {step: 'the network security group', injection: {operation: 'networkSecurityGroups.createOrUpdate', status: 400, code: 'QuotaExceeded', message: 'Cannot create more than 5000 network security groups for this subscription in this region.'},
      error: /^Error: Azure quota exceeded while trying to create network security group f-nsg-firewall: Cannot create more than 5000 .* \(QuotaExceeded\)\. Ask for more quota/},
    {step: 'the virtual network (its operation fails)', injection: {operation: 'virtualNetworks.createOrUpdate', asynchronous: true, status: 500, code: 'InternalServerError', message: 'An error occurred.'},
      error: /^Error: Could not create virtual network berth-vnet \(192\.168\.0\.0\/16\) with subnet berth-subnet: An error occurred\. \(InternalServerError\)$/},
    {step: 'the public IP address', injection: {operation: 'publicIPAddresses.createOrUpdate', status: 400, code: 'PublicIPCountLimitReached', message: 'Cannot create more than 10 public IP addresses for this subscription in this region.'},
      error: /^Error: Could not create public IP address f-ip-ip: Cannot create more than 10 public IP addresses .* \(PublicIPCountLimitReached\)$/},
    {step: 'the network interface (throttled beyond the retries)', injection: {operation: 'networkInterfaces.createOrUpdate', status: 429, times: 5, retryAfterSeconds: 1},
      error: /^Error: Could not create network interface f-nic-nic: The request is being throttled .* \(TooManyRequests\)\. Azure is throttling this subscription's requests/},
    {step: 'the VM (its size sold out)', injection: {operation: 'virtualMachines.createOrUpdate', status: 409, code: 'SkuNotAvailable', message: 'The requested VM size for resource \'f-sku\' is currently not available in location \'westus2\'.'},
      error: /^Error: Could not create virtual machine f-sku \(Standard_D2s_v5\): The requested VM size .* \(SkuNotAvailable\)\. Choose another --azure-size or --azure-location/},
    {step: 'the VM (no core quota left)', injection: {operation: 'virtualMachines.createOrUpdate', status: 409, code: 'OperationNotAllowed', message: quotaMessage},
      error: /^Error: Azure quota exceeded while trying to create virtual machine f-quota \(Standard_D2s_v5\): Operation could not be completed .* \(OperationNotAllowed\)\. Ask for more quota/},
    {step: 'the VM (allocation fails after Azure accepted it: a Failed VM and its disk exist)', injection: {operation: 'virtualMachines.createOrUpdate', asynchronous: true, status: 409, code: 'AllocationFailed',
      message: 'Allocation failed. We do not have sufficient capacity for the requested VM size in this region.'},
    error: /^Error: Could not create virtual machine f-alloc \(Standard_D2s_v5\): Allocation failed\. .* \(AllocationFailed\)$/},
  ]
  const names = ['f-rg', 'f-nsg', 'f-vnet', 'f-ip', 'f-nic', 'f-sku', 'f-quota', 'f-alloc']

  it.each(steps.map((row, index) => ({...row, name: names[index]!})))('a failure at $step rolls the create back: nothing is left', async ({injection, error, name}) => {
    sim.inject(injection)
    const failed = await create(name)
    expect(failed.code).toBe(1)
    expect(errorLines(failed)).toEqual([expect.stringMatching(error)])
    expect(sim.unfiredInjections).toEqual([])
    await expectNothingLeft(name)
  })

  it('a failure after the VM runs (provisioning cannot install the engine) deletes the VM, its host and everything else', async () => {
    const failed = await berth(['create', '-d', 'azure', '--engine-install-url', install.url.replace('/install.sh', '/missing.sh'), 'f-prov'])
    expect(failed.code).toBe(1)
    expect(errorLines(failed)).toEqual([expect.stringMatching(/^Error: Provisioning failed at step "engine\.install"/)])
    expect(sim.count('virtualMachines.delete')).toBeGreaterThan(0)
    await expectNothingLeft('f-prov')
  })

  it('Ctrl-C while Azure creates the VM rolls everything back', async () => {
    const child = spawn('node', [join(repoRoot, 'bin', 'run.cjs'), 'create', '-d', 'azure', '--engine-install-url', install.url, 'f-int'], {env: {...sandbox.env, ...env()}, stdio: ['ignore', 'pipe', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    const [creates, deletes] = [sim.count('virtualMachines.createOrUpdate'), sim.count('virtualMachines.delete')]
    for (let waited = 0; sim.count('virtualMachines.createOrUpdate') === creates; waited += 100) {
      expect(waited, stderr).toBeLessThan(60_000)
      await sleep(100)
    }
    child.kill('SIGINT')
    const code = await exited
    expect(code).toBe(130)
    expect(stderr).toContain('Error: Interrupted')
    expect(sim.count('virtualMachines.delete')).toBe(deletes + 1)
    await expectNothingLeft('f-int')
  })

  it('rm of a half-made machine removes exactly what exists, and a second rm finishes what the first could not', async () => {
    sim.inject({operation: 'networkInterfaces.createOrUpdate', status: 400, code: 'InvalidResourceReference', message: 'Resource /subscriptions/s/resourceGroups/berth-machines/providers/Microsoft.Network/virtualNetworks/berth-vnet/subnets/berth-subnet referenced by resource half-nic was not found.'})
    const kept = await create('half', ['--keep-on-failure'])
    expect(kept.code).toBe(1)
    expect(kept.stderr).toContain('was kept as it is (--keep-on-failure)')
    const made = sim.resourceIds().map((id) => id.split('/').slice(-2).join('/'))
    expect(made).toEqual(['resourceGroups/berth-machines', 'networkSecurityGroups/half-firewall', 'publicIPAddresses/half-ip', 'virtualNetworks/berth-vnet', 'subnets/berth-subnet'])

    const [vmDeletes, diskDeletes] = [sim.count('virtualMachines.delete'), sim.count('disks.delete')]
    sim.inject({operation: 'resourceGroups.delete', status: 403, code: 'AuthorizationFailed', message: 'The client does not have authorization to perform action \'Microsoft.Resources/subscriptions/resourcegroups/delete\'.'})
    const first = await berth(['rm', '-y', 'half'])
    expect(first.code).toBe(1)
    expect(errorLines(first)).toEqual([expect.stringMatching(/^Error: Could not delete resource group berth-machines: .* \(AuthorizationFailed\)\. .* The machine is kept with the resource left; run "berth rm half" again once the cause is fixed\./)])
    expect(sim.resourceIds().map((id) => id.split('/').slice(-2).join('/'))).toEqual(['resourceGroups/berth-machines'])
    expect(sim.count('virtualMachines.delete')).toBe(vmDeletes)
    expect(sim.count('disks.delete')).toBe(diskDeletes)

    const second = await berth(['rm', '-y', 'half'])
    expect(errorLines(second)).toEqual([])
    expect(second.code).toBe(0)
    await expectNothingLeft('half')
  })
})
