import {describe, expect, it} from 'vitest'
import {wordError} from '../../../src/cli/error-wording.js'
import {SudoError} from '../../../src/core/ssh/errors.js'
import {sudoFailure} from '../../../src/core/ssh/sudo.js'

const endpoint = {host: '10.0.0.5', port: 22, user: 'ubuntu'}

describe('sudoFailure', () => {
  it('names a password prompt and the fix', () => {
    const error = sudoFailure({code: 1, stderr: 'sudo: a password is required\n'}, endpoint)
    expect(error).toBeInstanceOf(SudoError)
    expect(error?.reason).toBe('password')
    expect(error?.message).toBe('sudo on 10.0.0.5 asks "ubuntu" for a password, and berth cannot type one.')
    expect(wordError(error!).hint).toContain('ubuntu ALL=(ALL) NOPASSWD:ALL')
    expect(wordError(error!).hint).toContain('or connect as root')
  })

  it('treats the older "terminal is required" wording the same way', () => {
    expect(sudoFailure({code: 1, stderr: 'sudo: a terminal is required to read the password\n'}, endpoint)?.reason).toBe('password')
  })

  it('names a user who is not in sudoers', () => {
    const stderr = 'ubuntu is not in the sudoers file.  This incident will be reported.\n'
    expect(sudoFailure({code: 1, stderr: `sudo: ${stderr}`}, endpoint)?.reason).toBe('not-allowed')
    expect(sudoFailure({code: 1, stderr: 'Sorry, user ubuntu is not allowed to execute \'/bin/sh -c id\' as root on h.\n'}, endpoint)?.reason)
      .toBe('not-allowed')
  })

  it('names a host without sudo', () => {
    expect(sudoFailure({code: 127, stderr: 'sh: 1: sudo: not found\n'}, endpoint)?.reason).toBe('missing')
    expect(sudoFailure({code: 127, stderr: 'bash: sudo: command not found\n'}, endpoint)?.reason).toBe('missing')
  })

  it('leaves failures of the command itself alone', () => {
    expect(sudoFailure({code: 0, stderr: 'sudo: a password is required\n'}, endpoint)).toBeUndefined()
    expect(sudoFailure({code: 1, stderr: 'grep: /etc/x: No such file or directory\n'}, endpoint)).toBeUndefined()
    expect(sudoFailure({code: 3, stderr: ''}, endpoint)).toBeUndefined()
    // A command that mentions sudo in the middle of a line is not sudo speaking.
    expect(sudoFailure({code: 1, stderr: 'note: sudo: a password is required\n'}, endpoint)).toBeUndefined()
  })
})
