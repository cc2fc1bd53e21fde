import {REGIONS, SIZES} from './catalog.js'
import type {Cloud} from './cloud.js'
import type {Account} from './model.js'
import {accountView, actionView, dropletView, keyView} from './views.js'

export interface ApiRequest {
  account: Account
  params: Record<string, string>
  query: URLSearchParams
  body: Record<string, unknown>
  /** The API's base URL as the client reached it, for paging links. */
  base: string
  path: string
}

export interface ApiAnswer {
  status: number
  body?: unknown
}

export interface Route {
  method: string
  /** "/v2/droplets/:id": the route's name in call counts and failure rules. */
  pattern: string
  handle(request: ApiRequest): ApiAnswer
}

const ok = (body: unknown, status = 200): ApiAnswer => ({status, body})

/** The v2 endpoints berth's driver uses, plus the listings a user would look at. */
export function routes(cloud: Cloud): Route[] {
  const droplet = (request: ApiRequest): Record<string, unknown> => {
    const record = cloud.droplet(request.account, request.params.id!)
    return dropletView(record, cloud.pending(record))
  }
  return [
    {method: 'GET', pattern: '/v2/account', handle: (request) => ok({account: accountView(request.account)})},
    {method: 'GET', pattern: '/v2/account/keys', handle: (request) => ok(page(request, 'ssh_keys', cloud.accountKeys(request.account).map(keyView)))},
    {method: 'POST', pattern: '/v2/account/keys', handle: (request) => ok({ssh_key: keyView(cloud.createKey(request.account, request.body))}, 201)},
    {method: 'GET', pattern: '/v2/account/keys/:id', handle: (request) => ok({ssh_key: keyView(cloud.key(request.account, request.params.id!))})},
    {method: 'DELETE', pattern: '/v2/account/keys/:id', handle: (request) => {
      cloud.deleteKey(request.account, request.params.id!)
      return {status: 204}
    }},
    {method: 'GET', pattern: '/v2/regions', handle: (request) => ok(page(request, 'regions', [...REGIONS]))},
    {method: 'GET', pattern: '/v2/sizes', handle: (request) => ok(page(request, 'sizes', [...SIZES]))},
    {method: 'GET', pattern: '/v2/images/:id', handle: (request) => ok({image: cloud.image(request.params.id!)})},
    {method: 'GET', pattern: '/v2/droplets', handle: (request) => {
      const tag = request.query.get('tag_name')
      const droplets = cloud.accountDroplets(request.account).filter((record) => tag === null || record.tags.includes(tag))
      return ok(page(request, 'droplets', droplets.map((record) => dropletView(record, cloud.pending(record)))))
    }},
    {method: 'POST', pattern: '/v2/droplets', handle: (request) => {
      const {droplet: record, action} = cloud.createDroplet(request.account, request.body)
      return ok({droplet: dropletView(record, true), links: {actions: [{id: action.id, rel: 'create', href: `${request.base}/v2/actions/${action.id}`}]}}, 202)
    }},
    {method: 'GET', pattern: '/v2/droplets/:id', handle: (request) => ok({droplet: droplet(request)})},
    {method: 'DELETE', pattern: '/v2/droplets/:id', handle: (request) => {
      cloud.deleteDroplet(request.account, request.params.id!)
      return {status: 204}
    }},
    {method: 'POST', pattern: '/v2/droplets/:id/actions', handle: (request) => ok({action: actionView(cloud.dropletAction(request.account, request.params.id!, request.body.type))}, 201)},
    {method: 'GET', pattern: '/v2/droplets/:id/actions', handle: (request) => ok(page(request, 'actions', cloud.dropletActions(request.account, request.params.id!).map(actionView)))},
    {method: 'GET', pattern: '/v2/droplets/:id/actions/:action', handle: (request) => ok({action: actionView(cloud.action(request.account, request.params.action!, request.params.id))})},
    {method: 'GET', pattern: '/v2/actions/:id', handle: (request) => ok({action: actionView(cloud.action(request.account, request.params.id!))})},
  ]
}

/** The route a path belongs to, and its parameters. */
export function matchRoute(all: readonly Route[], method: string, path: string): {route: Route; params: Record<string, string>} | undefined {
  const parts = path.replace(/\/+$/, '').split('/')
  for (const route of all) {
    if (route.method !== method) continue
    const pattern = route.pattern.split('/')
    if (pattern.length !== parts.length) continue
    const params: Record<string, string> = {}
    if (pattern.every((part, index) => part.startsWith(':') ? (params[part.slice(1)] = decodeURIComponent(parts[index]!)) !== '' : part === parts[index])) return {route, params}
  }
  return undefined
}

/** One page of a listing with the API's links (first/prev, next/last) and meta.total; per_page defaults to 20, at most 200. */
function page<T>(request: ApiRequest, key: string, items: T[]): Record<string, unknown> {
  const perPage = Math.min(200, Math.max(1, Number(request.query.get('per_page') ?? 20) || 20))
  const last = Math.max(1, Math.ceil(items.length / perPage))
  const current = Math.max(1, Number(request.query.get('page') ?? 1) || 1)
  const link = (number: number): string => {
    const query = new URLSearchParams(request.query)
    query.set('page', String(number))
    query.set('per_page', String(perPage))
    return `${request.base}${request.path}?${query.toString()}`
  }
  const pages: Record<string, string> = {}
  if (current > 1) Object.assign(pages, {first: link(1), prev: link(Math.min(current - 1, last))})
  if (current < last) Object.assign(pages, {next: link(current + 1), last: link(last)})
  return {[key]: items.slice((current - 1) * perPage, current * perPage), links: Object.keys(pages).length === 0 ? {} : {pages}, meta: {total: items.length}}
}
