import {describe, expect, it} from 'vitest'

import {BerthError} from '../../../src/core/errors.js'
import type {Shell} from '../../../src/core/client/shell.js'
import {dockerEnvVars, hintCommand, noProxyName, noProxyVar, renderEnv} from '../../../src/core/client/shell-env.js'

const VARS = dockerEnvVars({url: 'tcp://10.231.99.2:2376', certPath: '/home/u/.berth/machines/ref', machineName: 'ref'})
const NAMES = VARS.map(([name]) => name)
const HINT = 'berth env ref'

/** Lines joined the way the command prints them: each one ends in a newline. */
function text(...lines: string[]): string {
  return lines.map((line) => `${line}\n`).join('')
}

describe('renderEnv set mode, byte for byte', () => {
  const cases: Array<[Shell, string]> = [
    ['posix', text(
      'export DOCKER_TLS_VERIFY="1"',
      'export DOCKER_HOST="tcp://10.231.99.2:2376"',
      'export DOCKER_CERT_PATH="/home/u/.berth/machines/ref"',
      'export DOCKER_MACHINE_NAME="ref"',
      '# Run this command to configure your shell: ',
      '# eval $(berth env ref)',
    )],
    ['fish', text(
      'set -gx DOCKER_TLS_VERIFY "1";',
      'set -gx DOCKER_HOST "tcp://10.231.99.2:2376";',
      'set -gx DOCKER_CERT_PATH "/home/u/.berth/machines/ref";',
      'set -gx DOCKER_MACHINE_NAME "ref";',
      '# Run this command to configure your shell: ',
      '# eval (berth env ref)',
    )],
    ['powershell', text(
      '$Env:DOCKER_TLS_VERIFY = "1"',
      '$Env:DOCKER_HOST = "tcp://10.231.99.2:2376"',
      '$Env:DOCKER_CERT_PATH = "/home/u/.berth/machines/ref"',
      '$Env:DOCKER_MACHINE_NAME = "ref"',
      '# Run this command to configure your shell: ',
      '# & berth env ref | Invoke-Expression',
    )],
    ['cmd', text(
      'SET DOCKER_TLS_VERIFY=1',
      'SET DOCKER_HOST=tcp://10.231.99.2:2376',
      'SET DOCKER_CERT_PATH=/home/u/.berth/machines/ref',
      'SET DOCKER_MACHINE_NAME=ref',
      'REM Run this command to configure your shell: ',
      'REM \t@FOR /f "tokens=*" %i IN (\'berth env ref\') DO @%i',
    )],
    ['tcsh', text(
      'setenv DOCKER_TLS_VERIFY "1";',
      'setenv DOCKER_HOST "tcp://10.231.99.2:2376";',
      'setenv DOCKER_CERT_PATH "/home/u/.berth/machines/ref";',
      'setenv DOCKER_MACHINE_NAME "ref";',
      ': Run this command to configure your shell: ',
      ': eval `berth env ref`',
    )],
    ['emacs', text(
      '(setenv "DOCKER_TLS_VERIFY" "1")',
      '(setenv "DOCKER_HOST" "tcp://10.231.99.2:2376")',
      '(setenv "DOCKER_CERT_PATH" "/home/u/.berth/machines/ref")',
      '(setenv "DOCKER_MACHINE_NAME" "ref")',
      ';; Run this command to configure your shell: ',
      ';; (with-temp-buffer (shell-command "berth env ref" (current-buffer)) (eval-buffer))',
    )],
  ]
  it.each(cases)('%s', (shell, expected) => {
    expect(renderEnv({shell, set: VARS, unset: [], hint: HINT})).toBe(expected)
  })

  it('keeps the trailing space on the first hint line and ends with a newline', () => {
    const output = renderEnv({shell: 'posix', set: VARS, unset: [], hint: HINT})
    expect(output).toContain('# Run this command to configure your shell: \n')
    expect(output.endsWith(')\n')).toBe(true)
  })

  it('puts a tab after REM in the cmd hint', () => {
    expect(renderEnv({shell: 'cmd', set: [], unset: [], hint: 'x'}).split('\n')[1]).toBe('REM \t@FOR /f "tokens=*" %i IN (\'x\') DO @%i')
  })
})

