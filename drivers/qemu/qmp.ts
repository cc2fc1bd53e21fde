import {createConnection} from 'node:net'

/** Why a QMP call failed: nothing listens on the socket (the VM is not running), or QEMU answered an error. */
export class QmpError extends Error {
  constructor(message: string, readonly reason: 'unreachable' | 'error' | 'timeout') {
    super(message)
  }
}

const QMP_TIMEOUT_MS = 10_000

/**
 * One QMP command over QEMU's monitor socket: read the greeting, negotiate capabilities, send the command and return
 * its "return" value. Asynchronous events that arrive in between are skipped. A socket nobody listens on (ENOENT,
 * ECONNREFUSED) is 'unreachable', which callers take as "not running".
 */
export function qmpCommand(socketPath: string, execute: string, args?: Record<string, unknown>, options: {timeoutMs?: number; signal?: AbortSignal} = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({path: socketPath})
    let buffer = ''
    let stage: 'greeting' | 'capabilities' | 'command' = 'greeting'
    let settled = false
    const finish = (error: Error | undefined, value?: unknown): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      socket.destroy()
      if (error) reject(error)
      else resolve(value)
    }
    const onAbort = (): void => finish(options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted'))
    const timer = setTimeout(() => finish(new QmpError(`QEMU did not answer ${execute} on ${socketPath} within ${(options.timeoutMs ?? QMP_TIMEOUT_MS) / 1000}s`, 'timeout')), options.timeoutMs ?? QMP_TIMEOUT_MS)
    options.signal?.addEventListener('abort', onAbort, {once: true})
    const send = (message: Record<string, unknown>): void => {
      socket.write(`${JSON.stringify(message)}\n`)
    }
    socket.setEncoding('utf8')
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const unreachable = error.code === 'ENOENT' || error.code === 'ECONNREFUSED'
      finish(new QmpError(unreachable ? `nothing listens on ${socketPath}` : `QMP socket ${socketPath}: ${error.message}`, unreachable ? 'unreachable' : 'error'))
    })
    socket.on('close', () => finish(new QmpError(`QEMU closed ${socketPath} before it answered ${execute}`, execute === 'quit' && stage === 'command' ? 'unreachable' : 'error')))
    socket.on('data', (chunk: string) => {
      buffer += chunk
      let newline: number
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim()
        buffer = buffer.slice(newline + 1)
        if (line === '') continue
        let message: Record<string, unknown>
        try {
          message = JSON.parse(line) as Record<string, unknown>
        } catch {
          finish(new QmpError(`QEMU sent something that is not JSON on ${socketPath}`, 'error'))
          return
        }
        if ('event' in message) continue
        if (stage === 'greeting') {
          stage = 'capabilities'
          send({execute: 'qmp_capabilities'})
        } else if (stage === 'capabilities') {
          if ('error' in message) return finish(new QmpError(`QMP capabilities negotiation failed: ${describe(message.error)}`, 'error'))
          stage = 'command'
          send(args === undefined ? {execute} : {execute, arguments: args})
        } else {
          if ('error' in message) return finish(new QmpError(`QEMU refused ${execute}: ${describe(message.error)}`, 'error'))
          return finish(undefined, message.return)
        }
      }
    })
  })
}

function describe(error: unknown): string {
  const {class: kind, desc} = (typeof error === 'object' && error !== null ? error : {}) as {class?: unknown; desc?: unknown}
  return typeof desc === 'string' ? desc : typeof kind === 'string' ? kind : JSON.stringify(error)
}
