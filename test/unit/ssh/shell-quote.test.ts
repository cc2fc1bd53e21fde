import {spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, afterEach, describe, expect, it} from 'vitest'
import {shellJoin, shellQuote} from '../../../src/core/ssh/shell-quote.js'
import {sudoCommand} from '../../../src/core/ssh/sudo.js'

/** Strings a shell could trip over: quotes, expansions, globs, separators, newlines, leading dashes, non-ASCII. */
const NASTY = [
  '', ' ', 'plain', 'two words', '  runs  of  spaces  ', '\t', '\n', 'line1\nline2\n', '\n\n',
  '\'', '\'\'', 'it\'s', '\'\\\'\'', '"', '"double"', '\\', 'back\\slash', '\\n', '\\\'',
  '$HOME', '${HOME}', '$(touch pwned)', '`touch pwned`', '$((1+1))', '$1', '$@', '$*', '$#', '$?', '$$', '$',
  '*', '?', '[a]', '*.pem', '~', '~root', 'a=b', '--help', '-n', '-e', '!', '!!', '#', 'x #y',
  ';', 'a;b', '&', '&&', '|', '||', '>', '>out', '<in', '2>&1', '(', ')', '{', '}', '{a,b}',
  'ümlaut', '日本', '\u00a0', '\r\n', 'mixed \' " $x `y` \\ \n end',
]

// The shells run here: had a word's $(...) or `...` run, a file would appear.
const dir = mkdtempSync(join(tmpdir(), 'berth-quote-'))
afterEach(() => expect(readdirSync(dir)).toEqual([]))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

/** Evaluates every quoted word in one `sh -c` and returns the words sh saw, NUL-separated. */
function throughSh(words: readonly string[], wrap: (script: string) => string = (script) => script): string[] {
  const script = `printf '%s\\0' ${words.map(shellQuote).join(' ')}`
  const result = spawnSync('sh', ['-c', wrap(script)], {cwd: dir, encoding: 'utf8'})
  expect(result.stderr).toBe('')
  expect(result.status).toBe(0)
  return result.stdout.split('\0').slice(0, -1)
}

/** Random strings from the characters that matter to a shell, with some arbitrary UTF-8 mixed in. */
function randomWords(count: number): string[] {
  const alphabet = [...' \t\n\'"\\$`!*?[]{}()<>|&;#~=%@:,./-_aZ09', 'é', '€', '\u2028']
  return Array.from({length: count}, () => {
    const bytes = randomBytes(1 + (randomBytes(1)[0] ?? 0) % 24)
    return [...bytes].map((byte) => alphabet[byte % alphabet.length]).join('')
  })
}

describe('shellQuote', () => {
  it('leaves plain words readable and quotes everything else', () => {
    expect(shellQuote('/etc/docker/server.pem')).toBe('/etc/docker/server.pem')
    expect(shellQuote('root:root')).toBe('root:root')
    expect(shellQuote('')).toBe('\'\'')
    expect(shellQuote('a b')).toBe('\'a b\'')
    expect(shellQuote('it\'s')).toBe('\'it\'\\\'\'s\'')
    // An assignment-looking word is quoted, so it stays a word even first on a line.
    expect(shellQuote('a=b')).toBe('\'a=b\'')
    expect(shellQuote('~')).toBe('\'~\'')
  })

  it('refuses a NUL byte, which no shell word can hold', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/)
  })

  it('round-trips nasty strings through sh -c exactly, running nothing', () => {
    expect(throughSh(NASTY)).toEqual(NASTY)
  })

  it('round-trips 500 random strings through sh -c', () => {
    const words = randomWords(500)
    expect(throughSh(words)).toEqual(words)
  })

  it('survives a second level of quoting (a script quoted for sh -c inside a quoted command)', () => {
    const words = [...NASTY, ...randomWords(100)]
    expect(throughSh(words, (script) => `sh -c ${shellQuote(script)}`)).toEqual(words)
  })

  it('keeps a command intact through the sudo wrapper (sh -c of the quoted command)', () => {
    // sudoCommand's output minus "sudo -n" is exactly what sudo would exec.
    const words = [...NASTY, ...randomWords(100)]
    const wrapped = sudoCommand(`printf '%s\\0' ${shellJoin(words)}`)
    expect(wrapped.startsWith('sudo -n sh -c ')).toBe(true)
    const result = spawnSync('sh', ['-c', wrapped.slice('sudo -n '.length)], {cwd: dir, encoding: 'utf8'})
    expect(result.stdout.split('\0').slice(0, -1)).toEqual(words)
  })
})

describe('shellJoin', () => {
  it('quotes each word', () => {
    expect(shellJoin(['install', '-m', '0600', '/tmp/a b'])).toBe('install -m 0600 \'/tmp/a b\'')
  })
})
