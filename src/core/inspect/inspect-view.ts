import {join} from 'node:path'
import {redactUrlPasswords} from '../safe-text.js'
import type {StoreLayout} from '../store/layout.js'
import type {MachineConfig} from '../store/schema.js'

const SECRET_KEY = /(secret|token|password|passphrase|credential|private[-_]?key|access[-_]?key)/i
const REDACTED = '<redacted>'

/**
 * What `inspect` shows: the machine's stored configuration with absolute paths, values under secret-looking
 * keys redacted (drivers should never store secrets, but a plugin might; an engine label or dockerd variable
 * named like a token is a setting the user typed), passwords in URLs hidden (an
 * --engine-install-url of a private mirror may carry one), and Docker Machine's field names
 * alongside so that existing `--format '{{.Driver.IPAddress}}'` scripts keep working.
 */
export function inspectView(stored: MachineConfig, layout: StoreLayout): Record<string, unknown> {
  const machine = layout.machine(stored.name)
  // The CA that issued the machine's certificates: the store's own, or the one it was imported with.
  const certDir = stored.auth.ca === undefined ? layout.certsDir : layout.fromStored(stored.auth.ca)
  const config = {...stored, engine: {...stored.engine, env: stored.engine.env.map(redactSetting), labels: stored.engine.labels.map(redactSetting)}}
  const redacted = redactSecrets(config) as MachineConfig
  return {
    ...redacted,
    Name: config.name,
    DriverName: config.driver.name,
    Driver: {
      ...(redactSecrets(config.driver.state) as Record<string, unknown>),
      MachineName: config.name,
      IPAddress: config.endpoint?.address ?? '',
      URL: config.endpoint?.url ?? '',
      SSHUser: config.ssh?.user ?? '',
      SSHPort: config.ssh?.port ?? 0,
      SSHKeyPath: config.ssh ? layout.fromStored(config.ssh.keyPath) : '',
      StorePath: layout.root,
    },
    HostOptions: {
      EngineOptions: {
        ArbitraryFlags: config.engine.opts,
        Env: config.engine.env,
        InsecureRegistry: config.engine.insecureRegistries,
        Labels: config.engine.labels,
        RegistryMirror: config.engine.registryMirrors,
        StorageDriver: config.engine.storageDriver ?? '',
        InstallURL: redactUrlPasswords(config.engine.installUrl),
        TlsVerify: true,
      },
      AuthOptions: {
        CertDir: certDir,
        CaCertPath: join(certDir, 'ca.pem'),
        ClientCertPath: join(certDir, 'cert.pem'),
        ClientKeyPath: join(certDir, 'key.pem'),
        ServerCertPath: machine.serverCert,
        ServerKeyPath: machine.serverKey,
        ServerCertSANs: config.auth.sans,
        StorePath: machine.dir,
      },
    },
  }
}

/** A "KEY=value" setting (an engine label, a variable of dockerd's environment) with its value hidden when the key looks secret. */
function redactSetting(setting: string): string {
  const at = setting.indexOf('=')
  return at > 0 && SECRET_KEY.test(setting.slice(0, at)) ? `${setting.slice(0, at + 1)}${REDACTED}` : setting
}

/** A value with strings under secret-looking keys replaced and passwords in URLs hidden, at any depth. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets)
  if (typeof value === 'string') return redactUrlPasswords(value)
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, SECRET_KEY.test(key) && typeof inner === 'string' ? REDACTED : redactSecrets(inner)]))
}
