import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {basename, join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {wordError} from '../../src/cli/error-wording.js'
import {createEngineAgent} from '../../src/core/engine/engine-agent.js'
import {engineVersion, peerCertificate, type EngineTls} from '../../src/core/engine/engine-client.js'
import {EngineError} from '../../src/core/engine/engine-error.js'
import {cgroupDirs} from '../harness/cgroups.js'
import {DockerdPool, type RunningDockerd} from '../harness/dockerd.js'
import {FAKE_VERSION, startFakeEngine, startPlainHttpServer, startSilentServer} from '../harness/fake-engine.js'
import {freeLoopbackPort} from '../harness/free-port.js'
import {mountsUnder} from '../harness/mounts.js'
import {issueTestCert, makeTestPki, testCertFingerprint, type TestPki} from '../harness/openssl.js'
import {listProcesses, relatedProcesses} from '../harness/processes.js'

const run = promisify(execFile)

/** Run a call that must fail, and return its EngineError. */
async function engineFailure(call: Promise<unknown>): Promise<EngineError> {
  const error = await call.then(() => undefined, (thrown: unknown) => thrown)
  expect(error).toBeInstanceOf(EngineError)
  return error as EngineError
}

function tlsOf(pki: TestPki): EngineTls {
  return {ca: pki.ca.certPem, cert: pki.client.certPem, key: pki.client.keyPem}
}

describe('engine client against a real dockerd over mutual TLS', () => {
  const pool = new DockerdPool()
  // Files this machine had before the suite: the daemon must not create them.
  const machineFiles = ['/etc/docker/key.json', '/run/docker', '/run/containerd']
  const existedBefore = new Map(machineFiles.map((path) => [path, existsSync(path)]))
  let pki: TestPki
  let otherPki: TestPki
  let daemon: RunningDockerd
  let cliDir: string

  beforeAll(async () => {
    [pki, otherPki] = await Promise.all([makeTestPki(), makeTestPki({cn: 'another berth test CA'})])
    const started = performance.now()
    daemon = await pool.start({
      caPem: pki.ca.certPem, serverCertPem: pki.server.certPem, serverKeyPem: pki.server.keyPem,
      clientCertPem: pki.client.certPem, clientKeyPem: pki.client.keyPem,
    })
    console.log(`[measure] dockerd start -> TLS API answers: ${(performance.now() - started).toFixed(0)} ms`)
    cliDir = await mkdtemp(join(tmpdir(), 'berth-test-cli-'))
    await writeFile(join(cliDir, 'ca.pem'), pki.ca.certPem)
    await writeFile(join(cliDir, 'cert.pem'), pki.client.certPem)
    await writeFile(join(cliDir, 'key.pem'), pki.client.keyPem, {mode: 0o600})
  })

  afterAll(async () => {
    const dir = daemon?.dir
    const stopped = performance.now()
    await pool.dispose()
    console.log(`[measure] dockerd stop and cleanup: ${(performance.now() - stopped).toFixed(0)} ms`)
    if (cliDir) await rm(cliDir, {recursive: true, force: true})
    if (dir === undefined) return
    expect(relatedProcesses(await listProcesses(), dir)).toEqual([])
    expect(existsSync(dir)).toBe(false)
    expect(await mountsUnder(dir)).toEqual([])
    expect(await cgroupDirs(basename(dir))).toEqual([])
    for (const path of machineFiles) expect({path, exists: existsSync(path)}).toEqual({path, exists: existedBefore.get(path)})
  })

  it('reads the version the docker CLI reports', async () => {
    const version = await engineVersion(daemon.url, tlsOf(pki))
    const {stdout} = await run('docker', [
      '--tlsverify', `--tlscacert=${join(cliDir, 'ca.pem')}`, `--tlscert=${join(cliDir, 'cert.pem')}`, `--tlskey=${join(cliDir, 'key.pem')}`,
      '-H', daemon.url, 'version', '--format', '{{.Server.Version}} {{.Server.APIVersion}} {{.Server.Os}} {{.Server.Arch}}',
    ], {env: {PATH: process.env.PATH ?? '/usr/bin:/bin', DOCKER_CONFIG: cliDir}})
    expect(`${version.version} ${version.apiVersion} ${version.os} ${version.arch}`).toBe(stdout.trim())
  })

  it('verifies the certificate against a host name too (SNI)', async () => {
    const version = await engineVersion(`tcp://localhost:${daemon.port}`, tlsOf(pki))
    expect(version.os).toBe('linux')
  })

  it('is refused when its client certificate comes from another CA', async () => {
    const foreignClient = {ca: pki.ca.certPem, cert: otherPki.client.certPem, key: otherPki.client.keyPem}
    const error = await engineFailure(engineVersion(daemon.url, foreignClient))
    expect(error.reason).toBe('tls')
    expect(error.message).toContain(daemon.url)
    expect(error.message).toMatch(/refused berth's client certificate|closed the connection after the TLS handshake/)
  })

  it('rejects an engine whose certificate another CA issued', async () => {
    const error = await engineFailure(engineVersion(daemon.url, tlsOf(otherPki)))
    expect(error.reason).toBe('untrusted')
    expect(error.message).toMatch(/^The engine at tcp:\/\/127\.0\.0\.1:\d+ presented a certificate that berth's CA did not issue \(.+\)\.$/)
    expect(wordError(error).hint).toContain('"berth regenerate-certs')
  })

  it('returns the certificate the engine presents, even from a CA it does not trust', async () => {
    const expected = await testCertFingerprint(pki.server.certPem)
    expect(await testCertFingerprint(await peerCertificate(daemon.url, tlsOf(pki)))).toBe(expected)
    expect(await testCertFingerprint(await peerCertificate(daemon.url, tlsOf(otherPki)))).toBe(expected)
  })

  it('answers 200 parallel queries, with and without a shared agent', async () => {
    const count = 200
    // Wall time is mostly dockerd's: its /version handler runs `runc --version` and `docker-init --version` on
    // every call. Our own CPU time is what berth ls pays per machine.
    const timed = async (label: string, query: () => Promise<{version: string}>): Promise<void> => {
      const cpu = process.cpuUsage()
      const started = performance.now()
      const versions = await Promise.all(Array.from({length: count}, query))
      const ms = performance.now() - started
      const used = process.cpuUsage(cpu)
      expect(new Set(versions.map((v) => v.version)).size).toBe(1)
      const cpuMs = (used.user + used.system) / 1000
      console.log(`[measure] ${count} parallel engineVersion, ${label}: ${ms.toFixed(0)} ms wall, client CPU ${cpuMs.toFixed(0)} ms (${(cpuMs / count).toFixed(2)} ms/query)`)
    }
    const engineTls = tlsOf(pki)
    await timed('no agent (a TLS context each)', () => engineVersion(daemon.url, engineTls))
    const agent = createEngineAgent()
    try {
      // One TLS context for all 200, as berth ls shares it between machines with the same client material.
      await timed('shared agent (one TLS context)', () => engineVersion(daemon.url, engineTls, {agent}))
    } finally {
      agent.destroy()
    }
  })
})

describe('engine client failures', () => {
  let pki: TestPki

  beforeAll(async () => {
    pki = await makeTestPki({keyType: 'ec'})
  })

  it('reports a closed port as unreachable at once', async () => {
    const url = `tcp://127.0.0.1:${await freeLoopbackPort()}`
    const started = performance.now()
    const error = await engineFailure(engineVersion(url, tlsOf(pki)))
    expect(error.reason).toBe('unreachable')
    expect(error.message).toBe(`Cannot connect to the Docker engine at ${url}: connection refused.`)
    expect(performance.now() - started).toBeLessThan(1_000)
  })

  it('gives up on a server that never answers after timeoutMs, and closes the socket', async () => {
    const silent = await startSilentServer()
    try {
      const started = performance.now()
      const error = await engineFailure(engineVersion(silent.url, tlsOf(pki), {timeoutMs: 400}))
      const elapsed = performance.now() - started
      expect(error.reason).toBe('timeout')
      expect(error.message).toBe(`The engine at ${silent.url} accepted the connection but did not complete a TLS handshake within 0.4s.`)
      expect(elapsed).toBeGreaterThanOrEqual(390)
      expect(elapsed).toBeLessThan(1_500)
      await expect.poll(() => silent.openConnections(), {timeout: 2_000}).toBe(0)
    } finally {
      await silent.close()
    }
  })

  it('stops when its signal aborts, and closes the socket', async () => {
    const silent = await startSilentServer()
    try {
      const reason = new Error('the user pressed ctrl-C')
      const controller = new AbortController()
      setTimeout(() => controller.abort(reason), 100)
      await expect(engineVersion(silent.url, tlsOf(pki), {signal: controller.signal})).rejects.toBe(reason)
      await expect.poll(() => silent.openConnections(), {timeout: 2_000}).toBe(0)
    } finally {
      await silent.close()
    }
  })

  it('reports a certificate for another address as address-mismatch', async () => {
    const elsewhere = await issueTestCert(pki.ca, 'server', {keyType: 'ec', cn: 'localhost', sans: ['IP:10.9.9.9']})
    const engine = await startFakeEngine({certPem: elsewhere.certPem, keyPem: elsewhere.keyPem, caPem: pki.ca.certPem})
    try {
      const error = await engineFailure(engineVersion(engine.url, tlsOf(pki)))
      expect(error.reason).toBe('address-mismatch')
      expect(error.message).toContain('10.9.9.9')
      // The certificate's CN is "localhost", but like the docker CLI we only believe SANs.
      const byName = await engineFailure(engineVersion(engine.url.replace('127.0.0.1', 'localhost'), tlsOf(pki)))
      expect(byName.reason).toBe('address-mismatch')
    } finally {
      await engine.close()
    }
  })

  it('refuses an engine whose certificate another CA issued, and sends it no request', async () => {
    const other = await makeTestPki({keyType: 'ec', cn: 'another berth test CA'})
    const requests: string[] = []
    const engine = await startFakeEngine({certPem: other.server.certPem, keyPem: other.server.keyPem, caPem: pki.ca.certPem, respond: (path) => {
      requests.push(path)
      return {status: 200, body: JSON.stringify(FAKE_VERSION)}
    }})
    try {
      const error = await engineFailure(engineVersion(engine.url, tlsOf(pki)))
      expect(error.reason).toBe('untrusted')
      expect(error.message).toMatch(/presented a certificate that berth's CA did not issue \(.+\)\.$/)
      expect(requests).toEqual([])
    } finally {
      await engine.close()
    }
  })

  it('refuses an engine whose certificate has expired', async () => {
    const expired = await issueTestCert(pki.ca, 'server', {keyType: 'ec', sans: ['IP:127.0.0.1'], days: 0})
    const requests: string[] = []
    const engine = await startFakeEngine({certPem: expired.certPem, keyPem: expired.keyPem, caPem: pki.ca.certPem, respond: (path) => {
      requests.push(path)
      return {status: 200, body: JSON.stringify(FAKE_VERSION)}
    }})
    try {
      // -days 0 ends the certificate's validity the second it was issued.
      await new Promise((resolve) => setTimeout(resolve, 1_100))
      const error = await engineFailure(engineVersion(engine.url, tlsOf(pki)))
      expect(error.reason).toBe('untrusted')
      expect(error.message).toContain('not valid now')
      expect(requests).toEqual([])
    } finally {
      await engine.close()
    }
  })

  it('refuses a trusted certificate for another address before sending the request', async () => {
    const elsewhere = await issueTestCert(pki.ca, 'server', {keyType: 'ec', sans: ['IP:10.9.9.9', 'DNS:elsewhere.test']})
    const requests: string[] = []
    const engine = await startFakeEngine({certPem: elsewhere.certPem, keyPem: elsewhere.keyPem, caPem: pki.ca.certPem, respond: (path) => {
      requests.push(path)
      return {status: 200, body: JSON.stringify(FAKE_VERSION)}
    }})
    try {
      expect((await engineFailure(engineVersion(engine.url, tlsOf(pki)))).reason).toBe('address-mismatch')
      expect((await engineFailure(engineVersion(engine.url.replace('127.0.0.1', 'localhost'), tlsOf(pki)))).reason).toBe('address-mismatch')
      expect(requests).toEqual([])
    } finally {
      await engine.close()
    }
  })

  it('presents its client certificate to the engine', async () => {
    const seen: string[] = []
    const engine = await startFakeEngine({certPem: pki.server.certPem, keyPem: pki.server.keyPem, caPem: pki.ca.certPem, onClientCert: (pem) => seen.push(pem)})
    try {
      expect((await engineVersion(engine.url, tlsOf(pki))).version).toBe(FAKE_VERSION.Version)
      expect(seen).toHaveLength(1)
      expect(await testCertFingerprint(seen[0]!)).toBe(await testCertFingerprint(pki.client.certPem))
    } finally {
      await engine.close()
    }
  })

  it('reads a chunked answer', async () => {
    const engine = await startFakeEngine({certPem: pki.server.certPem, keyPem: pki.server.keyPem, caPem: pki.ca.certPem, chunked: true})
    try {
      expect((await engineVersion(engine.url, tlsOf(pki))).version).toBe(FAKE_VERSION.Version)
    } finally {
      await engine.close()
    }
  })

  it('speaks to an engine on an IPv6 address', async () => {
    const engine = await startFakeEngine({certPem: pki.server.certPem, keyPem: pki.server.keyPem, caPem: pki.ca.certPem, host: '::1'})
    try {
      expect(engine.url).toMatch(/^tcp:\/\/\[::1\]:\d+$/)
      expect(await engineVersion(engine.url, tlsOf(pki))).toEqual({version: FAKE_VERSION.Version, apiVersion: FAKE_VERSION.ApiVersion, os: 'linux', arch: 'amd64'})
    } finally {
      await engine.close()
    }
  })

  it('reports an HTTP error and a non-Docker answer as http', async () => {
    const missing = await startFakeEngine({certPem: pki.server.certPem, keyPem: pki.server.keyPem, caPem: pki.ca.certPem, respond: () => ({status: 404, body: '{}'})})
    const odd = await startFakeEngine({certPem: pki.server.certPem, keyPem: pki.server.keyPem, caPem: pki.ca.certPem, respond: () => ({status: 200, body: '<html>'})})
    try {
      const notFound = await engineFailure(engineVersion(missing.url, tlsOf(pki)))
      expect(notFound.reason).toBe('http')
      expect(notFound.message).toBe(`The engine at ${missing.url} answered GET /version with HTTP 404 Not Found.`)
      expect((await engineFailure(engineVersion(odd.url, tlsOf(pki)))).reason).toBe('http')
    } finally {
      await Promise.all([missing.close(), odd.close()])
    }
  })

  it('reports a port that does not speak TLS', async () => {
    const plain = await startPlainHttpServer()
    try {
      const error = await engineFailure(engineVersion(plain.url, tlsOf(pki)))
      expect(error.reason).toBe('tls')
      expect(error.message).toContain('does not speak TLS')
    } finally {
      await plain.close()
    }
  })

  it('uses the caller\'s hint, so the caller can name the machine', async () => {
    const url = `tcp://127.0.0.1:${await freeLoopbackPort()}`
    const error = await engineFailure(engineVersion(url, tlsOf(pki), {hints: {unreachable: 'Run "berth start web1".'}}))
    expect(error.hint).toBe('Run "berth start web1".')
  })

  it('rejects a URL that is not tcp://HOST:PORT', async () => {
    await expect(engineVersion('http://127.0.0.1:2376', tlsOf(pki))).rejects.toThrow('Invalid Docker engine URL')
  })
})
