import {describe, expect, it} from 'vitest'
import {errorLine} from '../../../src/cli/error-line.js'
import {BerthError, UsageError} from '../../../src/core/errors.js'

describe('errorLine', () => {
  it('ends a message with a full stop before its hint, so the two read as two sentences', () => {
    expect(errorLine(new BerthError('Cannot reach the engine at tcp://10.0.0.5:2376', {code: 'invalid-input', hint: 'Is the host running?'})).line)
      .toBe('Error: Cannot reach the engine at tcp://10.0.0.5:2376. Is the host running?')
    expect(errorLine(new BerthError('No driver chosen.', {code: 'invalid-input', hint: 'Pass -d DRIVER.'})).line).toBe('Error: No driver chosen. Pass -d DRIVER.')
    // A command's output often ends with a space or a line break.
    expect(errorLine(new BerthError('exit 22: curl: (22) The requested URL returned error: 404 \n', {code: 'invalid-input', hint: 'Check the URL.'})).line).toBe('Error: exit 22: curl: (22) The requested URL returned error: 404. Check the URL.')
  })

  it('leaves a message without a hint as it is, and keeps its exit code', () => {
    expect(errorLine(new UsageError('Unknown shell "x"'))).toEqual({line: 'Error: Unknown shell "x"', exitCode: 1})
  })

  it('shows what a host or the store said without control characters, passwords in URLs hidden, every line cut', () => {
    expect(errorLine(new BerthError('The host runs \u001b[31mEvil OS\u001b[0m\r\u001b[2K, which berth cannot provision.', {code: 'invalid-input'})).line)
      .toBe('Error: The host runs \\x1b[31mEvil OS\\x1b[0m\\r\\x1b[2K, which berth cannot provision.')
    expect(errorLine(new BerthError('Cannot connect to tcp://root:hunter2@10.0.0.5:2376.', {code: 'invalid-input', hint: 'Is it up?'})).line).toBe('Error: Cannot connect to tcp://root:***@10.0.0.5:2376. Is it up?')
    const long = errorLine(new BerthError(`x ${'y'.repeat(5000)}`, {code: 'invalid-input'})).line
    expect(long).toBe(`Error: x ${'y'.repeat(998)}…`)
    // The tail of an engine's log keeps its lines, each of them clean.
    expect(errorLine(new BerthError('Provisioning failed.\nLast lines of the engine\'s log:\n\u001b[1mline\u0007', {code: 'invalid-input'})).line).toBe('Error: Provisioning failed.\nLast lines of the engine\'s log:\n\\x1b[1mline\\x07')
  })

  it('words a file system error berth did not foresee, with its path, on one line', () => {
    const error = Object.assign(new Error('ENOTDIR: not a directory, scandir \'/tmp/f/machines\''), {code: 'ENOTDIR', path: '/tmp/f/machines', syscall: 'scandir'})
    expect(errorLine(error)).toEqual({line: 'Error: /tmp/f/machines is not a directory.', exitCode: 1})
  })
})
