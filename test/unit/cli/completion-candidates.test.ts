import {describe, expect, it} from 'vitest'
import {completionCandidates, type CompletionCommand, type CompletionSources} from '../../../src/cli/completion-candidates.js'

const command = (id: string, args: string[], flags: CompletionCommand['flags'] = [], variadic = false): CompletionCommand => ({id, summary: `${id} it`, args, flags, variadic})

/** A catalogue as the manifest, the store and the drivers give it, with the store read per --storage-path. */
const sources: CompletionSources = {
  commands: [
    command('create', ['name'], [
      {name: 'driver', char: 'd', takesValue: true, description: 'Driver.'},
      {name: 'generic-ip-address', takesValue: true, description: 'IP.', helpGroup: 'GENERIC DRIVER'},
      {name: 'engine-label', takesValue: true, description: 'Label.'},
    ]),
    command('ssh', ['name', 'command'], [{name: 'tty', char: 't', takesValue: false, description: 'TTY.'}], true),
    command('rm', ['name'], [{name: 'force', char: 'f', takesValue: false, description: 'Force it. Really.'}], true),
    command('ls', [], [{name: 'filter', takesValue: true, description: 'Filter.'}, {name: 'format', takesValue: true, description: 'Format.', options: ['json', 'table']}]),
    command('plugins', []),
    command('plugins install', ['plugin']),
  ],
  machines: async (storagePath) => (storagePath === '/other' ? ['other1'] : ['m1', 'm2']),
  drivers: async () => ['generic', 'mine'],
  driverFlags: async (driver) => (driver === 'mine' ? [{name: 'mine-token', takesValue: true, description: 'Token.'}] : undefined),
  shells: ['bash', 'fish'],
  filterKeys: ['driver', 'state'],
}

const values = async (...words: string[]) => (await completionCandidates(words, sources)).map((candidate) => candidate.value)

describe('completionCandidates', () => {
  it('offers commands, then a topic\'s commands', async () => {
    expect(await values('')).toEqual(['create', 'ssh', 'rm', 'ls', 'plugins'])
    expect(await values('plugins', 'in')).toEqual(['install'])
    expect(await completionCandidates(['r'], sources)).toEqual([{value: 'rm', description: 'rm it'}])
  })

  it('offers machines where a machine goes, from the store the line names', async () => {
    expect(await values('rm', '-f', 'm1', '')).toEqual(['m1', 'm2'])
    expect(await values('-s', '/other', 'ssh', '')).toEqual(['other1'])
    expect(await values('ssh', '--storage-path=/other', 'o')).toEqual(['other1'])
    // After the machine, ssh's command; after --, nothing.
    expect(await values('ssh', 'm1', '--', '')).toEqual([])
    expect(await values('create', '')).toEqual([])
  })

  it('offers a driver\'s own flags in place of the built-in drivers\' after -d, and flag values', async () => {
    expect(await values('create', '-d', 'mine', '--')).toEqual(['--driver', '--engine-label', '--mine-token', '--storage-path', '--debug', '--no-color', '--tls-ca-cert', '--tls-ca-key', '--tls-client-cert', '--tls-client-key'])
    expect(await values('create', '--driver=mine', '--m')).toEqual(['--mine-token'])
    expect(await values('create', '--driver', '')).toEqual(['generic', 'mine'])
    expect(await values('create', '--driver=g')).toEqual(['--driver=generic'])
    expect(await values('ls', '--format', '')).toEqual(['json', 'table'])
    expect(await values('ls', '--filter', 'd')).toEqual(['driver=', 'driver=generic', 'driver=mine'])
  })

  it('describes a flag by its first sentence', async () => {
    expect(await completionCandidates(['rm', '--fo'], sources)).toEqual([{value: '--force', description: 'Force it'}])
  })

  it('offers nothing after a word that names no command', async () => {
    expect(await values('nosuch', '')).toEqual([])
  })
})
