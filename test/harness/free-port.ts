import {createServer} from 'node:net'

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick for port 0). Another process can take it
 * before the caller binds it, so callers should retry on "address already in use".
 */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('could not read the port picked by the kernel')
  return address.port
}
