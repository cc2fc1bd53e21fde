import {connect} from 'node:net'
import {setTimeout as sleep} from 'node:timers/promises'

/** Poll check until it holds; fail with what after timeoutMs, or at once when abandon() says the wait is pointless. */
export async function waitUntil(what: string, check: () => Promise<boolean>, options: {timeoutMs: number; abandon?: () => string | undefined}): Promise<void> {
  const deadline = Date.now() + options.timeoutMs
  for (;;) {
    const reason = options.abandon?.()
    if (reason !== undefined) throw new Error(`${what}: ${reason}`)
    if (await check()) return
    if (Date.now() >= deadline) throw new Error(`${what}: not after ${options.timeoutMs / 1000}s.`)
    await sleep(50)
  }
}

/** Whether an SSH server answers on ip:port with its banner (a listening socket alone is not enough). */
export function sshAnswers(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({host: ip, port, timeout: 2_000})
    let received = ''
    const finish = (answer: boolean): void => {
      socket.destroy()
      resolve(answer)
    }
    socket.setEncoding('ascii')
    socket.on('data', (chunk: string) => {
      received += chunk
      if (received.length >= 4) finish(received.startsWith('SSH-'))
    })
    socket.on('timeout', () => finish(false))
    socket.on('error', () => finish(false))
    socket.on('close', () => finish(false))
  })
}
