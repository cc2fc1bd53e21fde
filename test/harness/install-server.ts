import {spawn} from 'node:child_process'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

/** What one path of the server answers: fixed text, or the output of a command run for each request. */
export type Route = {text: string} | {command: readonly string[]}

/**
 * A plain HTTP server for a test host to download from, listening on the root namespace's end of the host's
 * link (host.gateway), the one address the host can reach. Routes are looked up at each request, so a caller may
 * add one that needs the server's URL after start(). It records the paths asked for.
 */
export class InstallServer {
  private constructor(private readonly server: Server, private readonly base: string, readonly requests: readonly string[]) {}

  static async start(address: string, routes: Readonly<Record<string, Route>>): Promise<InstallServer> {
    const requests: string[] = []
    const server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://x').pathname
      requests.push(path)
      const route = routes[path]
      if (route === undefined) {
        response.writeHead(404).end('not found\n')
      } else if ('text' in route) {
        response.writeHead(200, {'content-type': 'text/plain'}).end(route.text)
      } else {
        const [program, ...args] = route.command
        const child = spawn(program!, args, {stdio: ['ignore', 'pipe', 'inherit']})
        response.writeHead(200, {'content-type': 'application/octet-stream'})
        child.stdout.pipe(response, {end: false})
        // A failed command must not pass for a complete download: its response is cut, not ended.
        child.on('close', (code) => {
          if (code === 0) response.end()
          else response.destroy(new Error(`${program} exited with ${code}`))
        })
        response.on('close', () => child.kill())
      }
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, address, () => resolve())
    })
    const {port} = server.address() as AddressInfo
    return new InstallServer(server, `http://${address}:${port}`, requests)
  }

  url(path: string): string {
    return `${this.base}${path}`
  }

  close(): Promise<void> {
    this.server.closeAllConnections()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}
