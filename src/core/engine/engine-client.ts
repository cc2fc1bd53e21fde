import {X509Certificate} from 'node:crypto'
import type {IncomingMessage} from 'node:http'
import https from 'node:https'
import type {Socket} from 'node:net'
import tls from 'node:tls'
import {classifyEngineFailure, type ConnectionPhase} from './classify-error.js'
import {EngineError, type EngineErrorReason} from './engine-error.js'
import {EngineAgent} from './engine-agent.js'
import {tlsConnectionOptions, type EngineTls} from './engine-tls.js'
import {parseEngineUrl, type EngineAddress} from './engine-url.js'
import {guarded, type Settle} from './guarded.js'

export type {EngineTls} from './engine-tls.js'

export interface EngineVersion {
  version: string
  apiVersion: string
  os: string
  arch: string
}

export interface EngineCallOptions {
  signal?: AbortSignal
  /** Deadline for the whole call: connect, TLS handshake and answer. Default 10 s (Docker Machine's ls default). */
  timeoutMs?: number
  /**
   * Share one agent across many calls (createEngineAgent: TLS sessions resumed, TLS context built once per
   * EngineTls object). Without one, every call builds its context and makes a full handshake on a connection
   * of its own. peerCertificate ignores it.
   */
  agent?: https.Agent
  /** Replace the default hint per failure reason, e.g. with one naming the machine. */
  hints?: Partial<Record<EngineErrorReason, string>>
}

export const DEFAULT_ENGINE_TIMEOUT_MS = 10_000

/** Large enough for any /version answer; bounds what a misbehaving service can make us buffer. */
const MAX_BODY_BYTES = 1024 * 1024

/**
 * GET /version from the engine over mutual TLS. The path is unversioned so that engines of any API version
 * answer. The engine's certificate must chain to tls.ca and name the host of the URL (IP SAN for IPs).
 */
export async function engineVersion(url: string, engineTls: EngineTls, options: EngineCallOptions = {}): Promise<EngineVersion> {
  const address = parseEngineUrl(url)
  const body = await httpsGet(url, address, '/version', engineTls, options)
  return parseVersion(url, body, options)
}

/**
 * Complete a TLS handshake with our client certificate, without rejecting an untrusted engine, and return the
 * certificate the engine presented (PEM), so that berth can say which CA and SANs the engine really has.
 */
export async function peerCertificate(url: string, engineTls: EngineTls, options: EngineCallOptions = {}): Promise<string> {
  const address = parseEngineUrl(url)
  const timeoutMs = options.timeoutMs ?? DEFAULT_ENGINE_TIMEOUT_MS
  return guarded<string>({timeoutMs, signal: options.signal}, (settle) => {
    const socket = tls.connect({
      host: address.host,
      port: address.port,
      ...tlsConnectionOptions(address, engineTls),
      // Only this call may skip verification: it reads the certificate, and sends nothing over the connection.
      rejectUnauthorized: false,
    })
    const tracker = trackPhase(socket)
    socket.once('secureConnect', () => {
      const {raw} = socket.getPeerCertificate()
      socket.destroy()
      if (raw === undefined || raw.length === 0) {
        settle.fail(new EngineError('tls', url, `The engine at ${url} presented no certificate.`, withHint(options, 'tls')))
      } else {
        settle.ok(new X509Certificate(raw).toString())
      }
    })
    socket.on('error', (error) => settle.fail(classifyEngineFailure(error, {url, phase: tracker.phase, hints: options.hints})))
    return {destroy: () => socket.destroy(), timeoutError: () => timeoutError(url, tracker.phase, timeoutMs, 'complete a TLS handshake', options)}
  })
}

