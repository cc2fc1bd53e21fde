import {BerthError} from '../errors.js'
import {cmdAssignment, emacsQuote, fishQuote, posixQuote, powershellQuote, tcshQuote} from './quote.js'
import type {Shell} from './shell.js'

type EnvVar = readonly [name: string, value: string]

interface EnvRequest {
  shell: Shell
  /** Variables to set, printed in this order. */
  set: readonly EnvVar[]
  /** Variables to unset, printed after the ones to set. */
  unset: readonly string[]
  /** The command line the user should repeat inside eval (see hintCommand). */
  hint: string
}

/** Lines that set and unset variables in the given shell's syntax, then Docker Machine's two usage-hint lines. */
export function renderEnv(request: EnvRequest): string {
  const lines = [
    ...request.set.map(([name, value]) => setLine(request.shell, checkName(name), checkValue(request.shell, name, value))),
    ...request.unset.map((name) => unsetLine(request.shell, checkName(name))),
    ...hintLines(request.shell, request.hint),
  ]
  return lines.map((line) => `${line}\n`).join('')
}

/**
 * The command line as the user typed it, for the hint: argv[0] in double quotes when it holds a space or a
 * backslash (Docker Machine's rule, so Windows paths survive), the arguments joined by single spaces.
 */
export function hintCommand(argv0: string, args: readonly string[]): string {
  const program = /[ \\]/.test(argv0) ? `"${argv0}"` : argv0
  return [program, ...args].join(' ')
}

/** The variables that point the docker client at a machine, in Docker Machine's order. */
export function dockerEnvVars(machine: {url: string; certPath: string; machineName: string}): EnvVar[] {
  return [
    ['DOCKER_TLS_VERIFY', '1'],
    ['DOCKER_HOST', machine.url],
    ['DOCKER_CERT_PATH', machine.certPath],
    ['DOCKER_MACHINE_NAME', machine.machineName],
  ]
}

/**
 * The proxy-bypass variable with the machine's address added. A non-empty lower-case no_proxy wins and keeps
 * its name, as in Docker Machine; an empty value counts as unset. The address is added only when no entry of
 * the list already equals it (Docker Machine's substring test skipped 10.0.0.1 when 10.0.0.10 was listed).
 */
export function noProxyVar(env: NodeJS.ProcessEnv, address: string): EnvVar {
  const name = noProxyName(env)
  const current = env[name] ?? ''
  if (current === '') return [name, address]
  const entries = current.split(',').map((entry) => entry.trim())
  return [name, entries.includes(address) ? current : `${current},${address}`]
}

/** Which spelling of the proxy-bypass variable `env --no-proxy` sets (and `--unset --no-proxy` unsets). */
export function noProxyName(env: NodeJS.ProcessEnv): 'no_proxy' | 'NO_PROXY' {
  return env.no_proxy !== undefined && env.no_proxy !== '' ? 'no_proxy' : 'NO_PROXY'
}

function setLine(shell: Shell, name: string, value: string): string {
  switch (shell) {
    case 'posix': return `export ${name}=${posixQuote(value)}`
    case 'fish': return `set -gx ${name} ${fishQuote(value)};`
    case 'powershell': return `$Env:${name} = ${powershellQuote(value)}`
    case 'cmd': return cmdAssignment(name, value)
    case 'tcsh': return `setenv ${name} ${tcshQuote(value)};`
    case 'emacs': return `(setenv "${name}" ${emacsQuote(value)})`
  }
}

function unsetLine(shell: Shell, name: string): string {
  switch (shell) {
    case 'posix': return `unset ${name}`
    case 'fish': return `set -e ${name};`
    // Docker Machine prints two backslashes; PowerShell accepts them, and users' scripts match on them.
    case 'powershell': return `Remove-Item Env:\\\\${name}`
    // cmd has no unset: an empty assignment removes the variable.
    case 'cmd': return `SET ${name}=`
    case 'tcsh': return `unsetenv ${name};`
    case 'emacs': return `(setenv "${name}" nil)`
  }
}

function hintLines(shell: Shell, hint: string): [string, string] {
  const [comment, command] = hintParts(shell, hint)
  // The trailing space after the colon is Docker Machine's, kept byte for byte.
  return [`${comment} Run this command to configure your shell: `, `${comment} ${command}`]
}

function hintParts(shell: Shell, hint: string): [comment: string, command: string] {
  switch (shell) {
    case 'posix': return ['#', `eval $(${hint})`]
    case 'fish': return ['#', `eval (${hint})`]
    case 'powershell': return ['#', `& ${hint} | Invoke-Expression`]
    case 'cmd': return ['REM', `\t@FOR /f "tokens=*" %i IN ('${hint}') DO @%i`]
    case 'tcsh': return [':', `eval \`${hint}\``]
    case 'emacs': return [';;', `(with-temp-buffer (shell-command "${hint}" (current-buffer)) (eval-buffer))`]
  }
}

function checkName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new BerthError(`Invalid environment variable name ${JSON.stringify(name)}.`, {code: 'shell-value'})
  return name
}

// Every shell's eval form reads the output line by line (or word by word), so a line break cannot be quoted.
function checkValue(shell: Shell, name: string, value: string): string {
  if (/[\0\n\r]/.test(value)) {
    throw new BerthError(`The value of ${name} contains a line break or NUL character and cannot be passed to a shell.`, {code: 'shell-value'})
  }
  // tcsh brace-expands the words of `eval \`...\`` before eval sees any quote, so no quoting protects a brace.
  if (shell === 'tcsh' && /[{}]/.test(value)) {
    throw new BerthError(`The value of ${name} contains a brace, which tcsh expands even inside quotes.`, {code: 'shell-value', hint: 'Use --shell bash, or another shell.'})
  }
  if (shell === 'cmd' && value.includes('"')) {
    throw new BerthError(`The value of ${name} contains a double quote, which cmd cannot receive safely.`, {code: 'shell-value', hint: 'Use --shell powershell.'})
  }
  return value
}
