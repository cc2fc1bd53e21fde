import {describe, expect, it} from 'vitest'
import {closestCommand, editDistance} from '../../../src/cli/typo-suggestion.js'

const COMMANDS = ['active', 'config', 'create', 'drivers', 'env', 'inspect', 'ip', 'kill', 'ls', 'mount', 'provision', 'regenerate-certs',
  'restart', 'rm', 'scp', 'ssh', 'start', 'status', 'stop', 'upgrade', 'url', 'use', 'version']

describe('closestCommand', () => {
  it('finds the command a typo meant', () => {
    const typos: [string, string][] = [['rmm', 'rm'], ['rm-', 'rm'], ['creat', 'create'], ['sttus', 'status'], ['sttaus', 'status'],
      ['Create', 'create'], ['lss', 'ls'], ['regenerate-cert', 'regenerate-certs'], ['prov', 'provision'], ['upgarde', 'upgrade']]
    expect(typos.map(([typed]) => [typed, closestCommand(typed, COMMANDS)])).toEqual(typos)
  })

  it('suggests nothing for a word far from every command', () => {
    for (const word of ['foo', 'deploy', 'xyz', 'bananas', 'st']) expect(closestCommand(word, COMMANDS), word).toBeUndefined()
  })
})

describe('editDistance', () => {
  it('counts an adjacent swap as one edit', () => {
    expect(editDistance('sttaus', 'status')).toBe(1)
    expect(editDistance('rm', 'rm')).toBe(0)
    expect(editDistance('', 'ls')).toBe(2)
    expect(editDistance('kitten', 'sitting')).toBe(3)
  })
})
