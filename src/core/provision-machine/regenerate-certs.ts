import {rm} from 'node:fs/promises'
import {ensureStoreCertificates} from '../certs/store-certificates.js'
import {BerthError} from '../errors.js'
import {changingMachine} from '../machine/machine-lock.js'
import {withLock} from '../store/lock.js'
import type {MachineConfig} from '../store/schema.js'
import {provisionMachine, type ProvisionDeps} from './provision-machine.js'

/**
 * Issue the machine a new server certificate for its current addresses and install it (the engine restarts).
 * With rotateClientCertificate, the store's client certificate is replaced by a new one first, so every
 * machine regenerated afterwards hands out the new one.
 */
export async function regenerateCertificates(name: string, deps: ProvisionDeps, options: {rotateClientCertificate: boolean}): Promise<MachineConfig> {
  if (options.rotateClientCertificate) await rotateClientCertificate(deps)
  // The certificate the store keeps and the one the host serves must be the same: one regeneration at a time.
  return changingMachine(deps, name, () => provisionMachine(name, deps, {renewServerCert: true}))
}

async function rotateClientCertificate(deps: ProvisionDeps): Promise<void> {
  const {layout} = deps.store
  const paths = deps.certificates
  if (paths.clientCert !== layout.clientCert || paths.clientKey !== layout.clientKey) {
    throw new BerthError('The client certificate is your own (--tls-client-cert/--tls-client-key); berth does not replace it.', {code: 'own-client-certificate'})
  }
  await withLock(layout.certsLock, async () => {
    await rm(paths.clientCert, {force: true})
    await rm(paths.clientKey, {force: true})
  })
  await ensureStoreCertificates(layout, paths, {signal: deps.signal, onCreate: (what, path) => deps.reporter.info(`Creating ${what}: ${path}`)})
}
