import {createServer} from 'node:net'

/** Whether a TCP port on 127.0.0.1 can be bound now (nothing else listens on it). */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({host: '127.0.0.1', port, exclusive: true}, () => server.close(() => resolve(true)))
  })
}

/** A port on 127.0.0.1 that is free now, chosen by the system, and not one of avoid. */
export async function freePort(avoid: readonly number[] = []): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer()
      server.once('error', reject)
      server.listen({host: '127.0.0.1', port: 0, exclusive: true}, () => {
        const address = server.address()
        const chosen = typeof address === 'object' && address !== null ? address.port : 0
        server.close(() => resolve(chosen))
      })
    })
    if (!avoid.includes(port)) return port
  }
}
