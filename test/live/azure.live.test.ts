import {randomBytes} from 'node:crypto'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, type RunResult} from '../harness/berth.js'

// The azure driver against the real Azure: `npm run test:live` with a service principal in the environment
// (AZURE_SUBSCRIPTION_ID, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET; optionally AZURE_LOCATION,
// AZURE_SIZE). It makes one VM in a resource group of its own, which it removes, and checks that the group is gone.
// It costs a few minutes of a small VM. Skipped unless run by test:live with those variables set.

const PRINCIPAL = ['AZURE_SUBSCRIPTION_ID', 'AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET'] as const
const live = process.env.BERTH_LIVE === '1' && PRINCIPAL.every((name) => (process.env[name] ?? '') !== '')
const errorLines = (result: RunResult): string[] => result.stderr.split('\n').filter((line) => line.startsWith('Error'))

describe.skipIf(!live)('the azure driver on the real Azure', {timeout: 20 * 60_000}, () => {
  const group = `berth-live-${randomBytes(4).toString('hex')}`
  const machine = 'berth-live'
  let sandbox: BerthSandbox
  const azure = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('AZURE_')))
  const berth = (args: readonly string[]): Promise<RunResult> => sandbox.run(args, {env: {...azure, AZURE_RESOURCE_GROUP: group}})

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
  })

  afterAll(async () => {
    // Whatever happened above, nothing is left running on the account.
    if (sandbox !== undefined) await berth(['rm', '-f', '-y', machine])
    await sandbox?.dispose()
  }, 20 * 60_000)

  it('creates a VM, runs a container through berth env, stops, starts, restarts and removes it with its resource group', async () => {
    const created = await berth(['create', '-d', 'azure', '--ssh-timeout', '600', machine])
    expect(errorLines(created)).toEqual([])
    expect(created.code).toBe(0)
    const ran = await sandbox.sh(`eval "$($BERTH env ${machine})" && docker run --rm busybox echo hello from azure`)
    expect(ran.stdout.trim()).toBe('hello from azure')

    expect((await berth(['stop', machine])).code).toBe(0)
    expect((await berth(['status', machine])).stdout).toBe('Stopped\n')
    expect((await berth(['start', machine])).code).toBe(0)
    expect((await berth(['restart', machine])).code).toBe(0)
    expect((await sandbox.sh(`eval "$($BERTH env ${machine})" && docker version --format '{{.Server.Version}}'`)).code).toBe(0)

    const removed = await berth(['rm', '-y', machine])
    expect(errorLines(removed)).toEqual([])
    expect(removed.stderr).toContain(`Deleting resource group ${group}`)
    const {ClientSecretCredential} = await import('@azure/identity')
    const {ResourceManagementClient} = await import('@azure/arm-resources')
    const credential = new ClientSecretCredential(process.env.AZURE_TENANT_ID!, process.env.AZURE_CLIENT_ID!, process.env.AZURE_CLIENT_SECRET!)
    const resources = new ResourceManagementClient(credential, process.env.AZURE_SUBSCRIPTION_ID!)
    expect((await resources.resourceGroups.checkExistence(group)).body).toBe(false)
  })
})
