import {readFile, readdir} from 'node:fs/promises'
import {setTimeout as sleep} from 'node:timers/promises'

export interface ProcessEntry {
  pid: number
  ppid: number
  /** Single-letter state from /proc/PID/stat; 'Z' is a zombie that only waits to be reaped. */
  state: string
  /** Start time in clock ticks since boot: tells a process from a later one that reused its pid. */
  startTime: number
  /** Arguments joined with spaces. */
  cmdline: string
}

/** A snapshot of the process table from /proc (Linux only); processes that exit while we read are skipped. */
export async function listProcesses(): Promise<ProcessEntry[]> {
  const names = await readdir('/proc')
  const entries = await Promise.all(names.filter((name) => /^\d+$/.test(name)).map((name) => readProcess(Number(name))))
  return entries.filter((entry): entry is ProcessEntry => entry !== undefined)
}

export async function readProcess(pid: number): Promise<ProcessEntry | undefined> {
  try {
    const [stat, cmdline] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/cmdline`, 'utf8')])
    // The command name in field 2 may hold spaces and parentheses; the fields after the last ')' are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return {pid, ppid: Number(fields[1]), state: fields[0] ?? '?', startTime: Number(fields[19]), cmdline: cmdline.replaceAll('\0', ' ').trim()}
  } catch {
    return undefined
  }
}

/**
 * The live processes that belong to a test daemon: those whose command line mentions marker (a unique temp
 * dir: dockerd, its containerd, the shims, which daemonise away from dockerd), the roots, and all their
 * descendants (container processes are children of their shim).
 */
export function relatedProcesses(all: readonly ProcessEntry[], marker: string, roots: readonly number[] = []): ProcessEntry[] {
  const live = all.filter((entry) => entry.state !== 'Z')
  const chosen = new Set<number>([...roots, ...live.filter((entry) => entry.cmdline.includes(marker)).map((entry) => entry.pid)])
  for (let grew = true; grew;) {
    grew = false
    for (const entry of live) {
      if (!chosen.has(entry.pid) && chosen.has(entry.ppid)) {
        chosen.add(entry.pid)
        grew = true
      }
    }
  }
  return live.filter((entry) => chosen.has(entry.pid))
}

/** Signal each pid, ignoring those already gone. */
export function signalAll(pids: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal)
    } catch {
      // Already exited.
    }
  }
}

/** Wait until none of pids is alive (zombies count as gone); returns those still alive at the deadline. */
export async function waitForExit(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const alive = (await Promise.all(pids.map(async (pid) => ((await readProcess(pid))?.state ?? 'Z') === 'Z' ? undefined : pid)))
      .filter((pid): pid is number => pid !== undefined)
    if (alive.length === 0 || Date.now() >= deadline) return alive
    await sleep(25)
  }
}
