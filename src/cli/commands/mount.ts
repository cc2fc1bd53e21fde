import type {Stats} from 'node:fs'
import {mkdtemp, open, readFile, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {BerthError, UsageError} from '../../core/errors.js'
import {run as runCommand} from '../../core/fix.js'
import {checkKeyForOpenSsh, findExecutable, machineSshAccess, MissingToolError, parsePathOnMachine, requireExecutable, runTool, sshfsArgs} from '../../core/ssh-access/index.js'
import type {App} from '../app.js'
import {defineToolCommand} from '../define-command.js'
import {machineName} from '../machine-args.js'
import {openStoredMachine} from '../open.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

const spec: CommandSpec = {
  summary: 'Mount a machine\'s directory on this computer with sshfs, or unmount it.',
  description: 'MACHINE:PATH names the directory (without "MACHINE:", the machine "default"; an empty PATH is the SSH '
    + 'user\'s home). The mountpoint must be an existing directory; it defaults to the same path as on the machine. '
    + 'sshfs uses the machine\'s key and its own known_hosts (StrictHostKeyChecking=yes) and reconnects when the '
    + 'connection drops. Needs sshfs (apt-get install sshfs); -u runs fusermount -u.',
  examples: [
    '<%= config.bin %> mount web1:/srv/app ./app',
    '<%= config.bin %> mount -u web1:/srv/app ./app',
  ],
  flags: {
    unmount: {type: 'boolean', char: 'u', description: 'Unmount instead (fusermount -u MOUNTPOINT).'},
  },
  args: [
    {name: 'source', description: '[user@]MACHINE:[PATH], or PATH on the machine "default"', required: true},
    {name: 'mountpoint', description: 'local directory (default: PATH)'},
  ],
}

export default defineToolCommand(spec, run)

/** Mount or unmount, and return sshfs's (or fusermount's) exit code. */
async function run(app: App, {flags, args}: ParsedInput, signal: AbortSignal): Promise<number> {
  const env = app.terminal.env
  if (args[0]!.startsWith('localhost:')) throw new UsageError('berth mount mounts a machine\'s directory: name the machine as MACHINE:PATH.', {code: 'mount-needs-machine'})
  const side = parsePathOnMachine(args[0]!)
  const mountpoint = args[1] ?? side.path
  if (mountpoint === '') throw new UsageError('No mountpoint: the machine path is empty (the home directory).', {code: 'mountpoint-missing'})
  if (flags.unmount === true) {
    // fuse 2 and fuse 3 name the tool differently.
    const fusermount = await findExecutable('fusermount', env) ?? await findExecutable('fusermount3', env)
    if (fusermount === undefined) throw new MissingToolError('fusermount', 'berth mount -u', 'sshfs')
    return runTool(fusermount, ['-u', mountpoint], {env, stdio: 'inherit'})
  }
  const sshfs = await requireExecutable('sshfs', env, 'berth mount', 'sshfs')
  await requireExecutable('ssh', env, 'sshfs', 'openssh-client')
  const name = side.kind === 'machine' ? side.machine : await machineName(app, [])
  const machine = await openStoredMachine(app, await app.store.load(name))
  await requireMountpoint(mountpoint)
  const access = await machineSshAccess(app.layout, machine, {signal, log: (line) => app.reporter.debug(`mount ${name}: ${line}`)})
  await checkKeyForOpenSsh(access)
  const sshfsCommand = sshfsArgs(access, side.kind === 'machine' ? side.user : undefined, side.path, mountpoint)
  app.reporter.debug(`mount ${name}: ${sshfs} ${sshfsCommand.join(' ')}`)
  return runInBackground(app, sshfs, sshfsCommand)
}

/** An existing directory with nothing mounted on it: FUSE would mount over a mount and hide it. */
async function requireMountpoint(path: string): Promise<void> {
  let found: Stats
  try {
    found = await stat(path)
  } catch {
    throw new BerthError(`The mountpoint ${path} does not exist.`, {code: 'mountpoint-unusable', data: {path, problem: 'missing'}})
  }
  if (!found.isDirectory()) throw new BerthError(`The mountpoint ${path} is not a directory.`, {code: 'mountpoint-unusable', data: {path, problem: 'not-directory'}})
  // A directory on another device than its parent is a mount point already.
  if (found.dev !== (await stat(join(path, '..'))).dev) {
    throw new BerthError(`Something is mounted on ${path} already.`, {code: 'mountpoint-unusable', data: {path, problem: 'mounted'}, fixes: [runCommand('mount', undefined, ['-u', 'MACHINE:PATH', path])]})
  }
}

/**
 * sshfs goes to the background once mounted, and the ssh it started keeps the output it was given. A pipe would
 * then stay open for as long as the mount lives (a caller reading berth's output would wait for the unmount),
 * so its messages go to a private file that berth prints once sshfs itself has exited.
 */
async function runInBackground(app: App, file: string, args: readonly string[]): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-sshfs-'))
  const logPath = join(dir, 'stderr')
  const log = await open(logPath, 'wx', 0o600)
  try {
    const code = await runTool(file, args, {env: app.terminal.env, stdio: ['ignore', log.fd, log.fd]})
    const output = await readFile(logPath, 'utf8')
    if (output !== '') app.terminal.err(output.endsWith('\n') ? output : `${output}\n`)
    return code
  } finally {
    await log.close()
    await rm(dir, {recursive: true, force: true})
  }
}
