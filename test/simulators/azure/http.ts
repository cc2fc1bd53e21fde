import {randomUUID} from 'node:crypto'
import type {IncomingMessage, ServerResponse} from 'node:http'

/** An error as Azure Resource Manager answers it: a status and {"error": {"code", "message", "target"?}}. */
export class ArmError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly extra: {target?: string; retryAfterSeconds?: number} = {}) {
    super(message)
  }

  body(): {error: {code: string; message: string; target?: string}} {
    return {error: {code: this.code, message: this.message, ...(this.extra.target === undefined ? {} : {target: this.extra.target})}}
  }
}

/** One request as the simulator sees it: the method, the path split into segments, the query and the JSON body. */
export interface SimRequest {
  method: string
  path: string
  segments: string[]
  query: URLSearchParams
  headers: IncomingMessage['headers']
  rawBody: string
  /** The body parsed as JSON; undefined when empty (form bodies are read from rawBody). */
  body: unknown
}

export async function readRequest(request: IncomingMessage): Promise<SimRequest> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  const rawBody = Buffer.concat(chunks).toString('utf8')
  const url = new URL(request.url ?? '/', 'https://simulator')
  let body: unknown
  const type = request.headers['content-type'] ?? ''
  if (rawBody !== '' && type.includes('json')) {
    try {
      body = JSON.parse(rawBody)
    } catch {
      throw new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.')
    }
  }
  const path = url.pathname.replace(/\/+$/, '')
  return {method: request.method ?? 'GET', path, segments: path.split('/').filter(Boolean).map(decodeURIComponent), query: url.searchParams, headers: request.headers, rawBody, body}
}

export interface Reply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

export function send(response: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = {
    'x-ms-request-id': randomUUID(),
    'x-ms-correlation-request-id': randomUUID(),
    'cache-control': 'no-cache',
    ...reply.headers,
  }
  if (reply.body === undefined) {
    response.writeHead(reply.status, headers).end()
    return
  }
  const text = JSON.stringify(reply.body)
  response.writeHead(reply.status, {...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text))}).end(text)
}

export function errorReply(error: ArmError): Reply {
  return {
    status: error.status,
    body: error.body(),
    headers: {
      ...(error.status === 404 || error.status === 401 ? {'x-ms-failure-cause': 'gateway'} : {}),
      ...(error.extra.retryAfterSeconds === undefined ? {} : {'retry-after': String(error.extra.retryAfterSeconds)}),
    },
  }
}

/** Plain objects only: what a JSON body's nested properties must be. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A nested value of a JSON body, by path ("properties.hardwareProfile.vmSize", "ipConfigurations.0.name"). */
export function pick(value: unknown, path: string): unknown {
  let current = value
  for (const key of path.split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(key)) current = current[Number(key)]
    else if (isRecord(current)) current = current[key]
    else return undefined
  }
  return current
}

/** A value from a request body for an error message: strings as they are, anything else as JSON. */
export function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? 'null'
}
