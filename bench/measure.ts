/**
 * Bench tool: times the cases with hyperfine (-N: no shell), all cases in one hyperfine run per round, with
 * `node -e 0` among them. Several rounds, the order reversed every other round, so that drift on a noisy machine
 * falls on every case alike; the samples of all rounds are pooled.
 */
import {execFileSync, spawn} from 'node:child_process'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import type {Cleanup} from './cleanup.js'

export interface BenchCase {
  id: string
  /** What the table shows, e.g. `berth ls` (200 reachable). */
  label: string
  /** The command line hyperfine runs (split into words by hyperfine; no shell). */
  command: string
}

export interface RoundOptions {
  rounds: number
  runs: number
  warmup: number
  env: NodeJS.ProcessEnv
  dir: string
  cleanup: Cleanup
  onRound?: (round: number) => void
}

export interface CaseResult {
  id: string
  /** Wall-clock samples of every round, ms. */
  samples: number[]
  medianMs: number
  minMs: number
  maxMs: number
  /** Mean user and system CPU time of the process and its children, ms. */
  userMs: number
  systemMs: number
  /** The median of each round, ms. */
  roundMedians: number[]
}

interface HyperfineExport {
  results: Array<{command: string; times: number[]; user: number; system: number; exit_codes: number[]}>
}

export function hyperfineVersion(): string {
  try {
    return execFileSync('hyperfine', ['--version'], {encoding: 'utf8'}).trim()
  } catch {
    throw new Error('hyperfine is not installed (apt-get install hyperfine); the bench times commands with it.')
  }
}

export async function measure(cases: readonly BenchCase[], options: RoundOptions): Promise<CaseResult[]> {
  const rounds: HyperfineExport[] = []
  for (let round = 1; round <= options.rounds; round++) {
    options.onRound?.(round)
    const ordered = round % 2 === 1 ? [...cases] : [...cases].reverse()
    const file = join(options.dir, `hyperfine-${round}.json`)
    await hyperfine([
      '-N', '--style', 'none', '--warmup', String(options.warmup), '--runs', String(options.runs), '--export-json', file,
      ...ordered.flatMap((item) => ['--command-name', item.id, item.command]),
    ], options)
    rounds.push(JSON.parse(await readFile(file, 'utf8')) as HyperfineExport)
  }
  return cases.map((item) => {
    const results = rounds.map((round) => {
      const result = round.results.find((entry) => entry.command === item.id)
      if (result === undefined) throw new Error(`hyperfine reported nothing for ${item.id}`)
      if (result.exit_codes.some((code) => code !== 0)) throw new Error(`${item.label} failed in a timed run`)
      return result
    })
    const samples = results.flatMap((result) => result.times.map((seconds) => seconds * 1000))
    return {
      id: item.id,
      samples,
      medianMs: median(samples),
      minMs: Math.min(...samples),
      maxMs: Math.max(...samples),
      userMs: mean(results.map((result) => result.user * 1000)),
      systemMs: mean(results.map((result) => result.system * 1000)),
      roundMedians: results.map((result) => median(result.times.map((seconds) => seconds * 1000))),
    }
  })
}

function hyperfine(args: string[], options: RoundOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    // Its own process group, so cleanup can stop hyperfine together with the command it is timing.
    const child = spawn('hyperfine', args, {env: options.env, cwd: options.dir, detached: true, stdio: ['ignore', 'pipe', 'pipe']})
    const forget = child.pid === undefined ? () => true : options.cleanup.trackProcess(child.pid)
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
    })
    child.once('error', (error) => {
      forget()
      reject(error)
    })
    child.once('close', (code, signal) => {
      forget()
      if (code === 0) resolve()
      else reject(new Error(`hyperfine failed (${signal ?? `exit ${code}`}): ${output.trim()}`))
    })
  })
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length
}
