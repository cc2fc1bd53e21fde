// Real handshakes with the certificates: node:tls for mutual TLS, and the docker CLI (Go's crypto/x509 and
// crypto/tls, the client berth's users run) when it is installed.
import {execFile} from 'node:child_process'
import {writeFile} from 'node:fs/promises'
import {createServer as createHttpsServer} from 'node:https'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'
import {connect, createServer, type ConnectionOptions, type Server, type TLSSocket} from 'node:tls'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {createCertificateAuthority, issueClientCertificate, issueServerCertificate, type CertificateAndKey} from '../../../src/core/certs/authority.js'
import {tempDir} from './helpers.js'

const execFileAsync = promisify(execFile)
const dockerInstalled = await hasDocker()

interface Outcome {
  data: string
  authorized: boolean
  error: (Error & {code?: string}) | undefined
}

describe('TLS with berth certificates', () => {
  let ca: CertificateAndKey
  let client: CertificateAndKey
  let server: CertificateAndKey
  let strangerClient: CertificateAndKey
  let tlsServer: Server
  let port: number
  const serverSide: Array<{authorized: boolean; error?: string}> = []

  beforeAll(async () => {
    const [ours, theirs] = await Promise.all([createCertificateAuthority({organization: 'ci_user'}), createCertificateAuthority({organization: 'ci_user'})])
    ca = ours
    ;[client, server, strangerClient] = await Promise.all([
      issueClientCertificate(ca, {organization: 'ci_user.client'}),
      issueServerCertificate(ca, {organization: 'ci_user.m1', sans: ['localhost', '127.0.0.1']}),
      issueClientCertificate(theirs, {organization: 'ci_user.client'}),
    ])
    // The engine's side, as dockerd sets it up with --tlsverify: only clients with a certificate from the CA.
    tlsServer = createServer({key: server.keyPem, cert: server.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true}, (socket) => {
      serverSide.push({authorized: socket.authorized})
      socket.end('hello from the engine')
    })
    tlsServer.on('tlsClientError', (error: Error & {code?: string}) => serverSide.push({authorized: false, error: error.code ?? error.message}))
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve))
    port = (tlsServer.address() as AddressInfo).port
  })

  afterAll(async () => {
    await new Promise((resolve) => tlsServer.close(resolve))
  })

  it('completes mutual TLS by IP address, authorized on both ends, and data flows', async () => {
    serverSide.length = 0
    const outcome = await talk({host: '127.0.0.1', port, ca: ca.certPem, cert: client.certPem, key: client.keyPem})
    expect(outcome).toEqual({data: 'hello from the engine', authorized: true, error: undefined})
    expect(serverSide).toEqual([{authorized: true}])
  })

  it('accepts the DNS SAN localhost as the server name', async () => {
    const outcome = await talk({host: '127.0.0.1', servername: 'localhost', port, ca: ca.certPem, cert: client.certPem, key: client.keyPem})
    expect(outcome.authorized).toBe(true)
    expect(outcome.data).toBe('hello from the engine')
  })

  it('turns away a client certificate from another CA', async () => {
    serverSide.length = 0
    // With TLS 1.3 the client may see secureConnect before the server's rejection arrives: wait for the end.
    const outcome = await talk({host: '127.0.0.1', port, ca: ca.certPem, cert: strangerClient.certPem, key: strangerClient.keyPem})
    expect(outcome.data).toBe('')
    // The server never let the connection through to its handler: it dropped it during or right after the handshake.
    expect(serverSide.some((connection) => connection.authorized)).toBe(false)
  })

  it('turns away a client without a certificate', async () => {
    serverSide.length = 0
    const outcome = await talk({host: '127.0.0.1', port, ca: ca.certPem})
    expect(outcome.data).toBe('')
    expect(serverSide.some((connection) => connection.authorized)).toBe(false)
    expect(outcome.error?.code).toMatch(/CERTIFICATE_REQUIRED|ALERT|ECONNRESET/)
  })

  it('fails on a name the certificate does not cover', async () => {
    const outcome = await talk({host: '127.0.0.1', servername: 'elsewhere.example.test', port, ca: ca.certPem, cert: client.certPem, key: client.keyPem})
    expect(outcome.error?.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID')
    expect(outcome.data).toBe('')
  })

  it.skipIf(!dockerInstalled)('satisfies the docker CLI (Go crypto/tls) in both directions', async () => {
    const dir = await tempDir('docker-cli')
    const seen: boolean[] = []
    // Just enough of the Engine API for `docker version` to print the server's version.
    const engine = createHttpsServer({key: server.keyPem, cert: server.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true}, (request, response) => {
      seen.push((request.socket as TLSSocket).authorized)
      const headers = {'Api-Version': '1.45', 'Content-Type': 'application/json'}
      if (request.url?.endsWith('/version')) {
        response.writeHead(200, headers).end(JSON.stringify({Version: 'berth-test-engine', ApiVersion: '1.45', MinAPIVersion: '1.24', Os: 'linux', Arch: 'amd64'}))
      } else {
        response.writeHead(200, headers).end('OK')
      }
    })
    try {
      await new Promise<void>((resolve) => engine.listen(0, '127.0.0.1', resolve))
      const enginePort = (engine.address() as AddressInfo).port
      for (const [name, text] of [['ca.pem', ca.certPem], ['cert.pem', client.certPem], ['key.pem', client.keyPem]] as const) {
        await writeFile(join(dir.path, name), text, {mode: 0o600})
      }
      const {stdout} = await execFileAsync('docker', ['version', '--format', '{{.Server.Version}}'], {
        env: {PATH: process.env.PATH, HOME: dir.path, DOCKER_CONFIG: dir.path, DOCKER_HOST: `tcp://127.0.0.1:${enginePort}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir.path},
        timeout: 30_000,
      })
      expect(stdout.trim()).toBe('berth-test-engine')
      expect(seen.length).toBeGreaterThan(0)
      expect(seen.every(Boolean)).toBe(true)
    } finally {
      await new Promise((resolve) => engine.close(resolve))
      await dir.remove()
    }
  })
})

/** Connect, read until the server closes, and report what came through and how it ended. */
function talk(options: ConnectionOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    let data = ''
    let error: Outcome['error']
    const socket = connect(options)
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      data += chunk
    })
    socket.on('error', (failure: Error & {code?: string}) => {
      error ??= failure
    })
    socket.on('close', () => resolve({data, authorized: socket.authorized, error}))
  })
}

async function hasDocker(): Promise<boolean> {
  try {
    await execFileAsync('docker', ['--version'])
    return true
  } catch {
    return false
  }
}
