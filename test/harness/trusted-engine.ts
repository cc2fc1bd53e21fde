import {readFile} from 'node:fs/promises'
import {defaultCertificatePaths, ensureStoreCertificates, issueServerCertificateFor} from '../../src/core/certs/store-certificates.js'
import {StoreLayout} from '../../src/core/store/layout.js'
import type {DockerdPool, RunningDockerd} from './dockerd.js'

/**
 * A real dockerd on loopback whose server certificate the sandbox store's CA issued — what a user of
 * `berth create -d none` runs. Creates the store's CA first when it has none.
 */
export async function startTrustedEngine(storePath: string, pool: DockerdPool): Promise<RunningDockerd> {
  const layout = new StoreLayout(storePath)
  const paths = defaultCertificatePaths(layout)
  await ensureStoreCertificates(layout, paths)
  const server = await issueServerCertificateFor(paths, {organization: 'tester.engine', sans: ['127.0.0.1', 'localhost']})
  return pool.start({caPem: await readFile(paths.caCert, 'utf8'), serverCertPem: server.certPem, serverKeyPem: server.keyPem})
}
