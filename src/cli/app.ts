import type {CertificatePaths} from '../core/certs/store-certificates.js'
import type {DriverRegistry} from '../core/driver-registry/registry.js'
import {StoreLayout} from '../core/store/layout.js'
import {MachineStore} from '../core/store/machine-store.js'
import type {Reporter} from '../core/reporter.js'
import {personalityOf, type Personality} from './personality.js'
import {lineReporter, type ReporterFactory} from './progress.js'
import {ignoredGlobalFlags, type ParsedFlags} from './spec.js'
import type {Terminal} from './terminal.js'

/** What every command works with, built once from the global flags. Nothing here is global state. */
export interface App {
  layout: StoreLayout
  store: MachineStore
  certificates: CertificatePaths
  registry: DriverRegistry
  reporter: Reporter
  terminal: Terminal
  /** Who berth speaks as (chosen at start, see personality.ts): what errors, hints and progress are worded as. */
  personality: Personality
  /** Whether every driver in the registry is known; false on the lean path, which leaves plugins to oclif. */
  pluginsLoaded: boolean
}

/** `reporterFor` makes the reporter: plain lines by default, the live one on the full CLI (base-command.ts). */
export function createApp(flags: ParsedFlags, terminal: Terminal, registry: DriverRegistry, pluginsLoaded: boolean, reporterFor: ReporterFactory = lineReporter): App {
  const layout = StoreLayout.resolve(flags['storage-path'] as string | undefined, terminal.env)
  const certificates: CertificatePaths = {
    caCert: (flags['tls-ca-cert'] as string | undefined) ?? layout.caCert,
    caKey: (flags['tls-ca-key'] as string | undefined) ?? layout.caKey,
    clientCert: (flags['tls-client-cert'] as string | undefined) ?? layout.clientCert,
    clientKey: (flags['tls-client-key'] as string | undefined) ?? layout.clientKey,
  }
  const personality = personalityOf(terminal.env)
  const reporter = reporterFor(terminal, flags.debug === true, personality)
  for (const note of ignoredGlobalFlags(flags)) reporter.debug(note)
  return {
    layout,
    store: new MachineStore(layout),
    certificates,
    registry,
    reporter,
    terminal,
    personality,
    pluginsLoaded,
  }
}

/** Thrown by an action on the lean path when it needs what only the full CLI has (plugin drivers). */
export class NeedsFullCli extends Error {
  override readonly name = 'NeedsFullCli'
}
