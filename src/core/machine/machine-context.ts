import {readFile} from 'node:fs/promises'
import {DockerContextConflictError, type DockerContextStore} from '../client/docker-context.js'
import {describeStaleness} from '../client/context-staleness.js'
import {joinProse, prose, run, unquoted} from '../fix.js'
import type {Reporter} from '../reporter.js'
import type {StoreLayout} from '../store/layout.js'
import {ensureStoreIdentity} from '../store/store-identity.js'

/**
 * Write (or rewrite) the machine's docker context from its current URL and client certificates, saying so when it
 * replaces a stale context of the same name (one whose store or machine is gone). A name the docker CLI cannot use, or
 * a context of that name that is not this store's to write (the user's, or another store's live machine's), gets no
 * context: the reporter says so after a change that is done anyway (provision, start); callers that must fail on it
 * (use) pass refuse, and say it themselves.
 */
export async function writeMachineContext(contexts: DockerContextStore, layout: StoreLayout, name: string, url: string, reporter: Reporter, options: {refuse?: boolean} = {}): Promise<void> {
  const machine = layout.machine(name)
  const [ca, cert, key] = await Promise.all([machine.caCert, machine.clientCert, machine.clientKey].map((path) => readFile(path, 'utf8')))
  const instead = prose`Use eval "$(${unquoted(run('env', name))})" instead.`
  const store = {path: layout.root, id: await ensureStoreIdentity(layout)}
  try {
    const result = await contexts.write({name, url, tls: {ca: ca!, cert: cert!, key: key!}, store})
    if (!result.written) {
      if (options.refuse !== true) reporter.warn(joinProse([`No docker context was written for "${name}": ${result.reason}.`, instead]))
    } else if (result.replaced !== undefined) reporter.info(`Replaced the stale docker context "${name}": ${describeStaleness(result.replaced.marker, result.replaced.reason)}.`)
  } catch (error) {
    if (!(error instanceof DockerContextConflictError) || options.refuse === true) throw error
    reporter.warn(joinProse([`No docker context was written for "${name}": ${error.message}`, instead]))
  }
}
