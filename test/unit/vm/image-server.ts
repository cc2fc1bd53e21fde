import {createHash} from 'node:crypto'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

export const SIZE = 3 * 1024 * 1024 + 12345
export const IMAGE = Buffer.alloc(SIZE)
for (let i = 0, x = 1; i < SIZE; i++) {
  x = (x * 1103515245 + 12345) >>> 0
  IMAGE[i] = x >>> 24
}
export const SHA256 = createHash('sha256').update(IMAGE).digest('hex')
export const SHA512 = createHash('sha512').update(IMAGE).digest('hex')

export interface Logged {
  path: string
  range: string | undefined
  /** Bytes of the image body sent. */
  sent: number
}

/** An image server on 127.0.0.1: honours Range, can cut its next image response short, serves checksum files. */
export class ImageServer {
  readonly log: Logged[] = []
  /** The next image response stops (the connection is destroyed) after this many body bytes. */
  cutNext: number | undefined
  /** Answer range requests with the whole file, as servers without range support do. */
  ignoreRange = false
  /** While set, image responses stop after their first MiB until it resolves. */
  hold: Promise<void> | undefined
  private server: Server | undefined
  base = ''

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res))
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve())
  }

  imageRequests(prefix = '/images/'): Logged[] {
    return this.log.filter((entry) => entry.path.startsWith(prefix))
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x')
    const entry: Logged = {path: `${url.pathname}${url.search}`, range: req.headers.range, sent: 0}
    this.log.push(entry)
    if (url.pathname === '/SHA256SUMS') {
      res.end(`${'0'.repeat(64)}  other.img\n${SHA256}  disk.qcow2\n${'f'.repeat(64)} *disk.qcow2.sig\n`)
    } else if (url.pathname === '/SHA512SUMS') {
      res.end(`${SHA512} *disk.qcow2\n`)
    } else if (url.pathname === '/images/disk.qcow2') {
      this.serveImage(req, res, entry)
    } else if (url.pathname === '/redirect/disk.qcow2') {
      res.writeHead(302, {location: '/images/disk.qcow2?via=redirect'}).end()
    } else {
      res.writeHead(404).end('not found\n')
    }
  }

  private serveImage(req: IncomingMessage, res: ServerResponse, entry: Logged): void {
    let start = 0
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')
    if (range !== null && !this.ignoreRange) {
      start = Number(range[1])
      if (start >= SIZE) {
        res.writeHead(416, {'content-range': `bytes */${SIZE}`}).end()
        return
      }
      res.writeHead(206, {'content-range': `bytes ${start}-${SIZE - 1}/${SIZE}`, 'content-length': String(SIZE - start)})
    } else {
      res.writeHead(200, {'content-length': String(SIZE)})
    }
    const cut = this.cutNext
    this.cutNext = undefined
    const end = cut === undefined ? SIZE : Math.min(SIZE, start + cut)
    // In chunks, yielding between them, so that a reader can act (abort, wait on a lock) while the body flows.
    let held = false
    const send = (from: number): void => {
      if (res.destroyed) return
      if (!held && this.hold !== undefined && from - start >= 1024 * 1024) {
        held = true
        void this.hold.then(() => send(from))
        return
      }
      if (from >= end) {
        if (cut === undefined) res.end()
        else res.destroy()
        return
      }
      const to = Math.min(end, from + 64 * 1024)
      entry.sent += to - from
      res.write(IMAGE.subarray(from, to), () => setImmediate(() => send(to)))
    }
    send(start)
  }
}
