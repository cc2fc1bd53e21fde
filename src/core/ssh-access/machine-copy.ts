import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {UsageError} from '../errors.js'
import {shellQuote} from '../ssh/shell-quote.js'
import {localPathForCopy, type PathOnMachine} from './remote-path.js'
import {sshConfigFile, type SshAccess} from './ssh-access.js'

export interface CopyRequest {
  from: PathOnMachine
  to: PathOnMachine
  recursive: boolean
  quiet: boolean
  /** rsync instead of scp: only what changed is sent. */
  delta: boolean
}

/** The machines a copy touches, each once, in the order named; refuses copies berth cannot do. */
export function copyMachines(request: CopyRequest): string[] {
  const machines = [request.from, request.to].flatMap((side) => (side.kind === 'machine' ? [side.machine] : []))
  if (machines.length === 0) {
    throw new UsageError('Neither side of the copy is on a machine.', {code: 'copy-needs-machine'})
  }
  if (request.delta && machines.length === 2) {
    throw new UsageError('--delta (rsync) cannot copy from one machine to another.', {code: 'delta-between-machines'})
  }
  return [...new Set(machines)]
}

/** A side as scp and rsync read it, with the machine's name as the host: the ssh config maps it to the machine. */
function operand(side: PathOnMachine): string {
  if (side.kind === 'local') return localPathForCopy(side.path)
  return `${side.user === undefined ? '' : `${side.user}@`}${side.machine}:${side.path}`
}

/** scp through this computer (-3), so two machines never need to reach or trust each other. */
export function scpArgs(configPath: string, request: CopyRequest): string[] {
  return [
    '-F', configPath, '-3',
    ...(request.recursive ? ['-r'] : []),
    ...(request.quiet ? ['-q'] : []),
    '--', operand(request.from), operand(request.to),
  ]
}

/** rsync over the system ssh with the same config; -t keeps times, so unchanged files are skipped next time. */
export function rsyncArgs(sshPath: string, configPath: string, request: CopyRequest): string[] {
  return [
    // rsync splits -e on spaces and honours quotes.
    '-e', `${shellQuote(sshPath)} -F ${shellQuote(configPath)}`,
    '-t',
    ...(request.recursive ? ['-r'] : []),
    ...(request.quiet ? ['-q'] : ['--progress']),
    '--', operand(request.from), operand(request.to),
  ]
}

/** Run work with an ssh_config for these machines in a private temporary directory, removed afterwards. */
export async function withSshConfig<T>(machines: readonly SshAccess[], work: (configPath: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-ssh-'))
  try {
    const path = join(dir, 'ssh_config')
    await writeFile(path, sshConfigFile(machines, {batch: true}), {mode: 0o600})
    return await work(path)
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}
