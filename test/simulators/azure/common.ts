import {findLocation, LOCATIONS} from './catalog.js'
import type {ArmContext} from './context.js'
import {ArmError, isRecord, type Reply} from './http.js'
import type {SimResource} from './store.js'

export function notFound(type: string, name: string, group: string): ArmError {
  return new ArmError(404, 'ResourceNotFound', `The Resource '${type}/${name}' under resource group '${group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`)
}

export function requireBody(body: unknown): Record<string, unknown> {
  if (!isRecord(body)) throw new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized: the body must be a JSON object.')
  return body
}

/** The resource's location: required, and one the simulated cloud has. */
export function requireLocation(body: Record<string, unknown>, type: string): string {
  const location = body.location
  if (typeof location !== 'string' || location === '') throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.')
  const known = findLocation(location.replace(/\s+/g, ''))
  if (known === undefined) {
    throw new ArmError(400, 'LocationNotAvailableForResourceType', `The provided location '${location}' is not available for resource type '${type}'. List of available regions for the resource type is '${LOCATIONS.map((entry) => entry.name).join(',')}'.`)
  }
  return known.name
}

export function tagsOf(body: Record<string, unknown>): Record<string, string> {
  const tags = body.tags
  if (!isRecord(tags)) return {}
  return Object.fromEntries(Object.entries(tags).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))
}

export function propertiesOf(body: Record<string, unknown>): Record<string, unknown> {
  return isRecord(body.properties) ? body.properties : {}
}

/** A referenced resource ({"id": ...}) that must exist, with the network RP's error for one that does not. */
export function requireReference(context: ArmContext, reference: unknown, from: string): SimResource | undefined {
  if (reference === undefined || reference === null) return undefined
  const id = isRecord(reference) ? reference.id : undefined
  const found = typeof id === 'string' ? context.store.get(id) : undefined
  if (found === undefined || found.provisioningState === 'Deleting') {
    throw new ArmError(400, 'InvalidResourceReference', `Resource ${String(id)} referenced by resource ${from} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`)
  }
  return found
}

/**
 * Store a resource and answer its PUT as ARM does for a long-running create or update: 201 (new) or 200, the
 * resource with provisioningState Creating/Updating, and an Azure-AsyncOperation URL. `work` runs in the
 * background (a VM boots); afterwards the resource is Succeeded, or Failed when the work or an injection fails.
 */
export function beginPut(context: ArmContext, resource: SimResource, existed: boolean, view: (resource: SimResource) => unknown, work: () => Promise<void> = async () => {}): Reply {
  resource.provisioningState = existed ? 'Updating' : 'Creating'
  context.store.put(resource)
  const failure = context.asyncFailure
  const namespace = resource.type.split('/')[0]!
  const headers = context.operations.start(context.subscription, namespace, resource.location, async () => {
    try {
      if (failure !== undefined) throw failure
      await work()
      if (resource.provisioningState !== 'Deleting') resource.provisioningState = 'Succeeded'
    } catch (error) {
      if (resource.provisioningState !== 'Deleting') resource.provisioningState = 'Failed'
      throw error
    }
  }, {withLocation: false})
  return {status: existed ? 200 : 201, body: view(resource), headers}
}

/**
 * Answer a DELETE as ARM does: 204 for a resource that is not there, else 202 with the operation's URLs while
 * `work` removes it in the background.
 */
export function beginDelete(context: ArmContext, resource: SimResource | undefined, work: (resource: SimResource) => Promise<void>): Reply {
  if (resource === undefined) return {status: 204}
  if (resource.provisioningState === 'Deleting') throw new ArmError(409, 'Conflict', `The resource '${resource.id}' is already being deleted.`)
  const previous = resource.provisioningState
  resource.provisioningState = 'Deleting'
  const namespace = resource.type.split('/')[0]!
  const headers = context.operations.start(context.subscription, namespace, resource.location, async () => {
    try {
      await work(resource)
    } catch (error) {
      resource.provisioningState = previous
      throw error
    }
  }, {withLocation: true})
  return {status: 202, headers}
}

/** The common shape of a resource in ARM's answers. */
export function resourceView(resource: SimResource, properties: Record<string, unknown>): Record<string, unknown> {
  return {
    id: resource.id,
    name: resource.name,
    type: resource.type,
    ...(resource.type.split('/').length > 2 ? {} : {location: resource.location, tags: resource.tags}),
    ...(resource.sku === undefined ? {} : {sku: resource.sku}),
    properties: {...properties, provisioningState: resource.provisioningState},
  }
}
