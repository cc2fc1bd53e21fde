import {checkKeyForOpenSsh, copyMachines, machineSshAccess, parsePathOnMachine, requireExecutable, rsyncArgs, runTool, scpArgs, withSshConfig, type CopyRequest} from '../../core/ssh-access/index.js'
import type {App} from '../app.js'
import {defineToolCommand} from '../define-command.js'
import {openStoredMachine} from '../open.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

const spec: CommandSpec = {
  summary: 'Copy files between this computer and machines, or from one machine to another.',
  description: 'Each side is [user@]MACHINE:PATH, or a local path (localhost:PATH is local too; an empty PATH is the '
    + 'SSH user\'s home). Runs the system scp with each machine\'s key and its own known_hosts (StrictHostKeyChecking=yes); '
    + 'between two machines the data goes through this computer (scp -3), so they need not reach each other. '
    + '--delta runs rsync instead, which sends only what changed (rsync must be installed on both ends).',
  examples: [
    '<%= config.bin %> scp ./app.conf web1:/etc/app/',
    '<%= config.bin %> scp -r web1:/var/log/app ./logs',
    '<%= config.bin %> scp web1:/srv/dump.sql web2:/srv/',
    '<%= config.bin %> scp --delta -r ./site web1:/srv/site',
  ],
  flags: {
    recursive: {type: 'boolean', char: 'r', description: 'Copy directories and everything in them.'},
    quiet: {type: 'boolean', char: 'q', description: 'No progress meter, no warnings.'},
    delta: {type: 'boolean', char: 'd', description: 'Use rsync, sending only the differences (not between two machines).'},
  },
  args: [
    {name: 'source', description: '[user@]MACHINE:PATH or a local path', required: true},
    {name: 'destination', description: '[user@]MACHINE:PATH or a local path', required: true},
  ],
}

export default defineToolCommand(spec, run)

/** Copy, and return scp's (or rsync's) exit code; what went wrong, they have said on stderr already. */
async function run(app: App, {flags, args}: ParsedInput, signal: AbortSignal): Promise<number> {
  const request: CopyRequest = {
    from: parsePathOnMachine(args[0]!),
    to: parsePathOnMachine(args[1]!),
    recursive: flags.recursive === true,
    quiet: flags.quiet === true,
    delta: flags.delta === true,
  }
  const names = copyMachines(request)
  const env = app.terminal.env
  const tool = request.delta
    ? {path: await requireExecutable('rsync', env, 'berth scp --delta', 'rsync'), ssh: await requireExecutable('ssh', env, 'berth scp --delta', 'openssh-client')}
    : {path: await requireExecutable('scp', env, 'berth scp', 'openssh-client')}
  const machines = await Promise.all(names.map(async (name) => {
    const machine = await openStoredMachine(app, await app.store.load(name))
    const access = await machineSshAccess(app.layout, machine, {signal, log: (line) => app.reporter.debug(`scp ${name}: ${line}`)})
    await checkKeyForOpenSsh(access)
    return access
  }))
  return withSshConfig(machines, async (configPath) => {
    const args = tool.ssh === undefined ? scpArgs(configPath, request) : rsyncArgs(tool.ssh, configPath, request)
    app.reporter.debug(`scp: ${tool.path} ${args.join(' ')}`)
    return runTool(tool.path, args, {env, stdio: 'inherit'})
  })
}
