import {describe, expect, it} from 'vitest'

import {UsageError} from '../../../src/core/errors.js'
import {NO_SHELL_NOTE, resolveShell, SHELL_NAMES} from '../../../src/core/client/shell.js'

describe('resolveShell', () => {
  it('maps every supported --shell name', () => {
    const syntaxes = Object.fromEntries(SHELL_NAMES.map((name) => [name, resolveShell(name, {}).shell]))
    expect(syntaxes).toEqual({
      bash: 'posix', zsh: 'posix', sh: 'posix', ksh: 'posix', dash: 'posix',
      fish: 'fish', powershell: 'powershell', pwsh: 'powershell', cmd: 'cmd',
      tcsh: 'tcsh', csh: 'tcsh', emacs: 'emacs',
    })
  })

  it('lets --shell win over $SHELL and fish detection', () => {
    expect(resolveShell('tcsh', {SHELL: '/bin/bash', __fish_bin_dir: '/usr/bin'})).toEqual({shell: 'tcsh'})
    expect(resolveShell('PowerShell', {})).toEqual({shell: 'powershell'})
  })

  it('rejects an unknown --shell, listing the supported ones', () => {
    expect(() => resolveShell('nushell', {SHELL: '/bin/bash'})).toThrow(UsageError)
    expect(() => resolveShell('nushell', {})).toThrow(
      'Unknown shell "nushell": supported shells are bash, zsh, sh, ksh, dash, fish, powershell, pwsh, cmd, tcsh, csh, emacs.',
    )
  })

  it('uses the basename of $SHELL', () => {
    expect(resolveShell(undefined, {SHELL: '/usr/bin/fish'})).toEqual({shell: 'fish'})
    expect(resolveShell(undefined, {SHELL: '/bin/zsh'})).toEqual({shell: 'posix'})
    expect(resolveShell(undefined, {SHELL: '/usr/local/bin/pwsh'})).toEqual({shell: 'powershell'})
    expect(resolveShell(undefined, {SHELL: 'C:\\Program Files\\Git\\usr\\bin\\bash.exe'})).toEqual({shell: 'posix'})
  })

  it('gives csh and any *csh tcsh syntax', () => {
    expect(resolveShell(undefined, {SHELL: '/bin/csh'})).toEqual({shell: 'tcsh'})
    expect(resolveShell(undefined, {SHELL: '/usr/bin/tcsh'})).toEqual({shell: 'tcsh'})
    expect(resolveShell(undefined, {SHELL: '/usr/bin/bsd-csh'})).toEqual({shell: 'tcsh'})
    expect(resolveShell('csh', {})).toEqual({shell: 'tcsh'})
  })

  it('falls back to POSIX syntax for an unknown $SHELL, like Docker Machine', () => {
    expect(resolveShell(undefined, {SHELL: '/usr/bin/xonsh'})).toEqual({shell: 'posix'})
  })

  it('detects fish from __fish_bin_dir', () => {
    expect(resolveShell(undefined, {__fish_bin_dir: '/usr/bin'})).toEqual({shell: 'fish'})
    expect(resolveShell(undefined, {__fish_bin_dir: '/usr/bin', SHELL: '/bin/bash'})).toEqual({shell: 'fish'})
  })

  it('uses POSIX syntax with a note when $SHELL is empty or unset, instead of failing', () => {
    expect(resolveShell(undefined, {})).toEqual({shell: 'posix', note: NO_SHELL_NOTE})
    expect(resolveShell(undefined, {SHELL: ''})).toEqual({shell: 'posix', note: NO_SHELL_NOTE})
    expect(resolveShell('', {SHELL: ''})).toEqual({shell: 'posix', note: NO_SHELL_NOTE})
    expect(NO_SHELL_NOTE).toBe("The default lines below are for a sh/bash shell, you can specify the shell you're using, with the --shell flag.")
  })
})
