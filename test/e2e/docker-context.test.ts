import {execFile} from 'node:child_process'
import {generateKeyPairSync} from 'node:crypto'
import {existsSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {createServer, type Server} from 'node:https'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import forge from 'node-forge'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {DockerContextConflictError, DockerContextStore} from '../../src/core/client/docker-context.js'

// The real docker CLI must accept the context store berth writes: list it, inspect it, switch to it, and
// reach an engine over TLS with the material berth stored.
const run = promisify(execFile)
const CLIS = ['/usr/local/bin/docker', '/usr/bin/docker'].map((path) => ({path, present: existsSync(path)}))

interface Pki {
  ca: string
  serverCert: string
  serverKey: string
  clientCert: string
  clientKey: string
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, as berth's TLS setup has them. */
function makePki(): Pki {
  const keyPair = () => {
    const {privateKey} = generateKeyPairSync('rsa', {modulusLength: 2048})
    const pem = privateKey.export({type: 'pkcs1', format: 'pem'}).toString()
    const key = forge.pki.privateKeyFromPem(pem)
    return {pem, key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e)}
  }
  const issue = (serial: string, cn: string, subjectKey: forge.pki.PublicKey, signer: forge.pki.rsa.PrivateKey, issuer: forge.pki.CertificateField[] | undefined, extensions: object[]) => {
    const cert = forge.pki.createCertificate()
    cert.serialNumber = serial
    cert.publicKey = subjectKey
    cert.validity.notBefore = new Date(Date.now() - 60_000)
    cert.validity.notAfter = new Date(Date.now() + 86_400_000)
    const subject = [{name: 'commonName', value: cn}]
    cert.setSubject(subject)
    cert.setIssuer(issuer ?? subject)
    cert.setExtensions(extensions)
    cert.sign(signer, forge.md.sha256.create())
    return cert
  }
  const ca = keyPair()
  const caCert = issue('01', 'berth test CA', ca.publicKey, ca.key, undefined, [{name: 'basicConstraints', cA: true}, {name: 'keyUsage', keyCertSign: true, digitalSignature: true}])
  const server = keyPair()
  const serverCert = issue('02', 'engine', server.publicKey, ca.key, caCert.subject.attributes, [
    {name: 'extKeyUsage', serverAuth: true},
    {name: 'subjectAltName', altNames: [{type: 7, ip: '127.0.0.1'}]},
  ])
  const client = keyPair()
  const clientCert = issue('03', 'client', client.publicKey, ca.key, caCert.subject.attributes, [{name: 'extKeyUsage', clientAuth: true}])
  return {
    ca: forge.pki.certificateToPem(caCert),
    serverCert: forge.pki.certificateToPem(serverCert),
    serverKey: server.pem,
    clientCert: forge.pki.certificateToPem(clientCert),
    clientKey: client.pem,
  }
}

/** Just enough of the engine API for `docker version`, behind TLS that demands a client certificate from the CA. */
async function fakeEngine(pki: Pki): Promise<{server: Server; url: string; clients: string[]}> {
  const clients: string[] = []
  const server = createServer({key: pki.serverKey, cert: pki.serverCert, ca: pki.ca, requestCert: true, rejectUnauthorized: true}, (request, response) => {
    clients.push(String((request.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN))
    response.setHeader('Api-Version', '1.41')
    response.setHeader('Content-Type', 'application/json')
    if (request.url?.endsWith('/version') === true) {
      response.end(JSON.stringify({Version: '99.0.0-berth-fake', ApiVersion: '1.41', MinAPIVersion: '1.12', Os: 'linux', Arch: 'amd64', GitCommit: 'fake', GoVersion: 'go', KernelVersion: 'k', BuildTime: ''}))
    } else {
      response.end('OK')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {server, url: `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`, clients}
}

describe.each(CLIS)('docker CLI $path', ({path, present}) => {
  let dir: string
  let pki: Pki
  let engine: Awaited<ReturnType<typeof fakeEngine>>
  let contexts: DockerContextStore
  const env = () => ({PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, DOCKER_CONFIG: join(dir, 'docker')})
  const docker = async (...args: string[]) => (await run(path, args, {env: env(), timeout: 30_000})).stdout
  /** `docker context show` where the CLI has it (20.10 does not); inspect without a name shows the current one too. */
  const current = async () => {
    const viaInspect = (await docker('context', 'inspect', '--format', '{{.Name}}')).trim()
    if ((await docker('context', '--help')).includes('show')) expect((await docker('context', 'show')).trim()).toBe(viaInspect)
    return viaInspect
  }
  const machine = () => ({name: 'berth-m1', url: engine.url, tls: {ca: pki.ca, cert: pki.clientCert, key: pki.clientKey}, store: {path: join(dir, 'store'), id: 'store-id-1'}})

  beforeAll(async () => {
    if (!present) return
    dir = await mkdtemp(join(tmpdir(), 'berth-docker-ctx-'))
    pki = makePki()
    engine = await fakeEngine(pki)
    contexts = new DockerContextStore(env())
  })
  afterAll(async () => {
    if (!present) return
    engine.server.closeAllConnections()
    await new Promise((resolve) => engine.server.close(resolve))
    await rm(dir, {recursive: true, force: true})
  })

  const skipNote = present ? '' : `(skipped: ${path} is not installed) `

  it.skipIf(!present)(`${skipNote}inspects, lists and selects a context berth wrote`, async () => {
    await contexts.write(machine())
    const [inspected] = JSON.parse(await docker('context', 'inspect', 'berth-m1')) as unknown[]
    expect(inspected).toMatchObject({
      Name: 'berth-m1',
      Metadata: {Description: 'berth machine berth-m1', berth: {machine: 'berth-m1', store: join(dir, 'store'), storeId: 'store-id-1'}},
      Endpoints: {docker: {Host: engine.url, SkipTLSVerify: false}},
      TLSMaterial: {docker: ['ca.pem', 'cert.pem', 'key.pem']},
    })
    const listed = (await docker('context', 'ls', '--format', '{{json .}}')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(listed).toContainEqual(expect.objectContaining({Name: 'berth-m1', Description: 'berth machine berth-m1', DockerEndpoint: engine.url}))
    const viaFlag = JSON.parse(await docker('--context', 'berth-m1', 'context', 'inspect')) as Array<{Name: string}>
    expect(viaFlag[0]?.Name).toBe('berth-m1')
  })

  it.skipIf(!present)(`${skipNote}reaches the engine over TLS with the stored certificates`, async () => {
    await contexts.write(machine())
    engine.clients.length = 0
    expect((await docker('--context', 'berth-m1', 'version', '--format', '{{.Server.Version}}')).trim()).toBe('99.0.0-berth-fake')
    // The engine saw berth's client certificate; the CLI verified the engine against berth's CA.
    expect(engine.clients).toContain('client')
  })

  it.skipIf(!present)(`${skipNote}switches the current context (docker context show) with use()`, async () => {
    await contexts.write(machine())
    await contexts.use('berth-m1')
    expect(await current()).toBe('berth-m1')
    expect((await docker('version', '--format', '{{.Server.Version}}')).trim()).toBe('99.0.0-berth-fake')
    await contexts.use(undefined)
    expect(await current()).toBe('default')
    // And berth reads what the docker CLI itself wrote.
    await docker('context', 'use', 'berth-m1')
    expect(await contexts.currentContext()).toBe('berth-m1')
    await docker('context', 'use', 'default')
    expect(await contexts.currentContext()).toBeUndefined()
  })

  it.skipIf(!present)(`${skipNote}exports the context like its own`, async () => {
    await contexts.write(machine())
    await docker('context', 'export', 'berth-m1', join(dir, 'm1.dockercontext'))
    expect(existsSync(join(dir, 'm1.dockercontext'))).toBe(true)
  })

  it.skipIf(!present)(`${skipNote}removes only berth's contexts`, async () => {
    await contexts.write(machine())
    await docker('context', 'create', 'users-own', '--docker', 'host=tcp://127.0.0.1:1')
    expect(await contexts.remove('users-own')).toBe(false)
    expect(await contexts.remove('berth-m1')).toBe(true)
    const names = (await docker('context', 'ls', '--format', '{{.Name}}')).trim().split('\n').map((name) => name.replace(/ \*$/, ''))
    expect(names).toContain('users-own')
    expect(names).not.toContain('berth-m1')
  })

  it.skipIf(!present)(`${skipNote}refuses to replace a user's context of the machine's name`, async () => {
    await docker('context', 'create', 'clash', '--description', 'mine', '--docker', 'host=tcp://127.0.0.1:2')
    await expect(contexts.write({...machine(), name: 'clash'})).rejects.toBeInstanceOf(DockerContextConflictError)
    const [inspected] = JSON.parse(await docker('context', 'inspect', 'clash')) as unknown[]
    expect(inspected).toMatchObject({Metadata: {Description: 'mine'}, Endpoints: {docker: {Host: 'tcp://127.0.0.1:2'}}})
    expect(await contexts.remove('clash')).toBe(false)
    expect((await docker('context', 'ls', '--format', '{{.Name}}'))).toContain('clash')
  })

  it.skipIf(!present)(`${skipNote}lets the docker CLI remove berth's context itself`, async () => {
    await contexts.write(machine())
    await docker('context', 'rm', 'berth-m1')
    expect(await contexts.owner('berth-m1')).toBe('none')
  })
})
