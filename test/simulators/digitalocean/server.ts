import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import type {FailureAnswer, FailureRules} from './failures.js'
import {ApiFailure, type Account} from './model.js'
import {matchRoute, type ApiAnswer, type Route} from './routes.js'

/** One request as the simulator saw it. */
export interface CallRecord {
  method: string
  /** "GET /v2/droplets/:id", or the raw path for a request no route knows. */
  route: string
  path: string
  status: number
  /** The token's account, when the token was good. */
  account?: string
}

const RATE_LIMIT = 5000
const HOUR_MS = 3_600_000

/**
 * DigitalOcean's v2 API over HTTP on 127.0.0.1: Bearer authentication, JSON bodies, the ratelimit-* headers on every
 * answer, {"id", "message"} errors, and failures injected per route.
 */
export class ApiServer {
  readonly calls: CallRecord[] = []
  private readonly recent = new Map<string, number[]>()

  private readonly server: Server
  private address = ''

  private constructor(private readonly routes: readonly Route[], private readonly accounts: ReadonlyMap<string, Account>, private readonly failures: FailureRules) {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        // A bug of the simulator: the client sees a 500, the test sees the error in its output.
        console.error('DigitalOcean simulator:', error)
        if (!response.headersSent) response.writeHead(500, {'content-type': 'application/json'}).end(JSON.stringify({id: 'server_error', message: 'Server Error'}))
      })
    })
  }

  static async start(routes: readonly Route[], accounts: ReadonlyMap<string, Account>, failures: FailureRules): Promise<ApiServer> {
    const api = new ApiServer(routes, accounts, failures)
    await new Promise<void>((resolve, reject) => {
      api.server.once('error', reject)
      api.server.listen(0, '127.0.0.1', () => resolve())
    })
    api.address = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`
    return api
  }

  /** http://127.0.0.1:PORT, the API's base without /v2. */
  get base(): string {
    return this.address
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise((resolve) => this.server.close(resolve))
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.base)
    const method = request.method ?? 'GET'
    const matched = matchRoute(this.routes, method, url.pathname)
    const record: CallRecord = {method, route: matched === undefined ? `${method} ${url.pathname}` : `${method} ${matched.route.pattern}`, path: url.pathname, status: 0}
    this.calls.push(record)
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1]
    const account = token === undefined ? undefined : this.accounts.get(token)
    let answer: ApiAnswer | FailureAnswer
    try {
      const body = await readJson(request)
      if (account === undefined) throw new ApiFailure(401, 'unauthorized', 'Unable to authenticate you')
      record.account = account.token
      if (matched === undefined) throw new ApiFailure(404, 'not_found', 'The resource you were accessing could not be found.')
      const failure = this.failures.match(record.route)
      const call = (): ApiAnswer => matched.route.handle({account, params: matched.params, query: url.searchParams, body, base: this.base, path: url.pathname})
      if (failure === undefined) answer = call()
      else {
        if (failure.after === true) carryOut(call)
        answer = failure.answer
      }
    } catch (error) {
      if (!(error instanceof ApiFailure)) throw error
      answer = {status: error.status, id: error.id, message: error.message}
    }
    record.status = answer.status
    // Status 0: the connection is cut without an answer.
    if (answer.status === 0) {
      response.socket?.destroy()
      return
    }
    const headers = {'content-type': 'application/json; charset=utf-8', ...this.rateLimitHeaders(account), ...('headers' in answer && typeof answer.headers === 'function' ? answer.headers() : {})}
    const payload = 'id' in answer ? {id: answer.id, message: answer.message} : answer.body
    response.writeHead(answer.status, headers).end(payload === undefined ? undefined : JSON.stringify(payload))
  }

  /** The hourly limit as DigitalOcean reports it: requests left in the last hour, and when the oldest of them expires. */
  private rateLimitHeaders(account: Account | undefined): Record<string, string> {
    if (account === undefined) return {}
    const now = Date.now()
    const recent = (this.recent.get(account.token) ?? []).filter((at) => at > now - HOUR_MS)
    recent.push(now)
    this.recent.set(account.token, recent)
    return {
      'ratelimit-limit': String(RATE_LIMIT),
      'ratelimit-remaining': String(Math.max(0, RATE_LIMIT - recent.length)),
      'ratelimit-reset': String(Math.ceil((recent[0]! + HOUR_MS) / 1000)),
    }
  }
}

/** A request whose answer is replaced by a failure still happens; its own refusal does not matter then. */
function carryOut(call: () => ApiAnswer): void {
  try {
    call()
  } catch (error) {
    if (!(error instanceof ApiFailure)) throw error
  }
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8').trim()
  if (text === '') return {}
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>
  } catch {
    // answered below
  }
  throw new ApiFailure(400, 'bad_request', 'The request body is not a JSON object.')
}
