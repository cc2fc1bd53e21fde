import {requireBody, requireLocation, tagsOf} from './common.js'
import {removeVm, VM} from './compute.js'
import {route, type ArmContext, type Route} from './context.js'
import {ArmError, type Reply, type SimRequest} from './http.js'
import {groupId, type SimGroup} from './store.js'

/** Microsoft.Resources: resource groups (synchronous PUT, long-running DELETE of the group and all it holds) and their contents. */

const GROUP = '/resourcegroups/([^/]+)'

export const groupRoutes: Route[] = [
  route('HEAD', GROUP, 'resourceGroups.checkExistence', (context, _request, [name]) => ({status: context.store.group(context.subscription, name!) === undefined ? 404 : 204})),
  route('GET', GROUP, 'resourceGroups.get', (context, _request, [name]) => ({status: 200, body: groupView(context.store.requireGroup(context.subscription, name!))})),
  route('PUT', GROUP, 'resourceGroups.createOrUpdate', putGroup),
  route('DELETE', GROUP, 'resourceGroups.delete', deleteGroup),
  route('GET', `${GROUP}/resources`, 'resources.listByResourceGroup', (context, _request, [name]) => {
    context.store.requireGroup(context.subscription, name!)
    // Child resources (subnets) are listed with their parents only, as ARM does.
    const resources = context.store.inGroup(context.subscription, name!).filter((resource) => resource.type.split('/').length === 2)
    return {status: 200, body: {value: resources.map((resource) => ({id: resource.id, name: resource.name, type: resource.type, location: resource.location, tags: resource.tags}))}}
  }),
]

function groupView(group: SimGroup): Record<string, unknown> {
  return {
    id: group.id,
    name: group.name,
    type: 'Microsoft.Resources/resourceGroups',
    location: group.location,
    tags: group.tags,
    properties: {provisioningState: group.deleting ? 'Deleting' : 'Succeeded'},
  }
}

function putGroup(context: ArmContext, request: SimRequest, [name]: string[]): Reply {
  const body = requireBody(request.body)
  if (!/^[-\w._()]{1,90}$/.test(name!) || name!.endsWith('.')) {
    throw new ArmError(400, 'InvalidResourceGroup', `The provided resource group name '${name!}' has these invalid characters: '${name!.replace(/[-\w._()]/g, '')}'. The name can only be a letter, digit, '-', '.', '(', ')' or '_'.`)
  }
  const location = requireLocation(body, 'resourceGroups')
  const existing = context.store.group(context.subscription, name!)
  if (existing?.deleting === true) {
    throw new ArmError(409, 'ResourceGroupBeingDeleted', `The resource group '${existing.name}' is in deprovisioning state and cannot perform this operation.`)
  }
  if (existing !== undefined && existing.location !== location) {
    throw new ArmError(409, 'InvalidResourceGroupLocation', `Invalid resource group location '${location}'. The Resource group already exists in location '${existing.location}'.`)
  }
  const group: SimGroup = existing ?? {id: groupId(context.subscription, name!), subscription: context.subscription, name: name!, location, tags: {}, deleting: false}
  group.tags = tagsOf(body)
  context.store.putGroup(group)
  return {status: existing === undefined ? 201 : 200, body: groupView(group)}
}

/** Deleting a group deletes everything in it, VMs first (their hosts go down), then the group. */
function deleteGroup(context: ArmContext, _request: SimRequest, [name]: string[]): Reply {
  const group = context.store.requireGroup(context.subscription, name!)
  if (group.deleting) throw new ArmError(409, 'ResourceGroupBeingDeleted', `The resource group '${group.name}' is in deprovisioning state and cannot perform this operation.`)
  group.deleting = true
  const headers = context.operations.start(context.subscription, 'Microsoft.Resources', group.location, async () => {
    const contents = context.store.inGroup(context.subscription, group.name)
    await Promise.all(contents.filter((resource) => resource.type === VM).map((vm) => removeVm(context, vm)))
    for (const resource of context.store.inGroup(context.subscription, group.name)) context.store.delete(resource.id)
    context.store.deleteGroup(group)
  }, {withLocation: true})
  return {status: 202, headers}
}