describe('renderEnv unset mode, byte for byte', () => {
  const cases: Array<[Shell, string]> = [
    ['posix', text(
      'unset DOCKER_TLS_VERIFY',
      'unset DOCKER_HOST',
      'unset DOCKER_CERT_PATH',
      'unset DOCKER_MACHINE_NAME',
      '# Run this command to configure your shell: ',
      '# eval $(berth env -u)',
    )],
    ['fish', text(
      'set -e DOCKER_TLS_VERIFY;',
      'set -e DOCKER_HOST;',
      'set -e DOCKER_CERT_PATH;',
      'set -e DOCKER_MACHINE_NAME;',
      '# Run this command to configure your shell: ',
      '# eval (berth env -u)',
    )],
    ['powershell', text(
      'Remove-Item Env:\\\\DOCKER_TLS_VERIFY',
      'Remove-Item Env:\\\\DOCKER_HOST',
      'Remove-Item Env:\\\\DOCKER_CERT_PATH',
      'Remove-Item Env:\\\\DOCKER_MACHINE_NAME',
      '# Run this command to configure your shell: ',
      '# & berth env -u | Invoke-Expression',
    )],
    ['cmd', text(
      'SET DOCKER_TLS_VERIFY=',
      'SET DOCKER_HOST=',
      'SET DOCKER_CERT_PATH=',
      'SET DOCKER_MACHINE_NAME=',
      'REM Run this command to configure your shell: ',
      'REM \t@FOR /f "tokens=*" %i IN (\'berth env -u\') DO @%i',
    )],
    ['tcsh', text(
      'unsetenv DOCKER_TLS_VERIFY;',
      'unsetenv DOCKER_HOST;',
      'unsetenv DOCKER_CERT_PATH;',
      'unsetenv DOCKER_MACHINE_NAME;',
      ': Run this command to configure your shell: ',
      ': eval `berth env -u`',
    )],
    ['emacs', text(
      '(setenv "DOCKER_TLS_VERIFY" nil)',
      '(setenv "DOCKER_HOST" nil)',
      '(setenv "DOCKER_CERT_PATH" nil)',
      '(setenv "DOCKER_MACHINE_NAME" nil)',
      ';; Run this command to configure your shell: ',
      ';; (with-temp-buffer (shell-command "berth env -u" (current-buffer)) (eval-buffer))',
    )],
  ]
  it.each(cases)('%s', (shell, expected) => {
    expect(renderEnv({shell, set: [], unset: NAMES, hint: 'berth env -u'})).toBe(expected)
  })

  it('prints exactly two backslashes in the PowerShell unset line', () => {
    const line = renderEnv({shell: 'powershell', set: [], unset: ['DOCKER_HOST'], hint: 'x'}).split('\n')[0]!
    expect([...line].filter((char) => char === '\\')).toHaveLength(2)
    expect(line).toBe(String.raw`Remove-Item Env:\\DOCKER_HOST`)
  })
})

