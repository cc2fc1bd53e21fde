/** Bench tool: renders docs/benchmarks.md from one run's figures. */
import type {CaseResult} from './measure.js'

export type Target = {kind: 'ratio'; max: number} | {kind: 'ms'; max: number}

export interface CaseInfo {
  id: string
  label: string
  /** What the case shows, one line. */
  note: string
  target?: Target
  /** Docker Machine 0.16.2's median for the same case (reference/docker-machine-observed.md §6), ms. */
  dockerMachineMs?: number
}

export interface MachineFacts {
  date: string
  cpus: number
  cpuModel: string
  kernel: string
  node: string
  hyperfine: string
  commit: string
  /** One-minute load average before and after the run. */
  load: {before: number; after: number}
}

export interface Report {
  facts: MachineFacts
  rounds: number
  runs: number
  warmup: number
  cases: readonly CaseInfo[]
  results: readonly CaseResult[]
  baselineId: string
  engine: string
  /** CPU time the engine stand-ins spent per `ls` over 200 reachable machines, ms. */
  engineCpuPerLs200Ms: number
  /** EC2 API calls per `ls` over the amazonec2 store (DescribeInstances, all regions). */
  ec2CallsPerLs: number
  ec2Machines: number
  fixtureSeconds: number
}

/** `node -e 0` took 75 ms on this kind of machine when the absolute ls targets were set (reference/libraries.md). */
const REFERENCE_FLOOR_MS = 75

export interface Verdict {
  id: string
  label: string
  target: Target
  measured: number
  pass: boolean
}

export function verdicts(report: Report): Verdict[] {
  const baseline = result(report, report.baselineId)
  return report.cases.flatMap((info) => {
    if (info.target === undefined) return []
    const measured = info.target.kind === 'ratio' ? result(report, info.id).medianMs / baseline.medianMs : result(report, info.id).medianMs
    return [{id: info.id, label: info.label, target: info.target, measured, pass: measured <= info.target.max}]
  })
}

