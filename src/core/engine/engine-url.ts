import {isIP} from 'node:net'
import {BerthError} from '../errors.js'

/**
 * Docker's port for the TLS-protected API: where berth has an engine listen unless a driver chooses another
 * (setup.enginePort), and the port of a URL that names none (as the docker CLI reads it).
 */
export const DEFAULT_ENGINE_PORT = 2376

export interface EngineAddress {
  /** Host name or IP, without the brackets of an IPv6 literal. */
  host: string
  port: number
  /** True when host is an IP literal: the certificate must then hold it as an IP SAN, and no SNI is sent. */
  isIp: boolean
}

/** Parse `tcp://HOST[:PORT]` (IPv6 as `tcp://[::1]:2376`). */
export function parseEngineUrl(url: string): EngineAddress {
  let parsed: URL | undefined
  try {
    parsed = new URL(url)
  } catch {
    parsed = undefined
  }
  if (parsed?.protocol !== 'tcp:' || parsed.hostname === '' || parsed.pathname !== '' || parsed.username !== '' || parsed.search !== '') {
    throw new BerthError(`Invalid Docker engine URL ${JSON.stringify(url)}: expected tcp://HOST:PORT.`, {code: 'engine-url'})
  }
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname
  const port = parsed.port === '' ? DEFAULT_ENGINE_PORT : Number(parsed.port)
  if (port < 1) throw new BerthError(`Invalid Docker engine URL ${JSON.stringify(url)}: port ${port} is not usable.`, {code: 'engine-url'})
  return {host, port, isIp: isIP(host) !== 0}
}
