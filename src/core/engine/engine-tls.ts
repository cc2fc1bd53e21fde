import {isIP} from 'node:net'
import tls from 'node:tls'
import type {EngineAddress} from './engine-url.js'

/** PEM contents of the CA that must have issued the engine's certificate, and of our client certificate and key. */
export interface EngineTls {
  ca: string | Buffer
  cert: string | Buffer
  key: string | Buffer
}

/** Connection options for one engine; a prebuilt context (from an EngineAgent) saves parsing the PEMs again. */
export function tlsConnectionOptions(address: EngineAddress, engineTls: EngineTls, secureContext?: tls.SecureContext): tls.ConnectionOptions {
  return {
    // Kept even with a context: the agent names its TLS session cache entries after them.
    ca: engineTls.ca,
    cert: engineTls.cert,
    key: engineTls.key,
    ...(secureContext === undefined ? {} : {secureContext}),
    // SNI must carry a host name, never an IP literal (RFC 6066); node checks the IP SAN for IPs by itself.
    ...(address.isIp ? {} : {servername: address.host}),
    checkServerIdentity: checkSansOnly,
  }
}

/**
 * Node still accepts a certificate's subject CN as its name when the certificate has no DNS SAN; the docker CLI
 * (Go) has not since Go 1.15. berth must not call an engine fine that `docker` then refuses.
 */
function checkSansOnly(host: string, cert: tls.PeerCertificate): Error | undefined {
  const sans = cert.subjectaltname ?? ''
  if (isIP(host) === 0 && !/(^|, )DNS:/.test(sans)) {
    return Object.assign(new Error(`Hostname/IP does not match certificate's altnames: Host: ${host}. is not in the cert's altnames: ${sans || 'none'}`), {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      reason: `Host: ${host} is not in the cert's altnames: ${sans || 'none'}`,
      host,
      cert,
    })
  }
  return tls.checkServerIdentity(host, cert)
}
