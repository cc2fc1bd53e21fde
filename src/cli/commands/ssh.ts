import {UsageError} from '../../core/errors.js'
import {checkKeyForOpenSsh, findExecutable, machineSshAccess, nativeClientTerminal, openSshClientWords, remoteCommand, runNativeSsh, runTool, sshArgs, type SshAccess, type SshClientOption} from '../../core/ssh-access/index.js'
import type {App} from '../app.js'
import {BerthCommand} from '../base-command.js'
import {machineName} from '../machine-args.js'
import {oclifArgs, oclifFlags} from '../oclif-spec.js'
import {openStoredMachine} from '../open.js'
import type {CommandSpec, ParsedFlags} from '../spec.js'
import {sshCommandFlags, splitSshArgv, UnknownSshOption, type SshInvocation} from '../ssh-line.js'

const spec: CommandSpec = {
  summary: 'Log in to a machine, or run a command on it, over SSH with its pinned host key.',
  description: 'After the machine name come ssh\'s own options (-L 8080:localhost:80, -A, -C, -o Key=value), as ssh reads them, '
    + 'then the remote command (put "--" before it when it starts with "-"): '
    + 'one word is a command line for the remote shell ("ls -l | wc -l"), several words are one command whose arguments '
    + 'arrive unchanged (-- sh -c \'exit 7\'). The exit code is the remote command\'s. Without a command, an interactive '
    + 'shell. berth runs the system ssh with the machine\'s key and its own known_hosts (StrictHostKeyChecking=yes), '
    + 'or its built-in client when no ssh is installed.',
  examples: [
    '<%= config.bin %> ssh web1',
    '<%= config.bin %> ssh web1 -- docker ps -a',
    '<%= config.bin %> ssh web1 -L 8080:localhost:80 -N',
    '<%= config.bin %> ssh web1 \'journalctl -u docker | tail\'',
    'tar c src | <%= config.bin %> ssh web1 -- tar x -C /srv',
  ],
  flags: sshCommandFlags,
  args: [
    {name: 'name', description: 'machine name (default: "default")'},
    {name: 'command', description: 'the remote command and its arguments (default: an interactive shell)'},
  ],
}

interface SshInput {
  flags: ParsedFlags
  name: string | undefined
  options: SshClientOption[]
  command: string[]
}

/** Run the session and return its exit code: the remote command's, or 255 when ssh could not connect (as ssh). */
async function run(app: App, input: SshInput, signal: AbortSignal): Promise<number> {
  const name = await machineName(app, input.name === undefined ? [] : [input.name])
  const machine = await openStoredMachine(app, await app.store.load(name))
  const log = (line: string) => app.reporter.debug(`ssh ${name}: ${line}`)
  const access = await machineSshAccess(app.layout, machine, {signal, log})
  const command = remoteCommand(input.command)
  const tty = input.flags.tty === true
  const ssh = input.flags['native-ssh'] === true ? undefined : await findExecutable('ssh', app.terminal.env)
  if (ssh === undefined) {
    log(input.flags['native-ssh'] === true ? 'using the built-in SSH client (--native-ssh)' : 'no ssh on PATH: using the built-in SSH client')
    const terminal = nativeClientTerminal(input.options)
    return runBuiltIn(app, access, command, terminal === undefined ? tty : terminal === 'force', signal)
  }
  const clientWords = openSshClientWords(input.options)
  await checkKeyForOpenSsh(access)
  // An interactive shell gets a terminal when there is one; a command runs without, and never prompts.
  const args = sshArgs(access, {
    ...(command === undefined ? {} : {command}),
    tty: tty ? 'force' : command === undefined && process.stdin.isTTY ? 'auto' : 'none',
    batch: command !== undefined,
    clientWords,
  })
  log(`${ssh} ${args.join(' ')}`)
  return runTool(ssh, args, {env: app.terminal.env, stdio: 'inherit'})
}

function runBuiltIn(app: App, access: SshAccess, command: string | undefined, tty: boolean, signal: AbortSignal): Promise<number> {
  const wantsTerminal = tty || (command === undefined && process.stdin.isTTY)
  return runNativeSsh(access, {stdin: process.stdin, stdout: process.stdout, stderr: process.stderr}, {
    ...(command === undefined ? {} : {command}),
    ...(wantsTerminal ? {pty: {term: app.terminal.env.TERM || 'xterm-256color'}} : {}),
    signal,
  })
}

/**
 * Its own class rather than defineCommand: everything after the machine name is the remote command, flags
 * included, so only berth's part of the line is parsed, and the exit code is the remote command's.
 */
export default class Ssh extends BerthCommand {
  static override summary = spec.summary
  static override description = spec.description
  static override examples = spec.examples ?? []
  static override flags = oclifFlags(spec.flags)
  static override args = oclifArgs(spec.args)
  static override strict = false
  static override usage = '<%= command.id %> [FLAGS] [NAME] [SSH OPTIONS] [--] [COMMAND...]'

  async run(): Promise<void> {
    const {head, options, command} = readLine(this.argv)
    const parsed = await this.parse({flags: Ssh.flags, baseFlags: BerthCommand.baseFlags, args: oclifArgs(spec.args.slice(0, 1)), strict: true}, head)
    const name = typeof parsed.args.name === 'string' ? parsed.args.name : undefined
    let code = 0
    // --native-ssh is ssh's own flag here, not the ignored global one that --debug would otherwise note.
    const appFlags = Object.fromEntries(Object.entries(parsed.flags).filter(([flag]) => flag !== 'native-ssh'))
    await this.runAction(async (app, _input, signal) => {
      code = await run(app, {flags: parsed.flags, name, options, command}, signal)
    }, {flags: appFlags, args: name === undefined ? [] : [name]})
    process.exitCode = code
  }
}

function readLine(argv: readonly string[]): SshInvocation {
  try {
    return splitSshArgv(argv)
  } catch (error) {
    if (!(error instanceof UnknownSshOption)) throw error
    if (error.missingValue) throw new UsageError(`The ssh option ${error.word} needs a value.`, {hint: 'Give it one, as for ssh: -L 8080:localhost:80.'})
    throw new UsageError(`ssh has no option ${error.word} (berth's own flags go before the machine name).`, {
      hint: 'Put "--" before a remote command that starts with "-".',
    })
  }
}
