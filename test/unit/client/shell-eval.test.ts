import {spawnSync} from 'node:child_process'
import {mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {dockerClientFlags} from '../../../src/core/client/client-flags.js'
import type {Shell} from '../../../src/core/client/shell.js'
import {dockerEnvVars, renderEnv} from '../../../src/core/client/shell-env.js'

// Each shell actually evaluates berth's output: the value must come back unchanged, and nothing in it may run.
const dir = mkdtempSync(join(tmpdir(), 'berth-eval-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

/** Everything a shell could trip over, including runs of spaces that only the quoted eval forms keep. */
const NASTY = `/tmp/my  dir/"q"/'s'/$HOME/$(touch pwned1)/\`touch pwned2\`/\${x}/back\\slash/!bang/*?[a]/;&|<>~#%`
/** The same without whitespace runs, for the eval forms that split words (Docker Machine's own hints). */
const SPLIT_SAFE = NASTY.replace('  ', ' ')
/** tcsh brace-expands before it evaluates, so berth refuses braces there (see shell-env.test.ts). */
const TCSH_SAFE = SPLIT_SAFE.replace('${x}', '$x')

function installed(shell: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0
}

function evaluate(shell: Shell, value: string, program: string, script: (file: string) => string): string {
  const file = join(dir, `${program}-${Math.random().toString(36).slice(2)}.env`)
  const vars = dockerEnvVars({url: 'tcp://10.0.0.5:2376', certPath: value, machineName: 'm1'})
  writeFileSync(file, renderEnv({shell, set: vars, unset: [], hint: 'true'}))
  const result = spawnSync(program, ['-c', script(file)], {cwd: dir, encoding: 'utf8', env: {PATH: process.env.PATH, HOME: '/home/nobody'}})
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  // Nothing in the value ran: no file appeared beside the env files.
  expect(readdirSync(dir).filter((name) => !name.endsWith('.env'))).toEqual([])
  return result.stdout
}

const posixShells = ['sh', 'bash', 'dash', 'zsh', 'ksh'].map((name) => ({name, present: installed(name)}))

describe.each(posixShells)('POSIX output in $name', ({name, present}) => {
  it.skipIf(!present)(`${present ? '' : `(skipped: ${name} is not installed) `}survives eval "$(...)" exactly`, () => {
    const out = evaluate('posix', NASTY, name, (file) => `eval "$(cat '${file}')"; printf %s "$DOCKER_CERT_PATH"`)
    expect(out).toBe(NASTY)
  })

  it.skipIf(!present)(`${present ? '' : `(skipped: ${name} is not installed) `}survives the hint's unquoted eval $(...)`, () => {
    const out = evaluate('posix', SPLIT_SAFE, name, (file) => `eval $(cat '${file}'); printf '%s|%s|%s|%s' "$DOCKER_TLS_VERIFY" "$DOCKER_HOST" "$DOCKER_CERT_PATH" "$DOCKER_MACHINE_NAME"`)
    expect(out).toBe(`1|tcp://10.0.0.5:2376|${SPLIT_SAFE}|m1`)
  })

  it.skipIf(!present)(`${present ? '' : `(skipped: ${name} is not installed) `}unsets what it set`, () => {
    const unset = join(dir, `unset-${name}.env`)
    writeFileSync(unset, renderEnv({shell: 'posix', set: [], unset: ['DOCKER_HOST', 'NO_PROXY'], hint: 'true'}))
    const out = evaluate('posix', 'x', name, (file) => `export NO_PROXY=a; eval "$(cat '${file}')"; eval "$(cat '${unset}')"; printf %s "\${DOCKER_HOST-gone}\${NO_PROXY-gone}"`)
    expect(out).toBe('gonegone')
  })
})

const fish = installed('fish')
describe('fish output', () => {
  it.skipIf(!fish)(`${fish ? '' : '(skipped: fish is not installed) '}survives the hint's eval (...) exactly`, () => {
    const out = evaluate('fish', NASTY, 'fish', (file) => `eval (cat '${file}'); printenv DOCKER_TLS_VERIFY DOCKER_HOST DOCKER_CERT_PATH DOCKER_MACHINE_NAME`)
    expect(out).toBe(`1\ntcp://10.0.0.5:2376\n${NASTY}\nm1\n`)
  })
})

const tcsh = installed('tcsh')
describe('tcsh output', () => {
  it.skipIf(!tcsh)(`${tcsh ? '' : '(skipped: tcsh is not installed) '}survives the hint's eval \`...\``, () => {
    // tcsh's builtin printenv takes one name; env runs the real one.
    const out = evaluate('tcsh', TCSH_SAFE, 'tcsh', (file) => `eval \`cat '${file}'\`; env printenv DOCKER_TLS_VERIFY DOCKER_HOST DOCKER_CERT_PATH DOCKER_MACHINE_NAME`)
    expect(out).toBe(`1\ntcp://10.0.0.5:2376\n${TCSH_SAFE}\nm1\n`)
  })

  it.skipIf(!tcsh)(`${tcsh ? '' : '(skipped: tcsh is not installed) '}keeps plain values in Docker Machine form and evaluates them`, () => {
    const out = evaluate('tcsh', '/Users/Jane Doe/.berth/machines/m1', 'tcsh', (file) => `eval \`cat '${file}'\`; printenv DOCKER_CERT_PATH`)
    expect(out).toBe('/Users/Jane Doe/.berth/machines/m1\n')
  })
})

describe('berth config output in bash', () => {
  /** What bash hands the docker CLI for the flags, one argument a line, after the docker CLI strips its quotes. */
  function dockerArgs(value: string, script: (file: string) => string): string[] {
    const file = join(dir, `config-${Math.random().toString(36).slice(2)}.env`)
    writeFileSync(file, `${dockerClientFlags({caCert: `${value}/ca.pem`, clientCert: `${value}/cert.pem`, clientKey: `${value}/key.pem`}, 'tcp://10.0.0.5:2376').join('\n')}\n`)
    const result = spawnSync('bash', ['-c', `${script(file)}; printf '%s\\n' "$@"`], {cwd: dir, encoding: 'utf8', env: {PATH: process.env.PATH, HOME: '/home/nobody'}})
    expect(result.stderr).toBe('')
    expect(readdirSync(dir).filter((name) => !name.endsWith('.env'))).toEqual([])
    // The docker CLI's TLS path flags drop one pair of matching quotes around the value (docker/cli opts.QuotedString).
    return result.stdout.split('\n').filter(Boolean).map((arg) => arg.replace(/^(--tls\w+=)(["'])(.*)\2$/, '$1$3'))
  }
  const expected = (value: string): string[] => ['--tlsverify', `--tlscacert=${value}/ca.pem`, `--tlscert=${value}/cert.pem`, `--tlskey=${value}/key.pem`, '-H=tcp://10.0.0.5:2376']

  it('keeps Docker Machine\'s double quotes for an ordinary path', () => {
    expect(dockerClientFlags({caCert: '/s/ca.pem', clientCert: '/s/cert.pem', clientKey: '/s/key.pem'}, 'tcp://10.0.0.5:2376'))
      .toEqual(['--tlsverify', '--tlscacert="/s/ca.pem"', '--tlscert="/s/cert.pem"', '--tlskey="/s/key.pem"', '-H=tcp://10.0.0.5:2376'])
  })

  it('runs nothing when its lines are pasted into a shell', () => {
    // Each pasted line is a command of its own that fails; what matters is that nothing in it runs.
    const file = join(dir, 'pasted.env')
    writeFileSync(file, `${dockerClientFlags({caCert: `${NASTY}/ca.pem`, clientCert: `${NASTY}/cert.pem`, clientKey: `${NASTY}/key.pem`}, 'tcp://10.0.0.5:2376').join('\n')}\n`)
    const result = spawnSync('bash', [file], {cwd: dir, encoding: 'utf8', env: {PATH: process.env.PATH, HOME: '/home/nobody'}})
    expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(5)
    expect(result.stderr).toContain(`--tlscacert=${NASTY}/ca.pem: No such file or directory`)
    expect(readdirSync(dir).filter((name) => !name.endsWith('.env'))).toEqual([])
  })

  it('runs nothing and keeps every path exactly through eval, the lines joined', () => {
    expect(dockerArgs(NASTY, (file) => `eval "set -- $(tr '\\n' ' ' < '${file}')"`)).toEqual(expected(NASTY))
  })

  it('runs nothing and keeps a path without whitespace or single quotes through docker $(berth config m)', () => {
    const path = '/tmp/st$(touch${IFS}pwned)ore/`touch${IFS}pwned2`/"q"/back\\slash/!bang'
    expect(dockerArgs(path, (file) => `set -- $(cat '${file}')`)).toEqual(expected(path))
  })
})
