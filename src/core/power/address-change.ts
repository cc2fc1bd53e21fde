import {prose, run} from '../fix.js'
import {writeMachineContext} from '../machine/machine-context.js'
import type {OpenMachine} from '../machine/open-machine.js'
import {provisionMachine, type ProvisionDeps} from '../provision-machine/index.js'

export interface AddressChange {
  previous: string
  address: string
  /**
   * Whether a server certificate for the new address was issued and installed (the engine restarted); for a new port
   * at the same address, whether the engine was configured for it (its certificate kept).
   */
  regenerated: boolean
}

/**
 * After a start or restart: the address the driver reports now against the stored one. When it moved, the stored
 * endpoint follows it (so env/config judge the certificate against the real address), and, unless the user opted
 * out, the machine is provisioned again, which issues a server certificate for the new address, installs it,
 * restarts the engine and checks it over TLS. Returns undefined when nothing moved.
 */
export async function followAddressChange(machine: OpenMachine, deps: ProvisionDeps, options: {autoRegenerate: boolean}): Promise<AddressChange | undefined> {
  const {config, definition, driver} = machine
  const {name} = config
  const previous = config.endpoint?.address
  const address = await driver.address(deps.signal)
  // No stored endpoint: creation never finished, and provision (not this) is what completes it.
  if (previous === undefined) return undefined
  if (address === previous) return followPortChange(machine, deps)
  const moved = `Machine "${name}" has a new address: ${address} (it was ${previous}).`
  // An engine whose settings live elsewhere keeps the certificate it has: berth follows the address only.
  const issuesCertificates = definition.capabilities.provisions && driver.engineManagedElsewhere === undefined
  if (issuesCertificates && options.autoRegenerate) {
    deps.reporter.info(`${moved} Issuing its engine a server certificate for it.`)
    await provisionMachine(name, deps, {renewServerCert: false})
    return {previous, address, regenerated: true}
  }
  const [url, ssh] = await Promise.all([driver.dockerUrl(deps.signal), driver.sshEndpoint(deps.signal)])
  await deps.store.update(name, (current) => ({
    ...current,
    endpoint: {address, url},
    ...(ssh === undefined || current.ssh === undefined ? {} : {ssh: {...current.ssh, host: ssh.host, port: ssh.port}}),
  }))
  await writeMachineContext(deps.contexts, deps.store.layout, name, url, deps.reporter)
  if (issuesCertificates) {
    deps.reporter.warn(prose`${moved} Its server certificate does not cover it (--no-auto-regenerate): ${run('env', name)} and ${run('config', name)} refuse until you run ${run('regenerate-certs', name)}.`)
  } else if (driver.engineManagedElsewhere !== undefined) {
    deps.reporter.warn(`${moved} Its engine's certificate may not cover it, and berth does not change that engine: ${driver.engineManagedElsewhere.reason}.`)
  } else {
    deps.reporter.info(`${moved} Its engine's certificate must cover the new address; berth does not issue it for the ${definition.name} driver.`)
  }
  return {previous, address, regenerated: false}
}

/**
 * The same address with another engine URL: a driver that forwards a local port had to forward another one. The
 * server certificate still covers the address, so it is kept; the engine is configured again for the new port (a
 * provisioned engine listens on the URL's port) and the stored endpoint and docker context follow.
 */
async function followPortChange(machine: OpenMachine, deps: ProvisionDeps): Promise<AddressChange | undefined> {
  const {config, definition, driver} = machine
  const previous = config.endpoint?.url
  const url = await driver.dockerUrl(deps.signal)
  if (previous === undefined || url === previous) return undefined
  const address = config.endpoint!.address
  deps.reporter.info(`Machine "${config.name}" has a new engine URL: ${url} (it was ${previous}).${definition.capabilities.provisions ? ' Configuring its engine for it; its certificate still covers it.' : ''}`)
  if (definition.capabilities.provisions) {
    await provisionMachine(config.name, deps, {renewServerCert: false})
  } else {
    await deps.store.update(config.name, (current) => ({...current, endpoint: {address, url}}))
    await writeMachineContext(deps.contexts, deps.store.layout, config.name, url, deps.reporter)
  }
  return {previous: address, address, regenerated: definition.capabilities.provisions}
}
