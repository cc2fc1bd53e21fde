import {describe, expect, it} from 'vitest'
import {InvalidMachineNameError} from '../../../src/core/errors.js'
import {validateMachineName} from '../../../src/core/machine-name.js'
import {wordError} from '../../../src/cli/error-wording.js'

function rejection(name: string): InvalidMachineNameError {
  try {
    validateMachineName(name)
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidMachineNameError)
    return error as InvalidMachineNameError
  }
  throw new Error(`${JSON.stringify(name)} was accepted`)
}

describe('validateMachineName', () => {
  it.each(['a', 'A', '7', 'm1', 'web-01.example', 'My.Host-2', 'a'.repeat(63)])('accepts %j and returns it', (name) => {
    expect(validateMachineName(name)).toBe(name)
  })

  it('rejects the empty name, saying it is empty', () => {
    const error = rejection('')
    expect(error.message).toBe('Invalid machine name "": it is empty.')
    expect(wordError(error).hint).toMatch(/1-63 characters/)
    expect(error.exitCode).toBe(1)
  })

  it('rejects 64 characters, naming the length and the limit', () => {
    const error = rejection('a'.repeat(64))
    expect(error.message).toContain('it is 64 characters long, the limit is 63')
  })

  it.each([
    ['../x', 'must start with a letter or digit'],
    ['-x', 'must start with a letter or digit'],
    ['.x', 'must start with a letter or digit'],
    ['.', 'must start with a letter or digit'],
    ['..', 'must start with a letter or digit'],
    ['bad_name!', '"_"'],
    ['mäschine', '"ä"'],
    ['my machine', '" "'],
    ['a/b', '"/"'],
    ['a\\b', '"\\\\"'],
    ['tab\there', '"\\t"'],
    ['line\nbreak', '"\\n"'],
  ])('rejects %j, naming the reason (%s)', (name, reason) => {
    const error = rejection(name)
    expect(error.message).toContain(`Invalid machine name ${JSON.stringify(name)}: `)
    expect(error.message).toContain(reason)
    expect(wordError(error).hint).toBe('Use 1-63 characters from a-z A-Z 0-9 . - starting with a letter or digit.')
  })

  it('checks the pattern against the whole name, not a line of it', () => {
    // A multiline-flag regression would let "ok\n../../etc" through.
    expect(() => validateMachineName('ok\n../../etc')).toThrow(InvalidMachineNameError)
    expect(() => validateMachineName('ok\n')).toThrow(InvalidMachineNameError)
  })
})
