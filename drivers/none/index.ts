import {checkUrlHost, type Driver, type DriverDefinition, type FlagValues, type MachineState, type OperationContext, quoteValue, UsageError} from '../../src/driver-kit/index.js'

/** Registers an engine that already runs with TLS; berth makes nothing and provisions nothing. */
class NoneDriver implements Driver {
  constructor(private readonly url: string) {}

  async preCreateCheck(): Promise<void> {}

  async create(): Promise<void> {}

  // No start, stop, restart or kill: the engine's power is not berth's to change.

  /** The engine is not berth's: removing the machine forgets it and leaves the engine alone. */
  async remove(_ctx: OperationContext): Promise<void> {}

  /** As Docker Machine: the driver cannot observe power state, so an engine it registered counts as running. */
  async state(): Promise<MachineState> {
    return 'Running'
  }

  async address(): Promise<string> {
    return hostOf(this.url)
  }

  async dockerUrl(): Promise<string> {
    return this.url
  }

  async sshEndpoint(): Promise<undefined> {
    return undefined
  }

  toState(): Record<string, unknown> {
    return {url: this.url}
  }
}

/**
 * tcp://HOST:PORT (IPv6 hosts in brackets), checked so that a typo fails at create, not later. Any other text is
 * kept as given, as Docker Machine kept it: scripts register placeholder machines (`--url none`) to try ls filters
 * and formats, and berth never connects to such a URL.
 */
export function parseEngineUrl(value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new UsageError('The none driver needs the engine\'s address.', {hint: 'Pass --url tcp://HOST:PORT.'})
  }
  if (!/^tcp:\/\//i.test(value)) return value
  checkUrlHost('--url', value)
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UsageError(`--url ${quoteValue(value)} is not a URL.`, {hint: 'Pass --url tcp://HOST:PORT, e.g. tcp://192.168.1.20:2376.'})
  }
  if (url.hostname === '' || url.port === '' || (url.pathname !== '' && url.pathname !== '/') || url.username || url.password || url.search) {
    throw new UsageError(`--url ${quoteValue(value)} is not of the form tcp://HOST:PORT.`, {hint: 'Pass --url tcp://HOST:PORT, e.g. tcp://192.168.1.20:2376.'})
  }
  return `tcp://${url.host}`
}

/** The engine's host; for a placeholder URL, what Go's URL parser calls its host, as Docker Machine's ip printed (often nothing). */
function hostOf(url: string): string {
  if (!/^tcp:\/\//i.test(url)) return /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url)?.[1]?.replace(/^.*@/, '') ?? ''
  const host = new URL(url).hostname
  return host.startsWith('[') ? host.slice(1, -1) : host
}

const none: DriverDefinition = {
  name: 'none',
  description: 'An existing engine on TLS with a certificate from berth\'s CA.',
  example: {args: ['--url', 'tcp://192.0.2.20:2376'], machine: 'ci-engine'},
  flags: [{name: 'url', type: 'string', description: 'URL of the engine, tcp://HOST:PORT; any other text registers a placeholder that berth never connects to.'}],
  capabilities: {
    stableAddress: true,
    serialOperations: false,
    existingHost: true,
    provisions: false,
  },
  async probe() {
    return {installed: true, healthy: true}
  },
  fromFlags(values: FlagValues) {
    return new NoneDriver(parseEngineUrl(values.url))
  },
  load(state: Record<string, unknown>) {
    return new NoneDriver(parseEngineUrl(state.url))
  },
  fromDockerMachine({driver}) {
    if (typeof driver.URL !== 'string' || driver.URL === '') throw new UsageError('Its "Driver.URL" is missing.')
    return {driver: new NoneDriver(parseEngineUrl(driver.URL))}
  },
}

export default none
