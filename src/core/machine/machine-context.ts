import {readFile} from 'node:fs/promises'
import type {DockerContextStore} from '../client/docker-context.js'
import type {Reporter} from '../reporter.js'
import type {StoreLayout} from '../store/layout.js'

/**
 * Write (or rewrite) the machine's docker context from its current URL and client certificates. A name the
 * docker CLI cannot use gets no context: the reporter, when given, says so (callers that fail on it pass none).
 */
export async function writeMachineContext(contexts: DockerContextStore, layout: StoreLayout, name: string, url: string, reporter?: Reporter): Promise<void> {
  const machine = layout.machine(name)
  const [ca, cert, key] = await Promise.all([machine.caCert, machine.clientCert, machine.clientKey].map((path) => readFile(path, 'utf8')))
  const result = await contexts.write({name, url, tls: {ca: ca!, cert: cert!, key: key!}, storePath: layout.root})
  if (!result.written) reporter?.warn(`No docker context was written for "${name}": ${result.reason}. Use eval "$(berth env ${name})" instead.`)
}