describe('--no-proxy', () => {
  const ip = '10.231.99.2:2376'

  it('sets NO_PROXY to the address when nothing is set', () => {
    expect(noProxyVar({}, ip)).toEqual(['NO_PROXY', ip])
  })

  it('extends an existing NO_PROXY', () => {
    expect(noProxyVar({NO_PROXY: 'localhost,127.0.0.1'}, ip)).toEqual(['NO_PROXY', 'localhost,127.0.0.1,10.231.99.2:2376'])
  })

  it('prefers a non-empty lower-case no_proxy and keeps its name', () => {
    expect(noProxyVar({no_proxy: 'example.com', NO_PROXY: 'other'}, ip)).toEqual(['no_proxy', 'example.com,10.231.99.2:2376'])
  })

  it('treats an empty no_proxy as unset', () => {
    expect(noProxyVar({no_proxy: '', NO_PROXY: 'localhost'}, ip)).toEqual(['NO_PROXY', 'localhost,10.231.99.2:2376'])
    expect(noProxyVar({no_proxy: '', NO_PROXY: ''}, ip)).toEqual(['NO_PROXY', ip])
  })

  it('is idempotent', () => {
    const once = noProxyVar({NO_PROXY: 'localhost'}, ip)
    expect(noProxyVar({NO_PROXY: once[1]}, ip)).toEqual(once)
    expect(noProxyVar({no_proxy: `${ip}, localhost`}, ip)).toEqual(['no_proxy', `${ip}, localhost`])
  })

  it('compares whole entries, so a longer address that contains this one does not count', () => {
    expect(noProxyVar({NO_PROXY: '10.0.0.10'}, '10.0.0.1')).toEqual(['NO_PROXY', '10.0.0.10,10.0.0.1'])
  })

  it('renders after the docker variables, in every shell', () => {
    const output = renderEnv({shell: 'posix', set: [...VARS, noProxyVar({no_proxy: 'example.com'}, ip)], unset: [], hint: HINT})
    expect(output).toBe(text(
      'export DOCKER_TLS_VERIFY="1"',
      'export DOCKER_HOST="tcp://10.231.99.2:2376"',
      'export DOCKER_CERT_PATH="/home/u/.berth/machines/ref"',
      'export DOCKER_MACHINE_NAME="ref"',
      'export no_proxy="example.com,10.231.99.2:2376"',
      '# Run this command to configure your shell: ',
      '# eval $(berth env ref)',
    ))
  })

  it('unsets cleanly with --unset, under the name in use', () => {
    expect(noProxyName({})).toBe('NO_PROXY')
    expect(noProxyName({NO_PROXY: 'x'})).toBe('NO_PROXY')
    expect(noProxyName({no_proxy: 'x'})).toBe('no_proxy')
    expect(renderEnv({shell: 'posix', set: [], unset: [...NAMES, noProxyName({NO_PROXY: 'localhost'})], hint: 'berth env -u --no-proxy'})).toBe(text(
      'unset DOCKER_TLS_VERIFY',
      'unset DOCKER_HOST',
      'unset DOCKER_CERT_PATH',
      'unset DOCKER_MACHINE_NAME',
      'unset NO_PROXY',
      '# Run this command to configure your shell: ',
      '# eval $(berth env -u --no-proxy)',
    ))
    expect(renderEnv({shell: 'fish', set: [], unset: [noProxyName({no_proxy: 'a'})], hint: 'x'}).split('\n')[0]).toBe('set -e no_proxy;')
    expect(renderEnv({shell: 'powershell', set: [], unset: ['NO_PROXY'], hint: 'x'}).split('\n')[0]).toBe('Remove-Item Env:\\\\NO_PROXY')
    expect(renderEnv({shell: 'cmd', set: [], unset: ['NO_PROXY'], hint: 'x'}).split('\n')[0]).toBe('SET NO_PROXY=')
    expect(renderEnv({shell: 'tcsh', set: [], unset: ['no_proxy'], hint: 'x'}).split('\n')[0]).toBe('unsetenv no_proxy;')
    expect(renderEnv({shell: 'emacs', set: [], unset: ['NO_PROXY'], hint: 'x'}).split('\n')[0]).toBe('(setenv "NO_PROXY" nil)')
  })
})

