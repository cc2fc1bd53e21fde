import type {ArmError, Reply, SimRequest} from './http.js'
import type {Machines} from './machines.js'
import type {Operations} from './operations.js'
import type {ResourceStore} from './store.js'

/** What a resource provider handler works with for one request. */
export interface ArmContext {
  store: ResourceStore
  operations: Operations
  machines: Machines
  /** The subscription in the request's path (already checked to exist). */
  subscription: string
  /** Keys (lower-case ids) of VMs with an operation in progress: ARM refuses a second one on the same VM. */
  busy: Set<string>
  /** A failure injected to end this request's long-running operation (the request itself is accepted). */
  asyncFailure: ArmError | undefined
}

/** A handler gets the request and the path's parameters (after the subscription id), in the path's own spelling. */
export type Handler = (context: ArmContext, request: SimRequest, params: string[]) => Reply | Promise<Reply>

export interface Route {
  method: string
  pattern: RegExp
  /** The SDK's name for the call ("virtualMachines.createOrUpdate"); injections and the call log use it. */
  operation: string
  handler: Handler
}

/** A route below /subscriptions/{id}; the pattern is the rest of the path, matched without regard to case. */
export function route(method: string, rest: string, operation: string, handler: Handler): Route {
  return {method, pattern: new RegExp(`^/subscriptions/([^/]+)${rest}$`, 'i'), operation, handler}
}

/** A path segment, captured. */
export const NAME = '([^/]+)'
