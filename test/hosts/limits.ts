import {readFile} from 'node:fs/promises'

const CAP_SYS_RESOURCE = 24n

/** Whether this process may raise hard rlimits (some sandboxes drop CAP_SYS_RESOURCE even for root). */
export async function canRaiseLimits(): Promise<boolean> {
  const status = await readFile('/proc/self/status', 'utf8')
  const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1]
  return effective !== undefined && ((BigInt(`0x${effective}`) >> CAP_SYS_RESOURCE) & 1n) === 1n
}

/** The hard limits this process runs with, in systemd's notation. */
export async function hardLimits(): Promise<{files: string; processes: string}> {
  const limits = await readFile('/proc/self/limits', 'utf8')
  const hard = (label: string): string => {
    const value = new RegExp(`^${label}\\s+\\S+\\s+(\\S+)`, 'm').exec(limits)?.[1] ?? 'unlimited'
    return value === 'unlimited' ? 'infinity' : value
  }
  return {files: hard('Max open files'), processes: hard('Max processes')}
}
