import {BerthError, type OperationContext, pause, pollUntil, prose, type RemovalOutcome, type ResourceRecord, run} from '../../src/driver-kit/index.js'
import type {Ec2Api} from './client.js'
import {hasCode} from './errors.js'
import {INSTANCE, KEY_PAIR, NEW_INSTANCE_GRACE_MS, describeInstance} from './instance.js'
import {SECURITY_GROUP} from './security-groups.js'

const TERMINATE_TIMEOUT_MS = 10 * 60_000
/** After its instance terminated, a group stays in use until EC2 has released the network interface. */
const GROUP_RELEASE_TIMEOUT_MS = 3 * 60_000
const LIVE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped']

/**
 * Remove what the records name, in the order EC2 allows: instances (until terminated, so their groups are free),
 * then key pairs and security groups. Whatever is already gone counts as removed.
 */
export async function removeRecorded(api: Ec2Api, resources: readonly ResourceRecord[], ctx: OperationContext): Promise<void> {
  const instances = resources.filter((resource) => resource.kind === INSTANCE)
  await Promise.all(instances.map(async (resource) => {
    await terminate(api, resource, ctx)
    ctx.removed(resource)
  }))
  for (const resource of resources.filter((candidate) => candidate.kind === KEY_PAIR)) {
    ctx.progress(`Deleting the key pair ${resource.id}`)
    await api.deleteKeyPair(resource.id).catch((error: unknown) => {
      if (!hasCode(error, 'InvalidKeyPair.NotFound')) throw error
    })
    ctx.removed(resource)
  }
  for (const resource of resources.filter((candidate) => candidate.kind === SECURITY_GROUP)) {
    ctx.removed(resource, await deleteGroup(api, resource, instances.map((instance) => instance.id), ctx))
  }
}

async function terminate(api: Ec2Api, resource: ResourceRecord, ctx: OperationContext): Promise<void> {
  const id = resource.id
  const launchedAt = typeof resource.launchedAt === 'string' ? Date.parse(resource.launchedAt) : 0
  ctx.progress(`Terminating the instance ${id}`)
  for (;;) {
    try {
      await api.terminateInstance(id)
      break
    } catch (error) {
      if (!hasCode(error, 'InvalidInstanceID.NotFound')) throw error
      // An instance launched moments ago may not be known to this call yet; an older one is gone for good.
      if (Date.now() - launchedAt > NEW_INSTANCE_GRACE_MS) return
      await pause(2000, ctx.signal)
    }
  }
  await pollUntil(() => describeInstance(api, id, ctx.signal), (view) => view === undefined || view.state === 'terminated', {
    timeoutMs: TERMINATE_TIMEOUT_MS,
    signal: ctx.signal,
    describe: (view) => `The instance ${id} was still ${view?.state ?? 'shutting-down'}`,
  })
}

/**
 * Delete a group berth made. One that other instances still use (a group named for several machines) is left in
 * place with a note; one that only waits for EC2 to release the terminated instance's network interface is retried.
 */
async function deleteGroup(api: Ec2Api, resource: ResourceRecord, ownInstances: readonly string[], ctx: OperationContext): Promise<RemovalOutcome> {
  const label = typeof resource.name === 'string' ? `${resource.id} (${resource.name})` : resource.id
  ctx.progress(`Deleting the security group ${label}`)
  const deadline = Date.now() + GROUP_RELEASE_TIMEOUT_MS
  for (let delay = 2000; ; delay = Math.min(delay * 2, 15_000)) {
    try {
      await api.deleteSecurityGroup(resource.id)
      return 'gone'
    } catch (error) {
      if (hasCode(error, 'InvalidGroup.NotFound')) return 'gone'
      if (!hasCode(error, 'DependencyViolation')) throw error
    }
    const users = await api.instancesByFilter([{name: 'instance.group-id', values: [resource.id]}, {name: 'instance-state-name', values: LIVE_STATES}], ctx.signal)
    const others = users.filter((instance) => !ownInstances.includes(instance.id) && instance.state !== 'shutting-down')
    if (others.length > 0) {
      ctx.progress(`The security group ${label} is still used by ${others.map((instance) => instance.id).join(', ')}; it is left in place`)
      return 'shared'
    }
    if (Date.now() + delay > deadline) {
      throw new BerthError(`The security group ${label} is still in use ${Math.round(GROUP_RELEASE_TIMEOUT_MS / 60_000)} minutes after its instance terminated.`, {code: 'cloud-resource-busy', data: {resource: label}, hint: prose`Run ${run('rm')} again later, or delete the group in the EC2 console.`})
    }
    await pause(delay, ctx.signal)
  }
}
