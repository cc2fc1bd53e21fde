import {connect} from 'node:net'

/** Try a TCP connection: 'connected', 'timeout', or the error code (ECONNREFUSED, EHOSTUNREACH, ...). */
export function tcpConnect(host: string, port: number, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({host, port, timeout: timeoutMs})
    socket.on('connect', () => {
      socket.destroy()
      resolve('connected')
    })
    socket.on('timeout', () => {
      socket.destroy()
      resolve('timeout')
    })
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
  })
}
