import type {MachineStatus} from '../status/machine-status.js'
import type {StoreLayout} from '../store/layout.js'
import type {MachineConfig} from '../store/schema.js'
import {redactSecrets} from './inspect-view.js'

/**
 * berth's own JSON of a machine (docs/json.md; the schemas in docs/json/): camelCase, each fact once, secrets
 * redacted as in `inspect`. What the stored configuration tells is one shape, which `ls --json` extends with what the
 * machine answered and `inspect --json` and `create --json` with the rest of the configuration.
 */
export interface MachineFacts {
  name: string
  driver: string | null
  address: string | null
  ssh: {host: string; port: number; user: string; keyPath: string} | null
  engineUrl: string | null
  labels: Record<string, string>
  createdAt: string | null
}

export function machineFacts(config: MachineConfig, layout: StoreLayout): MachineFacts {
  const {ssh} = config
  return {
    name: config.name,
    driver: config.driver.name,
    address: config.endpoint?.address ?? null,
    ssh: ssh === undefined ? null : {host: ssh.host, port: ssh.port, user: ssh.user, keyPath: layout.fromStored(ssh.keyPath)},
    engineUrl: config.endpoint?.url ?? null,
    labels: redactSecrets(keyValues(config.engine.labels)) as Record<string, string>,
    createdAt: config.createdAt,
  }
}

/** `inspect --json`, `create --json`: the machine as configured. */
export function machineJson(config: MachineConfig, layout: StoreLayout): Record<string, unknown> {
  const {engine} = config
  return {
    ...machineFacts(config, layout),
    engine: redactSecrets({
      port: engine.port,
      installUrl: engine.installUrl,
      storageDriver: engine.storageDriver ?? null,
      options: engine.opts,
      env: keyValues(engine.env),
      insecureRegistries: engine.insecureRegistries,
      registryMirrors: engine.registryMirrors,
      dockerGroup: engine.noDockerGroup !== true,
    }),
    tls: {certPath: layout.machine(config.name).dir, sans: config.auth.sans},
    driverState: redactSecrets(config.driver.state),
    resources: redactSecrets(config.resources),
  }
}

/** A machine `ls` could not open: its configuration, when it could be read, and why. */
export interface UnopenedMachine {
  name: string
  config?: MachineConfig
  error: string
}

/** `ls --json`: one machine as configured and as it answered (or why it could not be asked). */
export function listedMachineJson(layout: StoreLayout, machine: {config: MachineConfig; status: MachineStatus; active: boolean} | UnopenedMachine): Record<string, unknown> {
  if (!('status' in machine)) {
    const facts = machine.config === undefined ? {...NO_FACTS, name: machine.name} : machineFacts(machine.config, layout)
    return listed(facts, {state: 'Error', stateReason: machine.error, engineVersion: null, active: false, error: null})
  }
  const {config, status, active} = machine
  // A state berth could not learn (Timeout, Error) carries its reason; any other error is the engine's.
  const stateUnknown = status.state === 'Timeout' || status.state === 'Error'
  return listed(machineFacts(config, layout), {
    state: status.state,
    stateReason: stateUnknown ? status.error ?? null : null,
    engineVersion: status.engineVersion ?? null,
    active: active && status.state === 'Running',
    error: stateUnknown ? null : status.error ?? null,
  })
}

const NO_FACTS: Omit<MachineFacts, 'name'> = {driver: null, address: null, ssh: null, engineUrl: null, labels: {}, createdAt: null}

interface Answered {
  state: string
  stateReason: string | null
  engineVersion: string | null
  active: boolean
  error: string | null
}

function listed(facts: MachineFacts, answered: Answered): Record<string, unknown> {
  const {name, driver, address, ssh, engineUrl, labels, createdAt} = facts
  return {name, driver, state: answered.state, stateReason: answered.stateReason, address, ssh, engineUrl, engineVersion: answered.engineVersion, labels, createdAt, active: answered.active, error: answered.error}
}

/** "key=value" settings (labels, engine environment) as an object; a setting without "=" has the empty value. */
function keyValues(settings: readonly string[]): Record<string, string> {
  return Object.fromEntries(settings.map((setting) => {
    const at = setting.indexOf('=')
    return at < 0 ? [setting, ''] : [setting.slice(0, at), setting.slice(at + 1)]
  }))
}
