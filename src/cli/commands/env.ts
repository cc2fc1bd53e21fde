import {resolveShell} from '../../core/client/shell.js'
import {dockerEnvVars, hintCommand, noProxyName, noProxyVar, renderEnv} from '../../core/client/shell-env.js'
import {UsageError} from '../../core/errors.js'
import {run as runCommand} from '../../core/fix.js'
import {endpointOf} from '../../core/machine/engine-access.js'
import {checkEngineAccess} from '../../core/machine/engine-access-check.js'
import type {App} from '../app.js'
import {jsonText, wantsJson} from '../json-output.js'
import {machineName} from '../machine-args.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Print the shell lines that point the docker client at a machine.',
  description: 'Run eval "$(berth env NAME)" to use the machine in the current shell. The settings are checked first (certificates valid, issued by the machine\'s CA, covering the host\'s address), so what is printed works.',
  examples: ['eval "$(<%= config.bin %> env web1)"', '<%= config.bin %> env --shell fish web1 | source', 'eval "$(<%= config.bin %> env --unset)"'],
  flags: {
    shell: {type: 'string', description: 'Shell syntax: bash, zsh, sh, ksh, dash, fish, powershell, pwsh, cmd, tcsh, csh, emacs (default: from $SHELL).'},
    unset: {type: 'boolean', char: 'u', description: 'Print the lines that undo the settings instead.'},
    'no-proxy': {type: 'boolean', description: 'Add the machine\'s address to NO_PROXY.'},
    json: {type: 'boolean', description: 'Print the variables as a JSON object instead (null: unset), for scripts (docs/json.md).'},
  },
  args: [{name: 'name', description: 'machine name (default: "default")'}],
}

/** The variables env sets, in Docker Machine's order; --unset clears the same ones. */
const DOCKER_VARIABLES = ['DOCKER_TLS_VERIFY', 'DOCKER_HOST', 'DOCKER_CERT_PATH', 'DOCKER_MACHINE_NAME']

export async function run(app: App, {flags, args}: ParsedInput): Promise<void> {
  const {terminal} = app
  const render = wantsJson(flags, {shell: '--shell'}) ? renderJson : shellRenderer(app, flags.shell as string | undefined)
  if (flags.unset === true) {
    if (args.length > 0) throw new UsageError('Expected no machine name with --unset.', {code: 'machine-name-not-expected', data: {flag: '--unset'}, fixes: [runCommand('env', undefined, ['--unset'])]})
    const unset = [...DOCKER_VARIABLES]
    if (flags['no-proxy'] === true) unset.push(noProxyName(terminal.env))
    terminal.out(render([], unset))
    return
  }
  const name = await machineName(app, args)
  const config = await app.store.load(name)
  const machine = app.layout.machine(name)
  for (const warning of await checkEngineAccess(machine, config)) app.reporter.warn(warning)
  const endpoint = endpointOf(config)
  const set = dockerEnvVars({url: endpoint.url, certPath: machine.dir, machineName: name})
  if (flags['no-proxy'] === true) set.push(noProxyVar(terminal.env, endpoint.address))
  terminal.out(render(set, []))
}

type Render = (set: ReturnType<typeof dockerEnvVars>, unset: readonly string[]) => string

/** The lines for the chosen shell (a note on stderr when it had to be guessed), with Docker Machine's hint. */
function shellRenderer(app: App, shellFlag: string | undefined): Render {
  const {shell, note} = resolveShell(shellFlag, app.terminal.env)
  if (note !== undefined) app.terminal.err(`${note}\n`)
  const hint = hintCommand(app.personality, [...app.terminal.invocation])
  return (set, unset) => renderEnv({shell, set, unset, hint})
}

/** --json: the variables as one object, each to unset as null. */
const renderJson: Render = (set, unset) => jsonText({...Object.fromEntries(set), ...Object.fromEntries(unset.map((name) => [name, null]))})
