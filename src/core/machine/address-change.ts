import type {OpenMachine} from './open-machine.js'
import {writeMachineContext} from './machine-context.js'
import {provisionMachine, type ProvisionDeps} from './provision-machine.js'

export interface AddressChange {
  previous: string
  address: string
  /** Whether a server certificate for the new address was issued and installed (the engine restarted). */
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
  if (previous === undefined || address === previous) return undefined
  const moved = `Machine "${name}" has a new address: ${address} (it was ${previous}).`
  if (definition.capabilities.provisions && options.autoRegenerate) {
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
  if (definition.capabilities.provisions) {
    deps.reporter.warn(`${moved} Its server certificate does not cover it (--no-auto-regenerate): "berth env ${name}" and "berth config ${name}" refuse until you run "berth regenerate-certs ${name}".`)
  } else {
    deps.reporter.info(`${moved} Its engine's certificate must cover the new address; berth does not issue it for the ${definition.name} driver.`)
  }
  return {previous, address, regenerated: false}
}
