/**
 * Bench tool: the Provisioning section of docs/benchmarks.md. The file holds two generated blocks: the start-up and
 * ls block (report.ts) and, after PROVISIONING_MARK, this one. Each part of the bench rewrites its own block and
 * keeps the other's as the file has it, so either part can run alone.
 */
import {readFile} from 'node:fs/promises'
import type {CreateResults, CreateRow} from './create.js'
import {median} from './measure.js'

export const PROVISIONING_MARK = '<!-- Provisioning: written by `npm run bench -- --only create` (bench/create.ts). -->'

export const CREATE_TARGETS = {singleMs: 4900, execs: 8, parallelRatio: 2}
/** Docker Machine 0.16.2, `create -d generic` on the same kind of host with the engine preinstalled. */
const DOCKER_MACHINE_CREATE_MS = 19_500

export interface CreateFacts {
  date: string
  cpus: number
  cpuModel: string
  kernel: string
  node: string
  commit: string
  load: {before: number; after: number}
}

export interface CreateVerdict {
  label: string
  measured: string
  target: string
  pass: boolean
}

/** The file's two blocks; a file without the mark is all start-up block. */
export function splitBenchmarks(text: string): {startup: string; provisioning: string} {
  const at = text.indexOf(PROVISIONING_MARK)
  if (at < 0) return {startup: text, provisioning: ''}
  return {startup: text.slice(0, at), provisioning: text.slice(at)}
}

export function joinBenchmarks(startup: string, provisioning: string): string {
  if (provisioning === '') return startup
  return `${startup.trimEnd()}\n\n${provisioning.trimEnd()}\n`
}

export async function readBenchmarks(path: string): Promise<{startup: string; provisioning: string}> {
  try {
    return splitBenchmarks(await readFile(path, 'utf8'))
  } catch {
    return {startup: '# Benchmarks\n\nNo start-up run yet: `npm run bench -- --only startup`.\n', provisioning: ''}
  }
}

export function createVerdicts(results: CreateResults): CreateVerdict[] {
  const sysv = results.rows.find((row) => row.id === 'sysv-running')
  if (sysv === undefined) throw new Error('no sysv result')
  const execs = Math.max(...sysv.runs.map((run) => run.execs))
  const ratio = results.parallel.wallMs / sysv.medianMs
  return [
    {label: 'one create, engine preinstalled (sysv, running): median wall', measured: `${seconds(sysv.medianMs)} s`, target: `≤ ${seconds(CREATE_TARGETS.singleMs, 1)} s`, pass: sysv.medianMs <= CREATE_TARGETS.singleMs},
    {label: 'one create, engine preinstalled: remote commands (most in any run)', measured: String(execs), target: `≤ ${CREATE_TARGETS.execs}`, pass: execs <= CREATE_TARGETS.execs},
    {label: `${results.parallel.count} creates at once: wall over one create's median`, measured: `${ratio.toFixed(2)}×`, target: `≤ ${CREATE_TARGETS.parallelRatio}×`, pass: ratio <= CREATE_TARGETS.parallelRatio},
  ]
}