function httpsGet(url: string, address: EngineAddress, path: string, engineTls: EngineTls, options: EngineCallOptions): Promise<string> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_ENGINE_TIMEOUT_MS
  return guarded<string>({timeoutMs, signal: options.signal}, (settle) => {
    let tracker: {phase: ConnectionPhase} = {phase: 'connecting'}
    const request = https.request({
      host: address.host,
      port: address.port,
      path,
      method: 'GET',
      headers: {accept: 'application/json'},
      ...tlsConnectionOptions(address, engineTls, options.agent instanceof EngineAgent ? options.agent.secureContextFor(engineTls) : undefined),
      // agent false: a connection of our own, closed after the answer, with no state shared between calls.
      agent: options.agent ?? false,
    })
    request.on('socket', (socket) => {
      tracker = trackPhase(socket)
    })
    request.on('error', (error) => settle.fail(classifyEngineFailure(error, {url, phase: tracker.phase, hints: options.hints})))
    request.on('response', (response) => {
      if (response.statusCode !== 200) {
        response.resume()
        const status = `${response.statusCode ?? '?'} ${response.statusMessage ?? ''}`.trim()
        settle.fail(new EngineError('http', url, `The engine at ${url} answered GET ${path} with HTTP ${status}.`, withHint(options, 'http')))
        return
      }
      readBody(response, settle, (problem) => new EngineError('http', url, `The engine at ${url} ${problem} (GET ${path}).`, withHint(options, 'http')))
    })
    request.end()
    return {destroy: () => request.destroy(), timeoutError: () => timeoutError(url, tracker.phase, timeoutMs, `answer GET ${path}`, options)}
  })
}

function readBody(response: IncomingMessage, settle: Settle<string>, broken: (problem: string) => EngineError): void {
  const chunks: Buffer[] = []
  let size = 0
  response.on('data', (chunk: Buffer) => {
    size += chunk.length
    if (size > MAX_BODY_BYTES) {
      settle.fail(broken(`sent more than ${MAX_BODY_BYTES} bytes`))
      response.destroy()
      return
    }
    chunks.push(chunk)
  })
  response.on('end', () => settle.ok(Buffer.concat(chunks).toString('utf8')))
  response.on('error', (error) => settle.fail(broken(`broke off its answer (${error.message})`)))
}

/** Follow a socket through connect and TLS handshake, so failures can say how far they got. */
function trackPhase(socket: Socket): {phase: ConnectionPhase} {
  // A socket reused by a keep-alive agent arrives already secured.
  const initial: ConnectionPhase = (socket as tls.TLSSocket).authorized ? 'secured' : socket.connecting ? 'connecting' : 'handshaking'
  const tracker = {phase: initial}
  socket.once('connect', () => {
    if (tracker.phase === 'connecting') tracker.phase = 'handshaking'
  })
  socket.once('secureConnect', () => {
    tracker.phase = 'secured'
  })
  return tracker
}

function timeoutError(url: string, phase: ConnectionPhase, timeoutMs: number, what: string, options: EngineCallOptions): EngineError {
  const seconds = `${timeoutMs / 1000}s`
  const message = {
    connecting: `Cannot connect to the Docker engine at ${url} within ${seconds}.`,
    handshaking: `The engine at ${url} accepted the connection but did not complete a TLS handshake within ${seconds}.`,
    secured: `The engine at ${url} did not ${what} within ${seconds}.`,
  }[phase]
  return new EngineError('timeout', url, message, withHint(options, 'timeout'))
}

function withHint(options: EngineCallOptions, reason: EngineErrorReason): {hint?: string} {
  const hint = options.hints?.[reason]
  return hint === undefined ? {} : {hint}
}

function parseVersion(url: string, body: string, options: EngineCallOptions): EngineVersion {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    parsed = undefined
  }
  const field = (name: string): string | undefined => {
    const value = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[name] : undefined
    return typeof value === 'string' ? value : undefined
  }
  const version = field('Version')
  const apiVersion = field('ApiVersion')
  if (version === undefined || apiVersion === undefined) {
    throw new EngineError('http', url, `The service at ${url} answered GET /version with something other than a Docker engine version.`, withHint(options, 'http'))
  }
  return {version, apiVersion, os: field('Os') ?? '', arch: field('Arch') ?? ''}
}
