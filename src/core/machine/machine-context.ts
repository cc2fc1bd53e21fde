import {readFile} from 'node:fs/promises'
import {DockerContextConflictError, type DockerContextStore} from '../client/docker-context.js'
import {joinProse, prose, run, unquoted} from '../fix.js'
import type {Reporter} from '../reporter.js'
import type {StoreLayout} from '../store/layout.js'

/**
 * Write (or rewrite) the machine's docker context from its current URL and client certificates. A name the
 * docker CLI cannot use, or a context of that name that is not this store's to write (the user's, or another
 * store's machine's), gets no context: the reporter, when given, says so after a change that is done anyway
 * (provision, start); callers that must fail on it (use) pass none.
 */
export async function writeMachineContext(contexts: DockerContextStore, layout: StoreLayout, name: string, url: string, reporter?: Reporter): Promise<void> {
  const machine = layout.machine(name)
  const [ca, cert, key] = await Promise.all([machine.caCert, machine.clientCert, machine.clientKey].map((path) => readFile(path, 'utf8')))
  const instead = prose`Use eval "$(${unquoted(run('env', name))})" instead.`
  try {
    const result = await contexts.write({name, url, tls: {ca: ca!, cert: cert!, key: key!}, storePath: layout.root})
    if (!result.written) reporter?.warn(joinProse([`No docker context was written for "${name}": ${result.reason}.`, instead]))
  } catch (error) {
    if (!(error instanceof DockerContextConflictError) || reporter === undefined) throw error
    reporter.warn(joinProse([`No docker context was written for "${name}": ${error.message}`, instead]))
  }
}
