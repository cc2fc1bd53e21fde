import {readFile} from 'node:fs/promises'
import {readProcess, signalAll, waitForExit} from '../harness/processes.js'

/** A pid together with its start time, so that a reused pid is never mistaken for the process it names. */
export interface ProcessIdentity {
  pid: number
  startTime: number
}

export async function identify(pid: number): Promise<ProcessIdentity | undefined> {
  const entry = await readProcess(pid)
  return entry && entry.state !== 'Z' ? {pid, startTime: entry.startTime} : undefined
}

export async function isAlive(identity: ProcessIdentity): Promise<boolean> {
  return (await identify(identity.pid))?.startTime === identity.startTime
}

/** SIGKILL those of the identified processes that are still the same processes, and wait until they are gone. */
export async function killIdentified(identities: readonly (ProcessIdentity | undefined)[]): Promise<number[]> {
  const alive: number[] = []
  for (const identity of identities) {
    if (identity && (await isAlive(identity))) alive.push(identity.pid)
  }
  signalAll(alive, 'SIGKILL')
  return waitForExit(alive, 10_000)
}

export async function commandName(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/comm`, 'utf8')).trim()
  } catch {
    return undefined
  }
}

/** The direct children of pid (Linux keeps them per thread; a single-threaded process has one list). */
export async function childPids(pid: number): Promise<number[]> {
  try {
    return (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).split(' ').filter(Boolean).map(Number)
  } catch {
    return []
  }
}
