import {readFile} from 'node:fs/promises'
import {defaultCertificatePaths, ensureStoreCertificates, issueServerCertificateFor} from '../../src/core/certs/store-certificates.js'
import {StoreLayout} from '../../src/core/store/layout.js'
import {BerthSandbox, runProcess, type RunResult} from './berth.js'
import {DockerdPool} from './dockerd.js'

/**
 * `npm run demo`: berth's main job on a local sandbox host. A real dockerd runs isolated on loopback with a
 * certificate from berth's CA; berth registers it, the real docker CLI uses it through `berth env` and through
 * the docker context, and everything is removed at the end. Needs root (dockerd) and docker.io installed.
 */
async function main(): Promise<void> {
  const sandbox = await BerthSandbox.create()
  const pool = new DockerdPool()
  try {
    const layout = new StoreLayout(sandbox.storePath)
    const paths = defaultCertificatePaths(layout)
    await ensureStoreCertificates(layout, paths)
    const server = await issueServerCertificateFor(paths, {organization: 'demo.engine', sans: ['127.0.0.1', 'localhost']})
    console.log(`# store: ${sandbox.storePath}`)
    const engine = await pool.start({caPem: await readFile(paths.caCert, 'utf8'), serverCertPem: server.certPem, serverKeyPem: server.keyPem})
    console.log(`# a dockerd listens with TLS on ${engine.url}, its certificate issued by berth's CA`)
    await show(`berth create -d none --url ${engine.url} demo`, sandbox.run(['create', '-d', 'none', '--url', engine.url, 'demo']))
    await show('berth ls', sandbox.run(['ls']))
    await show('berth env demo', sandbox.run(['env', 'demo']))
    await show('eval "$(berth env demo)" && docker version', sandbox.sh('eval "$($BERTH env demo)" && docker version'))
    await show('docker --context demo info --format "{{.Name}} {{.ServerVersion}} {{.Driver}}"', runProcess('docker', ['--context', 'demo', 'info', '--format', '{{.Name}} {{.ServerVersion}} {{.Driver}}'], sandbox.env))
    await show('berth rm -y demo', sandbox.run(['rm', '-y', 'demo']))
  } finally {
    await pool.dispose()
    await sandbox.dispose()
  }
}

async function show(command: string, pending: Promise<RunResult>): Promise<void> {
  console.log(`\n$ ${command}`)
  const result = await pending
  process.stdout.write(result.stdout)
  process.stdout.write(result.stderr)
  if (result.code !== 0) throw new Error(`"${command}" exited with ${result.code}`)
}

await main()
