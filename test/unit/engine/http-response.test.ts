import {describe, expect, it} from 'vitest'
import {httpGetRequest, parseHttpResponse} from '../../../src/core/engine/http-response.js'

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1')

describe('parseHttpResponse', () => {
  it('waits for the whole body of a Content-Length answer', () => {
    const full = 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n{"a"'
    expect(parseHttpResponse(bytes(full.slice(0, 20)), false)).toBeUndefined()
    expect(parseHttpResponse(bytes(full.slice(0, -1)), false)).toBeUndefined()
    expect(parseHttpResponse(bytes(full), false)).toEqual({status: 200, statusText: 'OK', body: bytes('{"a"')})
  })

  it('joins the chunks of a chunked answer once the last one arrived', () => {
    const full = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n'
    expect(parseHttpResponse(bytes(full.slice(0, -7)), false)).toBeUndefined()
    expect(parseHttpResponse(bytes(full), false)?.body.toString()).toBe('abcde')
  })

  it('takes a body of unstated length up to the end of the connection', () => {
    const answer = bytes('HTTP/1.0 404 Not Found\r\n\r\nnope')
    expect(parseHttpResponse(answer, false)).toBeUndefined()
    expect(parseHttpResponse(answer, true)).toEqual({status: 404, statusText: 'Not Found', body: bytes('nope')})
  })

  it('rejects what is not HTTP, a bad length and an answer cut short', () => {
    expect(() => parseHttpResponse(bytes('SSH-2.0-OpenSSH\r\n\r\n'), false)).toThrow('something other than HTTP')
    expect(() => parseHttpResponse(bytes('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'), false)).toThrow('invalid Content-Length')
    expect(() => parseHttpResponse(bytes('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nab'), true)).toThrow('in the middle of its answer')
    expect(() => parseHttpResponse(bytes('HTTP/1.1 200'), true)).toThrow('before a complete HTTP answer')
  })
})

describe('httpGetRequest', () => {
  it('asks for one answer on a connection that then closes', () => {
    expect(httpGetRequest('[::1]:2376', '/version')).toBe('GET /version HTTP/1.1\r\nHost: [::1]:2376\r\nUser-Agent: berth\r\nAccept: application/json\r\nConnection: close\r\n\r\n')
  })
})
