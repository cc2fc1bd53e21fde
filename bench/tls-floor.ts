/**
 * Bench tool, run as a timed case (node dist/bench/tls-floor.js STORE): the least any Node program can do to
 * ask every machine of a store for its engine version. One TLS context for all, full handshakes with the
 * client certificate, GET /version, no verification of the engine's certificate, no parsing of the answer,
 * no output. What berth ls spends above this is berth's own; below it no Node CLI can go on this computer.
 */
import {readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import tls from 'node:tls'

const store = process.argv[2]!
const names = readdirSync(join(store, 'machines'))
const first = join(store, 'machines', names[0]!)
const context = tls.createSecureContext({cert: readFileSync(join(first, 'cert.pem')), key: readFileSync(join(first, 'key.pem'))})
for (const name of names) {
  const {endpoint} = JSON.parse(readFileSync(join(store, 'machines', name, 'config.json'), 'utf8')) as {endpoint: {url: string}}
  const url = new URL(endpoint.url.replace(/^tcp:/, 'https:'))
  const socket = tls.connect({host: url.hostname, port: Number(url.port), secureContext: context, rejectUnauthorized: false}, () => {
    socket.end(`GET /version HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`)
  })
  socket.on('data', () => socket.destroy())
  socket.on('error', (error: Error) => {
    process.stderr.write(`${name}: ${error.message}\n`)
    process.exitCode = 1
  })
}
