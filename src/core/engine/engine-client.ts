import {X509Certificate} from 'node:crypto'
import net, {type Socket} from 'node:net'
import tls from 'node:tls'
import {classifyEngineFailure, type ConnectionPhase} from './classify-error.js'
import {EngineError, type EngineErrorReason} from './engine-error.js'
import type {EngineAgent} from './engine-agent.js'
import {tlsConnectionOptions, type EngineTls} from './engine-tls.js'
import {parseEngineUrl, type EngineAddress} from './engine-url.js'
import {guarded, type Settle} from './guarded.js'
import {httpGetRequest, parseHttpResponse, type HttpResponse} from './http-response.js'
import {parseCa, verifyEnginePeer} from './peer-verify.js'

export type {EngineTls} from './engine-tls.js'

/** The client material, or a function that reads it, called only once the engine accepted the TCP connection. */
type EngineTlsSource = EngineTls | (() => EngineTls)

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
   * Share one agent across many calls (createEngineAgent: TLS context built once per EngineTls object).
   * Without one, every call builds its context. peerCertificate ignores it.
   */
  agent?: EngineAgent
  /** Replace the default hint per failure reason, e.g. with one naming the machine. */
  hints?: Partial<Record<EngineErrorReason, string>>
  /** Told the engine's certificate (PEM) once it is verified, for callers that keep a record of it. */
  onPeerCertificate?: (pem: string) => void
}

const DEFAULT_ENGINE_TIMEOUT_MS = 10_000

/**
 * Large enough for any answer berth asks for (/version, /info, the running containers); bounds what a misbehaving
 * service can make us buffer.
 */
const MAX_BODY_BYTES = 1024 * 1024

/**
 * GET /version from the engine over mutual TLS. The path is unversioned so that engines of any API version
 * answer. The engine's certificate must chain to tls.ca and name the host of the URL (IP SAN for IPs).
 */
export async function engineVersion(url: string, engineTls: EngineTlsSource, options: EngineCallOptions = {}): Promise<EngineVersion> {
  const address = parseEngineUrl(url)
  const body = await tlsGet(url, address, '/version', engineTls, options)
  return parseVersion(url, body, options)
}

/** GET `path` (unversioned, answered by engines of any API version) over mutual TLS, parsed as JSON. */
export async function engineGetJson(url: string, engineTls: EngineTlsSource, path: string, options: EngineCallOptions = {}): Promise<unknown> {
  const body = await tlsGet(url, parseEngineUrl(url), path, engineTls, options)
  try {
    return JSON.parse(body) as unknown
  } catch {
    throw new EngineError('http', url, `The engine at ${url} answered GET ${path} with something other than JSON.`, withHint(options, 'http'))
  }
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

/**
 * GET `path` on a TLS connection of our own, closed after the answer. The engine's certificate is verified
 * (verifyEnginePeer) once the handshake is done and before the request is written, so an engine we do not
 * trust never receives a byte of it.
 */
function tlsGet(url: string, address: EngineAddress, path: string, source: EngineTlsSource, options: EngineCallOptions): Promise<string> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_ENGINE_TIMEOUT_MS
  const httpError = (problem: string): EngineError => new EngineError('http', url, `The engine at ${url} ${problem} (GET ${path}).`, withHint(options, 'http'))
  return guarded<string>({timeoutMs, signal: options.signal}, (settle) => {
    // TCP first: an engine that refuses the connection costs no certificate reading and no TLS set-up.
    const tcp = net.connect({host: address.host, port: address.port})
    const tracker = trackPhase(tcp)
    const fail = (error: Error): void => settle.fail(classifyEngineFailure(error, {url, phase: tracker.phase, hints: options.hints}))
    tcp.on('error', fail)
    let socket: tls.TLSSocket | undefined
    tcp.once('connect', () => {
      let engineTls: EngineTls
      try {
        engineTls = typeof source === 'function' ? source() : source
      } catch (error) {
        settle.fail(error instanceof Error ? error : new Error(String(error)))
        return
      }
      const ca = options.agent?.caFor(engineTls) ?? parseCa(engineTls.ca)
      socket = tls.connect({socket: tcp, ...tlsConnectionOptions(address, engineTls, options.agent?.secureContextFor(engineTls))})
      socket.on('error', fail)
      socket.once('secureConnect', () => {
        tracker.phase = 'secured'
        const peer = socket!.getPeerX509Certificate()
        const untrusted = ca instanceof Error ? ca : verifyEnginePeer(peer, address, ca)
        if (untrusted !== undefined) {
          settle.fail(classifyEngineFailure(untrusted, {url, phase: 'handshaking', hints: options.hints}))
          return
        }
        if (peer !== undefined) options.onPeerCertificate?.(peer.toString())
        socket!.write(httpGetRequest(address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`, path))
      })
      readResponse(socket, settle, httpError, (response) => {
        if (response.status === 200) return settle.ok(response.body.toString('utf8'))
        const status = `${response.status} ${response.statusText}`.trim()
        settle.fail(new EngineError('http', url, `The engine at ${url} answered GET ${path} with HTTP ${status}.`, withHint(options, 'http')))
      })
    })
    return {destroy: () => (socket ?? tcp).destroy(), timeoutError: () => timeoutError(url, tracker.phase, timeoutMs, `answer GET ${path}`, options)}
  })
}

/** Collect the answer until it is complete (or too large), then close the socket and hand it over. */
function readResponse(socket: tls.TLSSocket, settle: Settle<string>, broken: (problem: string) => EngineError, done: (response: HttpResponse) => void): void {
  const chunks: Buffer[] = []
  let size = 0
  const check = (ended: boolean): void => {
    let response: HttpResponse | undefined
    try {
      response = parseHttpResponse(Buffer.concat(chunks), ended)
    } catch (error) {
      settle.fail(broken(error instanceof Error ? error.message : String(error)))
      return
    }
    if (response === undefined) return
    socket.destroy()
    done(response)
  }
  socket.on('data', (chunk: Buffer) => {
    size += chunk.length
    if (size > MAX_BODY_BYTES) {
      settle.fail(broken(`sent more than ${MAX_BODY_BYTES} bytes`))
      return
    }
    chunks.push(chunk)
    check(false)
  })
  socket.once('end', () => check(true))
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
