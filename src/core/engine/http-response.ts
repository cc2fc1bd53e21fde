/**
 * Just enough HTTP/1.1 to read one answer on a connection of our own (berth asks engines a few GETs: /version, /info,
 * the running containers): node:http alone costs more to load than the whole query. Bodies come with a
 * Content-Length, chunked, or until the server closes the connection (we always send `Connection: close`).
 */

export interface HttpResponse {
  status: number
  statusText: string
  body: Buffer
}

/** The request line and headers for a GET on a connection that closes after the answer. */
export function httpGetRequest(hostHeader: string, path: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${hostHeader}\r\nUser-Agent: berth\r\nAccept: application/json\r\nConnection: close\r\n\r\n`
}

/**
 * Parse what has arrived so far: the response when it is complete, undefined when more bytes are needed.
 * `ended` says the server closed the connection, which completes a body of unstated length. Throws on a
 * malformed answer.
 */
export function parseHttpResponse(data: Buffer, ended: boolean): HttpResponse | undefined {
  const headerEnd = data.indexOf('\r\n\r\n')
  if (headerEnd < 0) {
    if (ended) throw new Error('closed the connection before a complete HTTP answer')
    return undefined
  }
  const [statusLine = '', ...headerLines] = data.subarray(0, headerEnd).toString('latin1').split('\r\n')
  const status = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine)
  if (status === null) throw new Error(`answered with something other than HTTP (${JSON.stringify(statusLine.slice(0, 40))})`)
  const headers = new Map<string, string>()
  for (const line of headerLines) {
    const colon = line.indexOf(':')
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  const rest = data.subarray(headerEnd + 4)
  const body = readBody(rest, headers, ended)
  return body === undefined ? undefined : {status: Number(status[1]), statusText: status[2] ?? '', body}
}

function readBody(rest: Buffer, headers: Map<string, string>, ended: boolean): Buffer | undefined {
  if (/\bchunked\b/i.test(headers.get('transfer-encoding') ?? '')) return dechunk(rest, ended)
  const length = headers.get('content-length')
  if (length !== undefined) {
    if (!/^\d+$/.test(length)) throw new Error(`sent an invalid Content-Length (${JSON.stringify(length)})`)
    const size = Number(length)
    if (rest.length >= size) return rest.subarray(0, size)
    if (ended) throw new Error('closed the connection in the middle of its answer')
    return undefined
  }
  return ended ? rest : undefined
}

/** The body of a chunked answer once its last chunk has arrived (trailers are ignored). */
function dechunk(data: Buffer, ended: boolean): Buffer | undefined {
  const chunks: Buffer[] = []
  let offset = 0
  for (;;) {
    const lineEnd = data.indexOf('\r\n', offset)
    if (lineEnd < 0) break
    const size = Number.parseInt(data.subarray(offset, lineEnd).toString('latin1').split(';')[0]!.trim(), 16)
    if (Number.isNaN(size)) throw new Error('sent a malformed chunked answer')
    if (size === 0) return Buffer.concat(chunks)
    const start = lineEnd + 2
    if (data.length < start + size + 2) break
    chunks.push(data.subarray(start, start + size))
    offset = start + size + 2
  }
  if (ended) throw new Error('closed the connection in the middle of its answer')
  return undefined
}
