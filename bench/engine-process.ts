/**
 * Bench tool, run as its own process (dist/bench/engine-process.js CONFIG.json): Docker engine stand-ins for `berth ls`.
 * One HTTPS server per address of its share, all on one port, each with its own server certificate,
 * accepting only client certificates from the store's CA as `dockerd --tlsverify` does, and answering GET /version
 * with dockerd 20.10's body.
 * A real dockerd runs `runc --version` on every /version call, which would measure dockerd rather than berth.
 *
 * It prints one JSON line ({"port": N}) when every server listens, and exits when its stdin closes, so it can
 * never outlive the bench that started it.
 */
import {X509Certificate} from 'node:crypto'
import {readFileSync} from 'node:fs'
import https from 'node:https'
import type {Socket} from 'node:net'
import type {TLSSocket} from 'node:tls'
import type {EngineIdentity} from './engine-certs.js'
import {ENGINE_VERSION, VERSION_BODY, type EngineConfig, type EngineReady} from './engine.js'

const HEADERS = {'api-version': '1.41', 'docker-experimental': 'false', ostype: 'linux', server: `Docker/${ENGINE_VERSION} (linux)`}

const PORT_ATTEMPTS = 5

async function main(): Promise<void> {
  const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as EngineConfig
  const servers = await listenAll(config, new X509Certificate(config.caPem))
  const stop = (): void => {
    for (const server of servers) {
      server.close()
      server.closeAllConnections()
    }
    process.exit(0)
  }
  process.on('SIGTERM', stop)
  // A line "cpu" on stdin asks for the CPU time used so far: the bench reads the engines' share of a case.
  process.stdin.setEncoding('utf8')
  process.stdin.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (line.trim() === 'cpu') process.stdout.write(`${JSON.stringify({cpuUs: cpuUs()})}\n`)
    }
  })
  process.stdin.on('end', stop)
  process.stdin.on('close', stop)
  const ready: EngineReady = {port: (servers[0]!.address() as {port: number}).port, cpuUs: cpuUs()}
  process.stdout.write(`${JSON.stringify(ready)}\n`)
}

function cpuUs(): number {
  const usage = process.cpuUsage()
  return usage.user + usage.system
}

/** The first address picks a free port (unless given one); the others take the same one. Retried when another process holds it. */
async function listenAll(config: EngineConfig, ca: X509Certificate): Promise<https.Server[]> {
  for (let attempt = 1; ; attempt++) {
    const servers: https.Server[] = []
    try {
      let port = config.port ?? 0
      for (const engine of config.engines) {
        const server = createEngine(ca, engine)
        servers.push(server)
        port = await listen(server, engine.address, port)
      }
      return servers
    } catch (error) {
      for (const server of servers) server.close()
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= PORT_ATTEMPTS) throw error
    }
  }
}

/**
 * dockerd sends only the certificate in its server.pem; a Node server given `ca` would send the CA along with it
 * (OpenSSL builds the chain), which costs every client more parsing than a real engine does. So `ca` is left
 * out and the client certificate is checked here instead, as soon as the handshake ends and before any request
 * is read.
 */
function createEngine(ca: X509Certificate, engine: EngineIdentity): https.Server {
  const server = https.createServer({cert: engine.certPem, key: engine.keyPem, requestCert: true, rejectUnauthorized: false}, (request, response) => {
    // Content-Length rather than chunked, as Go's net/http sends a small answer.
    const answer = (status: number, body: string, type = 'application/json'): void => {
      response.writeHead(status, {...HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body)}).end(body)
    }
    if (request.method === 'GET' && (request.url === '/version' || /^\/v[\d.]+\/version$/.test(request.url ?? ''))) answer(200, VERSION_BODY)
    else if (request.url === '/_ping') answer(200, 'OK', 'text/plain; charset=utf-8')
    else answer(404, '{"message":"page not found"}')
  })
  server.on('secureConnection', (socket: TLSSocket) => {
    const client = socket.getPeerX509Certificate()
    if (client === undefined || !client.checkIssued(ca) || !client.verify(ca.publicKey)) socket.destroy()
  })
  server.on('tlsClientError', () => undefined)
  server.on('connection', (socket: Socket) => socket.on('error', () => undefined))
  return server
}

function listen(server: https.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve((server.address() as {port: number}).port)
    })
  })
}

await main().catch((error: unknown) => {
  process.stderr.write(`bench engine: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
