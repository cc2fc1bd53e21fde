import {describe, expect, it} from 'vitest'
import {errorLine} from '../../../src/cli/error-line.js'
import {BerthError, UsageError} from '../../../src/core/errors.js'

describe('errorLine', () => {
  it('ends a message with a full stop before its hint, so the two read as two sentences', () => {
    expect(errorLine(new BerthError('Cannot reach the engine at tcp://10.0.0.5:2376', {hint: 'Is the host running?'})).line)
      .toBe('Error: Cannot reach the engine at tcp://10.0.0.5:2376. Is the host running?')
    expect(errorLine(new BerthError('No driver chosen.', {hint: 'Pass -d DRIVER.'})).line).toBe('Error: No driver chosen. Pass -d DRIVER.')
    // A command's output often ends with a space or a line break.
    expect(errorLine(new BerthError('exit 22: curl: (22) The requested URL returned error: 404 \n', {hint: 'Check the URL.'})).line).toBe('Error: exit 22: curl: (22) The requested URL returned error: 404. Check the URL.')
  })

  it('leaves a message without a hint as it is, and keeps its exit code', () => {
    expect(errorLine(new UsageError('Unknown shell "x"'))).toEqual({line: 'Error: Unknown shell "x"', exitCode: 1})
  })
})
