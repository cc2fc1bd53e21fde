/**
 * Test tool: small stand-ins for a Docker engine on loopback, for the cases a real dockerd cannot easily show
 * (a certificate for the wrong address, IPv6, HTTP errors, a port that accepts but never answers).
 */
import {X509Certificate} from 'node:crypto'
import https from 'node:https'
import type {TLSSocket} from 'node:tls'
import {createServer, type Server, type Socket} from 'node:net'

export interface FakeServer {
  url: string
  port: number
  /** Connections the server accepted that are still open. */
  openConnections(): number
  close(): Promise<void>
}

export interface FakeEngineOptions {
  certPem: string
  keyPem: string
  /** The CA client certificates must come from. */
  caPem: string
  host?: string
  /** Status and body for every request; default a 20.10-like /version answer. */
  respond?: (path: string) => {status: number; body: string}
  /** Called with the client certificate (PEM) of every request. */
  onClientCert?: (pem: string) => void
  /** Send bodies chunked, without a Content-Length. */
  chunked?: boolean
}

export const FAKE_VERSION = {Version: '99.0.0-fake', ApiVersion: '1.99', Os: 'linux', Arch: 'amd64'}

/** An HTTPS server that demands a client certificate from caPem, like dockerd --tlsverify. */
export async function startFakeEngine(options: FakeEngineOptions): Promise<FakeServer> {
  const respond = options.respond ?? (() => ({status: 200, body: JSON.stringify(FAKE_VERSION)}))
  const server = https.createServer({cert: options.certPem, key: options.keyPem, ca: options.caPem, requestCert: true, rejectUnauthorized: true}, (request, response) => {
    const {status, body} = respond(request.url ?? '/')
    const {raw} = (request.socket as TLSSocket).getPeerCertificate()
    if (raw !== undefined) options.onClientCert?.(new X509Certificate(raw).toString())
    response.writeHead(status, {'content-type': 'application/json'})
    if (options.chunked === true) {
      // Two writes before end make node send the body chunked.
      response.write(body.slice(0, 5))
      response.write(body.slice(5))
      response.end()
    } else {
      response.end(body)
    }
  })
  return listen(server, options.host ?? '127.0.0.1')
}

/** A TCP server that accepts connections and never sends a byte (a hung engine, a black-holing proxy). */
export async function startSilentServer(host = '127.0.0.1'): Promise<FakeServer> {
  // Reading (and dropping) what arrives lets the server see the client's FIN and close its side.
  return listen(createServer((socket) => socket.resume()), host)
}

/** A plain HTTP answer on a port where TLS is expected (dockerd on 2375, a web server). */
export async function startPlainHttpServer(host = '127.0.0.1'): Promise<FakeServer> {
  return listen(createServer((socket) => {
    socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'))
    socket.on('error', () => undefined)
  }), host)
}

async function listen(server: Server, host: string): Promise<FakeServer> {
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
  })
  // TLS failures are the point of several tests; they must not crash the server.
  server.on('tlsClientError', () => undefined)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, resolve)
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('fake server has no TCP address')
  const hostPart = host.includes(':') ? `[${host}]` : host
  return {
    url: `tcp://${hostPart}:${address.port}`,
    port: address.port,
    openConnections: () => sockets.size,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resolve())
    }),
  }
}
