import {spawn, type ChildProcess} from 'node:child_process'
import {once} from 'node:events'
import {joinCgroups} from './cgroups.js'
import {run, type RunOptions} from './run.js'
import type {ExecResult} from './types.js'

// A process must sit in the host's cgroups before it enters the host's cgroup namespace, or the host would
// see it outside its own cgroup tree. So every process bound for a host starts as this tiny shell, which
// waits for one line on stdin (sent once the process has been moved) and then becomes the real command.
const GATE = ['sh', '-c', 'read -r _ || exit 125; exec "$@"', 'berth-testhost-gate'] as const

/** Run argv to completion inside the cgroups. */
export function runInCgroups(cgroups: readonly string[], argv: readonly string[], options: Omit<RunOptions, 'beforeInput'> = {}): Promise<ExecResult> {
  const [file, ...args] = GATE
  return run(file, [...args, ...argv], {
    ...options,
    input: `\n${options.input ?? ''}`,
    beforeInput: (child) => joinCgroups(child.pid!, cgroups),
  })
}

/** Start a long-lived argv inside the cgroups, in its own process group, writing to output (a file descriptor). */
export async function spawnInCgroups(cgroups: readonly string[], argv: readonly string[], output: number | 'ignore'): Promise<ChildProcess> {
  const [file, ...args] = GATE
  const child = spawn(file, [...args, ...argv], {detached: true, stdio: ['pipe', output, output]})
  child.stdin!.on('error', () => {})
  await once(child, 'spawn')
  try {
    await joinCgroups(child.pid!, cgroups)
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  child.stdin!.end('\n')
  // The test process must be able to exit even if a host is never taken down.
  child.unref()
  return child
}
