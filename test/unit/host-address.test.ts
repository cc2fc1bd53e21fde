import {describe, expect, it} from 'vitest'
import {wordError} from '../../src/cli/error-wording.js'
import {UsageError} from '../../src/core/errors.js'
import {checkHostAddress, checkUrlHost, hostAddressProblem, ipv4Problem} from '../../src/core/host-address.js'

describe('hostAddressProblem', () => {
  it.each([
    '10.232.1.2', '0.0.0.0', '255.255.255.255', '::1', 'fd00::20', '::ffff:10.0.0.1', 'fe80::1%eth0',
    'localhost', 'docker1.example.com', 'docker1.example.com.', 'a', 'web-01', '1host.example', 'x'.repeat(63),
  ])('accepts %j', (value) => {
    expect(hostAddressProblem(value)).toBeUndefined()
  })

  it.each([
    ['', 'it is empty'],
    ['999.1.1.1', '999 is more than 255'],
    ['256.0.0.1', '256 is more than 255'],
    ['1.2.3', 'it has 3 parts; an IPv4 address has 4'],
    ['1.2.3.4.5', 'it has 5 parts; an IPv4 address has 4'],
    ['12345', 'it has 1 part; an IPv4 address has 4'],
    ['1..2.3', 'it has an empty part'],
    ['010.1.1.1', '"010" has a leading zero, which some programs read as octal'],
    ['0x7f.0.0.1', '"0x7f" is not a decimal number'],
    ['1.2.3.4;touch x', '";" cannot be part of a host name'],
    ['host name', '" " cannot be part of a host name'],
    ['$(reboot)', '"$" cannot be part of a host name'],
    ['host_1.example', '"_" cannot be part of a host name'],
    ['a\u001b[31m', '"\\x1b" cannot be part of a host name'],
    ['a..example', 'it has an empty label (two dots in a row, or a dot at the start)'],
    ['.example', 'it has an empty label (two dots in a row, or a dot at the start)'],
    ['-web.example', 'its label "-web" starts or ends with a hyphen'],
    [`${'x'.repeat(64)}.example`, `its label "${'x'.repeat(64)}" is longer than 63 characters`],
    [`${'abcdefghi.'.repeat(26)}com`, 'it is 263 characters long; a host name has at most 253'],
    ['example.123', 'a host name cannot end in a label of digits only'],
    ['fd00::zz', 'it is not a valid IPv6 address'],
    ['1.2.3.4:22', 'it is not a valid IPv6 address'],
    ['[::1]', 'an IPv6 address is given here without brackets'],
  ])('refuses %j: %s', (value, problem) => {
    expect(hostAddressProblem(value)).toBe(problem)
  })
})

describe('ipv4Problem', () => {
  it('accepts only dotted quads', () => {
    expect(ipv4Problem('192.168.56.10')).toBeUndefined()
    expect(ipv4Problem('localhost')).toBe('it has 1 part; an IPv4 address has 4')
  })
})

describe('checkHostAddress and checkUrlHost', () => {
  it('name the flag, the value and what is accepted, as a usage error', () => {
    expect(() => checkHostAddress('--generic-ip-address', '999.1.1.1')).toThrow(UsageError)
    try {
      checkHostAddress('--generic-ip-address', '999.1.1.1')
    } catch (error) {
      expect((error as UsageError).message).toBe('--generic-ip-address "999.1.1.1" is not an address or host name: 999 is more than 255.')
      expect(wordError(error as UsageError).hint).toMatch(/^Give an IPv4 address \(four numbers from 0 to 255/)
    }
  })

  it('reads the host of a URL as typed, before a URL parser turns 1.2.3 into 1.2.0.3', () => {
    expect(new URL('http://1.2.3/').hostname).toBe('1.2.0.3')
    expect(() => checkUrlHost('--x', 'http://1.2.3/')).toThrow('--x "http://1.2.3/" does not name a host: "1.2.3" is not an address or host name (it has 3 parts; an IPv4 address has 4).')
    expect(() => checkUrlHost('--url', 'tcp://[fd00::zz]:2376')).toThrow(/"\[fd00::zz\]" is not an address or host name \(it is not a valid IPv6 address\)/)
    for (const good of ['tcp://10.0.0.1:2376', 'tcp://[::1]:2376', 'https://user:pw@api.example.com/v2', 'http://localhost:8080', 'not a url']) {
      expect(() => checkUrlHost('--x', good)).not.toThrow()
    }
  })
})