export function renderProvisioning(results: CreateResults, facts: CreateFacts, runs: number): string {
  const mib = (kib: number): string => (kib / 1024).toFixed(0)
  const range = (values: readonly number[]): string => Math.min(...values) === Math.max(...values) ? String(values[0]) : `${Math.min(...values)}–${Math.max(...values)}`
  const rows = results.rows.map((row) => {
    const rss = row.runs.map((run) => run.maxRssKiB)
    return `| ${row.label} | ${seconds(row.medianMs)} | ${seconds(row.minMs)} | ${seconds(row.maxMs)} | ${range(row.runs.map((run) => run.execs))} | ${range(row.runs.map((run) => run.uploads))} | ${seconds(median(row.runs.map((run) => run.remoteMs)))} | ${mib(median(rss))} (max ${mib(Math.max(...rss))}) | ${row.id === 'sysv-running' ? seconds(DOCKER_MACHINE_CREATE_MS, 1) : '–'} |`
  })
  const {parallel} = results
  const sysv = results.rows.find((row) => row.id === 'sysv-running')!
  const verdicts = createVerdicts(results).map((item) => `| ${item.label} | ${item.measured} | ${item.target} | ${item.pass ? '**pass**' : '**FAIL**'} |`)

  return `${PROVISIONING_MARK}

## Provisioning

Run of ${facts.date}: ${facts.cpus} CPUs (${facts.cpuModel}), Linux ${facts.kernel}, Node ${facts.node}, berth at ${facts.commit}.
One-minute load average ${facts.load.before.toFixed(2)} before the run and ${facts.load.after.toFixed(2)} after it${facts.load.before > facts.cpus ? ` — **the machine was busy
with other work before the run started (load above its ${facts.cpus} CPUs): every time here is inflated**` : ''}.

\`berth create -d generic\` against real hosts (test/hosts: Linux namespaces on this machine with their own network,
sshd and the machine's docker.io), ${runs} runs per kind of host, each with a fresh store (so each create also makes the
store's CA, as a first create does) and a fresh host:

| host | median s | min s | max s | remote commands | SFTP uploads | s in remote commands, median | peak RSS MiB, median | Docker Machine 0.16.2 s |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

${parallel.count} creates at once (${parallel.count} berth processes started together on one fresh store, one fresh sysv host with the engine
running each): **${seconds(parallel.wallMs)} s** wall, ${(parallel.wallMs / sysv.medianMs).toFixed(2)}× one create's median above (measured in the same
run); each process took ${seconds(Math.min(...parallel.eachMs))}–${seconds(Math.max(...parallel.eachMs))} s, peaked at ${mib(Math.min(...parallel.maxRssKiB))}–${mib(Math.max(...parallel.maxRssKiB))} MiB RSS, and ran ${range(parallel.execs)} remote
commands and ${range(parallel.uploads)} uploads. Afterwards \`berth ls\` shows all ${parallel.count} Running with their engine's version.

| target | measured | target | result |
|---|---|---|---|
${verdicts.join('\n')}

Method:

- Wall time is from spawning the process to its exit, taken by the bench around \`/usr/bin/time -f %M node bin/run.cjs
  create --debug -d generic --generic-ip-address IP --generic-ssh-key KEY NAME\`, in a minimal environment (the sandbox of
  bench/fixtures.ts). It includes Node's start-up, the CA and client certificate, the SSH connection, provisioning
  and the wait for the engine over TLS. The hosts are brought up (${results.hostSetupSeconds.toFixed(0)} s in all) outside the timing,
  one at a time for the single creates and each removed after its run, so no idle host runs alongside.
- Round trips: with \`--debug\` the SSH layer (src/core/ssh/session.ts) logs every remote command as
  \`ssh NAME: USER@HOST $ COMMAND\` (one exec channel on the one connection, so at least one round trip each) and every
  SFTP upload as \`ssh NAME: upload PATH\` (an SFTP exchange over the same connection, counted apart). The SSH handshake
  itself is not counted. Time in remote commands is the sum of the SSH layer's own timings of each command (from
  sending it to its exit status; \`id -u\` at connection is not timed); the longest in the last run of each kind —
${results.rows.map((row) => longest(row)).join(';\n')}.
- Peak RSS: GNU time's \`%M\`, the maximum resident set size of the berth process (from wait4's rusage; a child process
  of berth, if any, would count only if larger). The figure for the parallel run is per process.
- The test hosts are not separate machines: their sshd, dockerd (started or restarted by the provisioning) and the
  hosts of the parallel run share this machine's ${facts.cpus} CPUs with berth, so the parallel wall time includes ${results.parallel.count} dockerd
  restarts competing with ${results.parallel.count} berth processes for ${facts.cpus} CPUs. Docker Machine's 19.5 s is the reference figure for the
  same kind of host, not measured in this run.

Re-run with \`npm run bench -- --only create\` (\`--create-runs N\`, \`--parallel N\`); it needs root (the test hosts are
namespaces) and leaves no host behind, also when it fails or is interrupted.
`
}

function longest(row: CreateRow): string {
  const last = row.runs.at(-1)!
  const command = last.slowest.command.replaceAll('`', '')
  return `  ${row.label}: ${seconds(last.slowest.ms)} s, \`${command.length > 80 ? `${command.slice(0, 80)}…` : command}\``
}

function seconds(ms: number, digits = 2): string {
  return (ms / 1000).toFixed(digits)
}
