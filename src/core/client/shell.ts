import {UsageError} from '../errors.js'
import {quoteValue} from '../safe-text.js'

/** The syntaxes `env` can print. bash, zsh, sh, ksh and dash all read the POSIX one. */
export type Shell = 'posix' | 'fish' | 'powershell' | 'cmd' | 'tcsh' | 'emacs'

/** The names `--shell` accepts, in the order they are listed to the user. */
export const SHELL_NAMES = ['bash', 'zsh', 'sh', 'ksh', 'dash', 'fish', 'powershell', 'pwsh', 'cmd', 'tcsh', 'csh', 'emacs'] as const

const SYNTAX: Readonly<Record<(typeof SHELL_NAMES)[number], Shell>> = {
  bash: 'posix',
  zsh: 'posix',
  sh: 'posix',
  ksh: 'posix',
  dash: 'posix',
  fish: 'fish',
  powershell: 'powershell',
  pwsh: 'powershell',
  cmd: 'cmd',
  tcsh: 'tcsh',
  csh: 'tcsh',
  emacs: 'emacs',
}

/** Docker Machine's words, kept because users know them; it printed them and then failed, berth goes on. */
export const NO_SHELL_NOTE = "The default lines below are for a sh/bash shell, you can specify the shell you're using, with the --shell flag."

interface ResolvedShell {
  shell: Shell
  /** Something to tell the user on stderr (never stdout: the output is meant for eval). */
  note?: string
}

/**
 * Pick the syntax for `env`: an explicit --shell wins and must be a known name; otherwise fish when fish's
 * own variable is visible (as Docker Machine does), otherwise the basename of $SHELL, where an unknown name
 * means POSIX syntax like Docker Machine, and an empty $SHELL means POSIX syntax plus a note.
 */
export function resolveShell(flag: string | undefined, env: NodeJS.ProcessEnv): ResolvedShell {
  if (flag !== undefined && flag !== '') return {shell: shellFromFlag(flag)}
  if (nonEmpty(env.__fish_bin_dir)) return {shell: 'fish'}
  const path = env.SHELL
  if (!nonEmpty(path)) return {shell: 'posix', note: NO_SHELL_NOTE}
  return {shell: shellFromPath(path)}
}

function shellFromFlag(flag: string): Shell {
  const syntax = lookup(flag.toLowerCase())
  if (syntax === undefined) {
    throw new UsageError(`Unknown shell ${quoteValue(flag)}: supported shells are ${SHELL_NAMES.join(', ')}.`, {code: 'unknown-shell', data: {shell: flag, supported: SHELL_NAMES}})
  }
  return syntax
}

function shellFromPath(path: string): Shell {
  // $SHELL may be a Windows path (C:\...\bash.exe) when berth runs under Git Bash or MSYS.
  const base = (path.split(/[/\\]/).pop() ?? '').toLowerCase().replace(/\.exe$/, '')
  // bsd-csh, csh and tcsh all read tcsh's setenv syntax; POSIX lines would be errors there.
  if (base.endsWith('csh')) return 'tcsh'
  return lookup(base) ?? 'posix'
}

function lookup(name: string): Shell | undefined {
  return Object.hasOwn(SYNTAX, name) ? SYNTAX[name as keyof typeof SYNTAX] : undefined
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value !== ''
}
