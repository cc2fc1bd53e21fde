import {describe, expect, it} from 'vitest'
import {parseSubjectAltNames} from '../../../src/core/certs/subject-alt-names.js'
import {UsageError} from '../../../src/core/errors.js'

describe('parseSubjectAltNames', () => {
  it('makes addresses IP SANs and everything else DNS SANs, keeping order', () => {
    expect(parseSubjectAltNames(['docker.example.test', '10.0.0.4', 'localhost']).map(show)).toEqual([
      'dns docker.example.test',
      'ip 10.0.0.4 0a000004',
      'dns localhost',
    ])
  })

  it('reads every IPv6 spelling into its 16 bytes', () => {
    expect(parseSubjectAltNames(['::1', '2001:db8::1:0:0:1', '::', 'fe80::1%eth0', '[2001:db8::7]', '::ffff:10.0.0.1']).map(show)).toEqual([
      'ip ::1 00000000000000000000000000000001',
      'ip 2001:db8::1:0:0:1 20010db8000000000001000000000001',
      'ip :: 00000000000000000000000000000000',
      'ip fe80::1 fe800000000000000000000000000001',
      'ip 2001:db8::7 20010db8000000000000000000000007',
      'ip ::ffff:10.0.0.1 00000000000000000000ffff0a000001',
    ])
  })

  it('drops duplicates: the same address spelled twice, names differing only in case, blanks', () => {
    expect(parseSubjectAltNames(['::1', '0:0:0:0:0:0:0:1', 'LocalHost', 'localhost', ' 10.0.0.4 ', '10.0.0.4', '', '  ']).map(show)).toEqual([
      'ip ::1 00000000000000000000000000000001',
      'dns LocalHost',
      'ip 10.0.0.4 0a000004',
    ])
  })

  it('writes international names as punycode and keeps wildcards', () => {
    expect(parseSubjectAltNames(['bücher.example', '*.example.test']).map(show)).toEqual(['dns xn--bcher-kva.example', 'dns *.example.test'])
  })

  it('rejects what can be neither an address nor a name', () => {
    expect(() => parseSubjectAltNames(['two words'])).toThrow(UsageError)
    expect(() => parseSubjectAltNames(['a/b'])).toThrow('"a/b" is neither an IP address nor a DNS name')
  })
})

function show(san: ReturnType<typeof parseSubjectAltNames>[number]): string {
  return san.type === 'ip' ? `ip ${san.address} ${san.bytes.toString('hex')}` : `dns ${san.name}`
}
