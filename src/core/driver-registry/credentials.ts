import {readFileSync} from 'node:fs'
import {writeFileAtomic} from '../store/files.js'
import type {MachineLayout} from '../store/layout.js'
import type {DriverFlag, FlagValues} from '../../driver-kit/contract.js'

/**
 * Secrets typed on the command line at create time, for the machine's later commands. A value that equals its
 * environment variable came from the environment, which will provide it again, so it is not kept. Nothing is
 * written when nothing needs keeping.
 */
export async function keepTypedSecrets(machine: MachineLayout, flags: readonly DriverFlag[], values: FlagValues, env: NodeJS.ProcessEnv): Promise<void> {
  const kept: Record<string, string> = {}
  for (const flag of flags) {
    const value = values[flag.name]
    if (flag.secret !== true || typeof value !== 'string' || value === '') continue
    if (flag.env !== undefined && env[flag.env] === value) continue
    kept[flag.name] = value
  }
  if (Object.keys(kept).length > 0) await writeFileAtomic(machine.credentials, `${JSON.stringify(kept, null, 2)}\n`)
}

/**
 * How a stored machine's driver finds a secret: the flag's environment variable first (the user's current
 * credentials win), then what was kept at create time. The file is read once, on first use.
 */
export function secretLookup(machine: MachineLayout, flags: readonly DriverFlag[], env: NodeJS.ProcessEnv): (flagName: string) => string | undefined {
  let kept: Record<string, unknown> | undefined
  return (flagName) => {
    const flag = flags.find((candidate) => candidate.name === flagName && candidate.secret === true)
    if (flag === undefined) return undefined
    const fromEnv = flag.env === undefined ? undefined : env[flag.env]
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv
    kept ??= readKept(machine.credentials)
    const value = kept[flagName]
    return typeof value === 'string' ? value : undefined
  }
}

function readKept(path: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'))
    return typeof parsed === 'object' && parsed !== null ? parsed as Record<string, unknown> : {}
  } catch {
    // No file (nothing was typed) or an unreadable one: the driver then says which variable to set.
    return {}
  }
}