describe('hintCommand', () => {
  it('joins argv as typed', () => {
    expect(hintCommand('berth', ['env', '--shell=bash', 'ref'])).toBe('berth env --shell=bash ref')
    expect(hintCommand('/usr/local/bin/berth', ['--debug', 'env', 'ref'])).toBe('/usr/local/bin/berth --debug env ref')
  })

  it('quotes argv[0] holding a space or a backslash', () => {
    expect(hintCommand('/opt/my tools/berth', ['env', 'ref'])).toBe('"/opt/my tools/berth" env ref')
    expect(hintCommand('C:\\berth\\berth.exe', ['env', 'ref'])).toBe('"C:\\berth\\berth.exe" env ref')
  })
})

describe('quoting unusual values', () => {
  const nasty = `/tmp/a b/"q"/'s'/$HOME/\`id\`/back\\slash/!bang`
  const set = [['DOCKER_CERT_PATH', nasty]] as const
  const first = (shell: Shell) => renderEnv({shell, set, unset: [], hint: 'x'}).split('\n')[0]

  it('escapes what each shell would interpret', () => {
    expect(first('posix')).toBe(String.raw`export DOCKER_CERT_PATH="/tmp/a b/\"q\"/'s'/\$HOME/\`id\`/back\\slash/!bang"`)
    expect(first('fish')).toBe(String.raw`set -gx DOCKER_CERT_PATH "/tmp/a b/\"q\"/'s'/\$HOME/` + '`id`' + String.raw`/back\\slash/!bang";`)
    expect(first('powershell')).toBe('$Env:DOCKER_CERT_PATH = "/tmp/a b/`"q`"/\'s\'/`$HOME/``id``/back\\slash/!bang"')
    expect(first('tcsh')).toBe(`setenv DOCKER_CERT_PATH '/tmp/a b/"q"/'"'"'s'"'"'/$HOME/\`id\`/back\\slash/'\\!'bang';`)
    expect(first('emacs')).toBe(String.raw`(setenv "DOCKER_CERT_PATH" "/tmp/a b/\"q\"/'s'/$HOME/` + '`id`' + String.raw`/back\\slash/!bang")`)
  })

  it('keeps plain values with spaces in Docker Machine form', () => {
    const plain = [['DOCKER_CERT_PATH', '/Users/Jane Doe/.berth/machines/m1']] as const
    expect(renderEnv({shell: 'posix', set: plain, unset: [], hint: 'x'}).split('\n')[0]).toBe('export DOCKER_CERT_PATH="/Users/Jane Doe/.berth/machines/m1"')
    expect(renderEnv({shell: 'tcsh', set: plain, unset: [], hint: 'x'}).split('\n')[0]).toBe('setenv DOCKER_CERT_PATH "/Users/Jane Doe/.berth/machines/m1";')
    expect(renderEnv({shell: 'cmd', set: plain, unset: [], hint: 'x'}).split('\n')[0]).toBe('SET DOCKER_CERT_PATH=/Users/Jane Doe/.berth/machines/m1')
  })

  it('quotes the whole assignment for cmd when the value holds an operator', () => {
    const line = renderEnv({shell: 'cmd', set: [['DOCKER_CERT_PATH', 'C:\\A&B\\m1']], unset: [], hint: 'x'}).split('\n')[0]
    expect(line).toBe('SET "DOCKER_CERT_PATH=C:\\A&B\\m1"')
  })

  it('refuses what no shell can take safely', () => {
    expect(() => renderEnv({shell: 'posix', set: [['A', 'a\nb']], unset: [], hint: 'x'})).toThrow(BerthError)
    expect(() => renderEnv({shell: 'cmd', set: [['A', 'a"b']], unset: [], hint: 'x'})).toThrow(/double quote/)
    expect(() => renderEnv({shell: 'tcsh', set: [['A', 'a{b,c}d']], unset: [], hint: 'x'})).toThrow(/brace/)
    expect(() => renderEnv({shell: 'posix', set: [['A;rm', 'x']], unset: [], hint: 'x'})).toThrow(/variable name/)
    expect(() => renderEnv({shell: 'posix', set: [], unset: ['$(x)'], hint: 'x'})).toThrow(/variable name/)
  })
})