export function renderReport(report: Report): string {
  const {facts} = report
  const baseline = result(report, report.baselineId)
  const rows = report.cases.map((info) => {
    const item = result(report, info.id)
    const ratios = item.roundMedians.map((value, index) => value / baseline.roundMedians[index]!)
    const ratio = item.medianMs / baseline.medianMs
    const spread = ratios.length > 1 ? ` (${fixed(Math.min(...ratios), 2)}–${fixed(Math.max(...ratios), 2)})` : ''
    const target = info.target === undefined ? '' : describeTarget(info.target)
    const measured = info.target === undefined ? undefined : info.target.kind === 'ratio' ? ratio : item.medianMs
    const verdict = info.target === undefined || measured === undefined ? '' : measured <= info.target.max ? '**pass**' : '**FAIL**'
    return `| ${info.label} | ${fixed(item.medianMs, 1)} | ${fixed(item.minMs, 1)} | ${fixed(ratio, 2)}×${spread} | ${fixed(item.userMs + item.systemMs, 0)} | ${info.dockerMachineMs === undefined ? '–' : fixed(info.dockerMachineMs, 1)} | ${target} | ${verdict} |`
  })
  const scaled = report.cases.filter((info) => info.target?.kind === 'ms').map((info) => {
    const max = info.target!.max * baseline.medianMs / REFERENCE_FLOOR_MS
    const measured = result(report, info.id).medianMs
    return `${info.label}: ${fixed(max, 0)} ms, measured ${fixed(measured, 1)} ms (${measured <= max ? 'within' : 'over'})`
  })
  const samples = report.rounds * report.runs

  return `# Benchmarks

Written by \`npm run bench\` (bench/run.ts); each run replaces the section it measured (\`--only startup\` this first
part, \`--only create\` the Provisioning section at the end). Speed is measured here, not in tests.
On these small, noisy machines absolute times move by tens of milliseconds from run to run, so each case is
shown next to \`node -e 0\` (Node's own start-up, the floor for any Node CLI) timed in the same run.

## Results

Run of ${facts.date}: ${facts.cpus} CPUs (${facts.cpuModel}), Linux ${facts.kernel}, Node ${facts.node},
${facts.hyperfine}, berth at ${facts.commit}. One-minute load average ${fixed(facts.load.before, 2)} before the run and
${fixed(facts.load.after, 2)} after it (which includes the bench's own one or two busy processes)${busy(facts) ? ` — **the machine was busy with other work before the run started (load above its
${facts.cpus} CPUs): every time here is inflated, the ratios less so**` : ''}.

| case | median ms | min ms | × \`node -e 0\` (range over rounds) | CPU ms (user+sys) | Docker Machine 0.16.2 median ms | target | result |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Medians and minimums of ${samples} runs per case (${report.rounds} rounds of ${report.runs}); the ratio is this case's median over
\`node -e 0\`'s median, and the range shows the same ratio within each round. CPU is the mean user+system time of the
berth process; the engine stand-ins spent another ${fixed(report.engineCpuPerLs200Ms, 0)} ms of CPU, in their own processes,
per \`ls\` over 200 reachable machines.

\`ls\` over ${report.ec2Machines} amazonec2 machines in one region made **${fixed(report.ec2CallsPerLs, 2)} EC2 API call${report.ec2CallsPerLs === 1 ? '' : 's'} per run**
(DescribeInstances, counted by the simulator over the measured runs; target: 1 per region), then asked each
machine's engine for its version as for any machine. The cloud SDKs are loaded only by commands on a cloud
machine that talk to the cloud: \`--version\` and \`env\` load none of them (the tests check it with a module
hook that refuses their import), so their figures here are the same with or without them.

Targets: \`--version\` and \`env\` at most 1.5× \`node -e 0\` (oclif alone costs about 2.5×), \`ls\` over 200 machines at most
280 ms with every engine reachable and at most 190 ms with every engine refusing connections. The two \`ls\` targets are
absolute and were set when \`node -e 0\` took ${REFERENCE_FLOOR_MS} ms on this kind of machine; for reading a slow run only
(the verdict above stays the absolute one), scaled to this run's \`node -e 0\` of ${fixed(baseline.medianMs, 1)} ms they would be —
${scaled.join('; ')}.

Cases:

${report.cases.map((info) => `- ${info.label}: ${info.note}`).join('\n')}

## Method

- Fixtures (built in ${fixed(report.fixtureSeconds, 1)} s, in a temp dir that is removed afterwards; never the user's store):
  four stores in sandboxes of their own (HOME, \`DOCKER_CONFIG\`, XDG dirs, \`USER=bench\`), sharing one CA and client
  certificate: 1, 50 and 200 machines whose engines answer, and 200 whose engines refuse connections. In each store
  \`m1\` is made by the real CLI (\`berth create -d none --url URL m1\`) and the other machines through the core function
  \`create\` runs (\`createMachine\` with the built-in drivers and the docker context store). Before timing, the bench
  checks that \`m2\` matches \`m1\` file for file (same files and modes, same certificate copies, same \`config.json\` and
  docker context apart from name, time and URL), and that every case prints what it should: \`ls\` lists every machine
  as Running with the engine's version, or with a connection-refused error where no engine listens.
- Engines: ${report.engine}
- Timing: \`hyperfine -N\` (no shell), warm-up ${report.warmup}, ${report.runs} runs per case per round, ${report.rounds} rounds; every round runs all
  cases in one hyperfine invocation, in reverse order every other round, and the samples of all rounds are pooled.
  Disk caches are warm. The commands run \`node bin/run.cjs\` (what the \`berth\` bin runs) in a minimal environment
  (PATH, HOME, USER, SHELL=/bin/bash and the sandbox's store, docker and XDG paths; no \`NODE_OPTIONS\` or
  \`NODE_EXTRA_CA_CERTS\`, which alone adds tens of milliseconds to every Node start); the \`env\` and \`ls\` (1 machine)
  cases use the store of that environment (\`BERTH_STORAGE_PATH\`), the others pass \`-s STORE\`.
- Docker Machine's figures are from \`docker-machine-observed.md\` §6 (Go build of 0.16.2, 2 vCPU, a real dockerd over a
  veth, hyperfine -N); its \`env\` and single-machine \`ls\` were measured with one machine in the store.

Re-run with \`npm run bench\`; \`npm run bench -- --rounds 5 --runs 20\` for steadier figures, \`--output -\` to print the
report instead of writing this file.

## Profiling

\`npm run bench -- --hold\` builds the same fixtures, starts the engines, prints the environment and the exact command
of every case, and keeps everything up until Enter (then removes it all). With those exports in a shell:

- \`node --cpu-prof --cpu-prof-dir=prof bin/run.cjs -s STORE ls\` for where JavaScript time goes (open the
  \`.cpuprofile\` in Chrome DevTools); OpenSSL's share shows as \`(program)\` or inside the TLS functions that call it.
- \`perf record -g node bin/run.cjs -s STORE ls\`, then \`perf report --children\`, for the native side (TLS handshakes,
  certificate parsing).
`
}

function busy(facts: MachineFacts): boolean {
  return facts.load.before > facts.cpus
}

function result(report: Report, id: string): CaseResult {
  const found = report.results.find((item) => item.id === id)
  if (found === undefined) throw new Error(`no result for ${id}`)
  return found
}

export function describeTarget(target: Target): string {
  return target.kind === 'ratio' ? `≤ ${target.max}× \`node -e 0\`` : `≤ ${target.max} ms`
}

export function fixed(value: number, digits: number): string {
  return value.toFixed(digits)
}
