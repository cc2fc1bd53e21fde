import {ArmError, isRecord} from './http.js'

/** A resource group of the simulated subscription. */
export interface SimGroup {
  id: string
  subscription: string
  name: string
  location: string
  tags: Record<string, string>
  /** Set while a DELETE of the group runs: ARM refuses to put anything into it then. */
  deleting: boolean
}

/** One ARM resource. `properties` holds what the caller PUT plus what the simulated resource provider set. */
export interface SimResource {
  id: string
  subscription: string
  resourceGroup: string
  name: string
  /** "Microsoft.Network/virtualNetworks", "Microsoft.Network/virtualNetworks/subnets", ... */
  type: string
  location: string
  tags: Record<string, string>
  sku?: Record<string, unknown>
  properties: Record<string, unknown>
  provisioningState: 'Creating' | 'Updating' | 'Succeeded' | 'Failed' | 'Deleting'
}

/** Resource ids are case-insensitive in ARM: one key for all spellings. */
const key = (id: string): string => id.toLowerCase().replace(/\/+$/, '')

export function groupId(subscription: string, group: string): string {
  return `/subscriptions/${subscription}/resourceGroups/${group}`
}

export function resourceId(subscription: string, group: string, type: string, names: readonly string[]): string {
  const [namespace, ...types] = type.split('/')
  return `${groupId(subscription, group)}/providers/${namespace}/${types.map((part, index) => `${part}/${names[index]}`).join('/')}`
}

/** Everything that exists in the simulated cloud, with ARM's rules for what refers to what. */
export class ResourceStore {
  private readonly groups = new Map<string, SimGroup>()
  private readonly resources = new Map<string, SimResource>()

  group(subscription: string, name: string): SimGroup | undefined {
    return this.groups.get(key(groupId(subscription, name)))
  }

  /** The group, or ARM's 404 for a missing one. */
  requireGroup(subscription: string, name: string): SimGroup {
    const group = this.group(subscription, name)
    if (group === undefined) throw new ArmError(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`)
    return group
  }

  putGroup(group: SimGroup): void {
    this.groups.set(key(group.id), group)
  }

  deleteGroup(group: SimGroup): void {
    this.groups.delete(key(group.id))
  }

  get(id: string): SimResource | undefined {
    return this.resources.get(key(id))
  }

  put(resource: SimResource): void {
    this.resources.set(key(resource.id), resource)
  }

  delete(id: string): void {
    this.resources.delete(key(id))
  }

  all(): SimResource[] {
    return [...this.resources.values()]
  }

  allGroups(): SimGroup[] {
    return [...this.groups.values()]
  }

  inGroup(subscription: string, group: string): SimResource[] {
    const prefix = `${key(groupId(subscription, group))}/`
    return this.all().filter((resource) => key(resource.id).startsWith(prefix))
  }

  ofType(type: string): SimResource[] {
    return this.all().filter((resource) => resource.type.toLowerCase() === type.toLowerCase())
  }

  /** Resources whose properties refer to `id` (or to something inside it, such as a NIC's ipConfiguration). */
  referrers(id: string, type?: string): SimResource[] {
    const target = key(id)
    return this.all().filter((resource) => key(resource.id) !== target && (type === undefined || resource.type.toLowerCase() === type.toLowerCase())
      && referencedIds(resource.properties).some((ref) => ref === target || ref.startsWith(`${target}/`)))
  }
}

/** Every `id` in a resource's properties (as ARM bodies refer to other resources: {"id": "/subscriptions/..."}). */
export function referencedIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedIds)
  if (!isRecord(value)) return []
  return Object.entries(value).flatMap(([name, inner]) => (name === 'id' && typeof inner === 'string' ? [key(inner)] : referencedIds(inner)))
}
