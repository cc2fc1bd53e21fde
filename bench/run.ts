/**
 * `npm run bench`: start-up and `ls` latency of the real CLI next to `node -e 0`, and `create -d generic` on real test
 * hosts (bench/create.ts), written to docs/benchmarks.md.
 * Options: --only startup|create (both), --rounds N (3), --runs N per case per round (10), --warmup N (3),
 * --create-runs N (5), --parallel N (10), --output PATH|- (docs/benchmarks.md),
 * --hold (start-up only: build the fixtures, print the commands, and keep the engines up until Enter or Ctrl-C).
 * Each part rewrites its own block of the output file and keeps the other's.
 * Everything it makes (temp dir, engine process, hyperfine, test hosts) is removed or stopped at the end, also on failure.
 */
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {mkdtemp, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'
import {defaultCertificatePaths} from '../src/core/certs/store-certificates.js'
import {StoreLayout} from '../src/core/store/layout.js'
import {Cleanup} from './cleanup.js'
import {runCreateBench} from './create.js'
import {createVerdicts, joinBenchmarks, readBenchmarks, renderProvisioning} from './create-report.js'
import {EC2_REGION, populateEc2Store} from './ec2-store.js'
import {issueEngineCertificates} from './engine-certs.js'
import {ENGINE_VERSION, startEngines, type RunningEngines} from './engine.js'
import {berthBin, bootstrapCertificates, makeSandbox, populateStore, repoRoot, runBerth, sameAsCli, shareCertificates, type Sandbox} from './fixtures.js'
import {hyperfineVersion, measure, type BenchCase} from './measure.js'
import {describeTarget, fixed, renderReport, verdicts, type CaseInfo, type MachineFacts} from './report.js'

const tlsFloorScript = fileURLToPath(new URL('./tls-floor.js', import.meta.url))

const MACHINES = 200
const EC2_MACHINES = 100
/** Engines answer on 127.77.0.1-200 (one port); 127.78.0.1-200 on that port refuse (nothing listens there). */
const reachable = (index: number): string => `127.77.${Math.floor(index / 250)}.${(index % 250) + 1}`
const refusing = (index: number): string => `127.78.${Math.floor(index / 250)}.${(index % 250) + 1}`

const ENGINE_DESCRIPTION = `one Node process per CPU (bench/engine-process.ts; a single process would answer the handshakes one after
  another, where a real engine is a multi-threaded Go program), together one HTTPS server per machine address, 127.77.0.1 to
  127.77.0.200, all on one port, so every machine has a URL of its own as with real hosts. Each accepts only client
  certificates from the store's CA (as \`dockerd --tlsverify\`; checked as the handshake ends, before any request is
  read), presents a server certificate of its own from the store's CA naming only its address, and sends only that
  certificate, not the CA, as dockerd does (RSA 2048; the first made by berth's \`issueServerCertificateFor\`, the
  others in the same profile with the same key, signed with the openssl CLI because 199 more RSA keys take minutes
  to make). It negotiates TLS 1.3 as Go's dockerd does, and answers \`GET /version\` with dockerd 20.10.24's body (Version ${ENGINE_VERSION})
  and a Content-Length, as Go sends it. A real dockerd is not used because it runs \`runc --version\` on every
  /version call, which would time dockerd rather than berth. The engines share the 2 CPUs with berth, as dockerd did
  in Docker Machine's measurement. Refusing machines point at 127.78.0.1 to 127.78.0.200 on the same port, where
  nothing listens: every connection is refused at once (RST), as from a host whose dockerd is down.`

async function main(): Promise<void> {
  const {values} = parseArgs({options: {
    rounds: {type: 'string', default: '3'},
    runs: {type: 'string', default: '10'},
    warmup: {type: 'string', default: '3'},
    output: {type: 'string', default: fileURLToPath(new URL('docs/benchmarks.md', repoRoot))},
    hold: {type: 'boolean', default: false},
    only: {type: 'string'},
    'create-runs': {type: 'string', default: '5'},
    parallel: {type: 'string', default: '10'},
  }})
  if (values.only !== undefined && values.only !== 'startup' && values.only !== 'create') throw new Error('--only must be startup or create')
  const rounds = positive('--rounds', values.rounds)
  const runs = positive('--runs', values.runs)
  const warmup = positive('--warmup', values.warmup, 0)
  const createRuns = positive('--create-runs', values['create-runs'])
  const parallel = positive('--parallel', values.parallel)
  if (runs < 10) throw new Error('--runs must be at least 10')
  const startup = values.only !== 'create'
  const create = values.only !== 'startup' && !values.hold

  const cleanup = new Cleanup()
  let disposeHosts: (() => Promise<void>) | undefined
  const interrupted = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\nbench: ${signal}, cleaning up\n`)
    void (disposeHosts?.() ?? Promise.resolve())
      .catch((error: unknown) => process.stderr.write(`bench cleanup: ${error instanceof Error ? error.message : String(error)}\n`))
      .then(() => cleanup.run())
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143))
  }
  process.once('SIGINT', interrupted)
  process.once('SIGTERM', interrupted)
  try {
    if (startup) await startupBench(values, {rounds, runs, warmup}, cleanup)
    if (create) {
      const loadBefore = os.loadavg()[0]!
      const startedAt = new Date()
      log(`create: ${createRuns} runs per kind of host, then ${parallel} at once`)
      const results = await runCreateBench({runs: createRuns, parallel, cleanup, log: (message) => log(`create: ${message}`), onHosts: (dispose) => {
        disposeHosts = dispose
      }})
      const facts = {...machineFacts('', loadBefore, os.loadavg()[0]!), date: utcMinute(startedAt)}
      const section = renderProvisioning(results, facts, createRuns)
      if (values.output === '-') {
        process.stdout.write(section)
      } else {
        // Read just before writing: the start-up block may have been rewritten meanwhile; it is kept as it is.
        const current = await readBenchmarks(values.output)
        await writeFile(values.output, joinBenchmarks(current.startup, section))
        log(`wrote the Provisioning section of ${values.output}`)
      }
      for (const verdict of createVerdicts(results)) log(`${verdict.pass ? 'pass' : 'FAIL'}: ${verdict.label} ${verdict.measured} (target ${verdict.target})`)
    }
  } finally {
    await cleanup.run()
  }
}

async function startupBench(values: {output: string; hold: boolean}, options: {rounds: number; runs: number; warmup: number}, cleanup: Cleanup): Promise<void> {
  const {rounds, runs, warmup} = options
  const hyperfine = hyperfineVersion()
  const loadBefore = os.loadavg()[0]!
  {
    const root = await mkdtemp(join(os.tmpdir(), 'berth-bench-'))
    cleanup.addDir(root)

    const fixtureStart = performance.now()
    log('fixtures: certificates and engine stand-ins')
    const stores = {
      one: await makeSandbox(join(root, 'reach-1')),
      fifty: await makeSandbox(join(root, 'reach-50')),
      all: await makeSandbox(join(root, 'reach-200')),
      refusing: await makeSandbox(join(root, 'refuse-200')),
      ec2: await makeSandbox(join(root, 'ec2-100')),
    }
    await bootstrapCertificates(stores.one)
    for (const other of [stores.fifty, stores.all, stores.refusing, stores.ec2]) await shareCertificates(stores.one, other)
    const paths = defaultCertificatePaths(new StoreLayout(stores.one.storePath))
    const addresses = Array.from({length: MACHINES}, (_, index) => reachable(index))
    const identities = await issueEngineCertificates(paths, addresses, root)
    const engines = await startEngines({caPem: await readFile(paths.caCert, 'utf8'), engines: identities}, root, cleanup)
    const reachUrls = addresses.map((address) => `tcp://${address}:${engines.port}`)
    const refuseUrls = Array.from({length: MACHINES}, (_, index) => `tcp://${refusing(index)}:${engines.port}`)

    log('fixtures: stores of 1, 50 and 200 reachable machines, 200 refusing')
    await populateStore(stores.one, reachUrls.slice(0, 1))
    await populateStore(stores.fifty, reachUrls.slice(0, 50))
    await populateStore(stores.all, reachUrls)
    await populateStore(stores.refusing, refuseUrls)
    const ec2 = await populateEc2Store(stores.ec2, reachUrls.slice(0, EC2_MACHINES), cleanup)
    for (const store of [stores.fifty, stores.all, stores.refusing]) await sameAsCli(store, 'm1', 'm2')
    const fixtureSeconds = (performance.now() - fixtureStart) / 1000

    const node = quote(process.execPath)
    const berth = `${node} ${quote(berthBin)}`
    const inStore = (store: Sandbox): string => `${berth} -s ${quote(store.storePath)}`
    const importing = (module: string): string => `${node} --input-type=module -e ${quote(`await import(${JSON.stringify(new URL(module, repoRoot).href)})`)}`
    const cases: Array<BenchCase & CaseInfo> = [
      {id: 'node', label: '`node -e 0`', command: `${node} -e 0`, note: 'Node\'s start-up alone, the floor.'},
      {id: 'version', label: '`berth --version`', command: `${berth} --version`, note: 'bin/run.cjs and the bundle that reads berth\'s version, and nothing else.', target: {kind: 'ratio', max: 1.5}, dockerMachineMs: 8.0},
      {id: 'env', label: '`berth env m1`', command: `${berth} env m1`, note: 'POSIX shell lines for a `none` machine: berth checks the certificate the engine presented when berth last reached it (recorded by `create`) against the CA, the address and the clock, from what its first full check remembered, without the network (Docker Machine opens a TLS connection to the engine every time; see docs/certificates.md).', target: {kind: 'ratio', max: 1.5}, dockerMachineMs: 25.1},
      {id: 'ls1', label: '`berth ls` (1 reachable)', command: `${berth} ls`, note: 'state and engine version of one machine.', dockerMachineMs: 31.0},
      {id: 'ls50', label: '`berth ls` (50 reachable)', command: `${inStore(stores.fifty)} ls`, note: '50 machines queried in parallel, one TLS handshake each.', dockerMachineMs: 809},
      {id: 'ls200', label: '`berth ls` (200 reachable)', command: `${inStore(stores.all)} ls`, note: '200 machines queried in parallel, one TLS handshake each.', target: {kind: 'ms', max: 280}, dockerMachineMs: 2765},
      {id: 'tlsfloor200', label: 'bare Node TLS client (200 reachable)', command: `${node} ${quote(tlsFloorScript)} ${quote(stores.all.storePath)}`, note: 'not berth: bench/tls-floor.ts, the least a Node program can do to ask the same 200 engines for their version (one TLS context, full handshakes, no certificate checks, no output); the floor under `berth ls` (200 reachable) on this computer.'},
      {id: 'ls200refused', label: '`berth ls` (200 refusing)', command: `${inStore(stores.refusing)} ls`, note: '200 machines whose engines refuse the connection.', target: {kind: 'ms', max: 190}, dockerMachineMs: 1868},
      {id: 'lsec2', label: `\`berth ls\` (${EC2_MACHINES} amazonec2, one region)`, command: `${inStore(stores.ec2)} ls`, note: `${EC2_MACHINES} machines of the amazonec2 driver on the EC2 simulator (test/simulators/ec2, the real SDK over HTTP on loopback), all running in ${EC2_REGION}, their engines the stand-ins: one DescribeInstances for the region, then one TLS handshake per engine.`},
      {id: 'lsq200', label: '`berth ls -q` (200)', command: `${inStore(stores.all)} ls -q`, note: 'names only: reads the 200 configs and asks no engine.', dockerMachineMs: 1947},
      {id: 'plainprogress', label: 'import the plain-line reporter', command: importing('dist/src/cli/progress.js'), note: 'not a berth command: Node imports `progress.js` (the reporter for logs and pipes) with what it needs; what `create` loaded for its progress before it was drawn live.'},
      {id: 'liveprogress', label: 'import the live progress', command: importing('dist/src/cli/live-progress.js'), note: 'not a berth command: the same with `live-progress.js` (spinner, redraw) and `colour.js`, berth\'s own code in place of a library; the difference to the row above is what live progress and colour add to `create`\'s start-up.'},
      {id: 'help', label: '`berth ls --help` (oclif)', command: `${berth} ls --help`, note: 'for reference, the full oclif path (help is never lean).'},
    ]

    log('checking every case prints what it should')
    await verify(stores, engines.port)
    if (values.hold) {
      await hold(cases, stores.one.env)
      return
    }
    const engineCpuPerLs200Ms = await engineCpuPerRun(engines, stores.all, 5)
    const ec2CallsBefore = ec2.callsTo('DescribeInstances').length

    log(`timing: ${rounds} rounds × ${cases.length} cases × ${runs} runs (+${warmup} warm-up)`)
    const results = await measure(cases, {
      rounds, runs, warmup, env: stores.one.env, dir: root, cleanup,
      onRound: (round) => log(`round ${round}/${rounds}`),
    })

    const report = {
      facts: machineFacts(hyperfine, loadBefore, os.loadavg()[0]!),
      rounds, runs, warmup, cases, results,
      baselineId: 'node',
      engine: ENGINE_DESCRIPTION,
      engineCpuPerLs200Ms,
      ec2CallsPerLs: (ec2.callsTo('DescribeInstances').length - ec2CallsBefore) / ((rounds * runs) + (rounds * warmup)),
      ec2Machines: EC2_MACHINES,
      fixtureSeconds,
    }
    const markdown = renderReport(report)
    if (values.output === '-') {
      process.stdout.write(markdown)
    } else {
      // The Provisioning block (bench/create.ts) stays as the file has it.
      await writeFile(values.output, joinBenchmarks(markdown, (await readBenchmarks(values.output)).provisioning))
      log(`wrote ${values.output}`)
    }
    const baseline = results.find((item) => item.id === 'node')!
    for (const item of results) {
      const info = cases.find((entry) => entry.id === item.id)!
      log(`${info.label.replaceAll('`', '').padEnd(28)} median ${fixed(item.medianMs, 1).padStart(7)} ms  min ${fixed(item.minMs, 1).padStart(7)} ms  ${fixed(item.medianMs / baseline.medianMs, 2)}×`)
    }
    for (const verdict of verdicts(report)) {
      const measured = verdict.target.kind === 'ratio' ? `${fixed(verdict.measured, 2)}×` : `${fixed(verdict.measured, 1)} ms`
      log(`${verdict.pass ? 'pass' : 'FAIL'}: ${verdict.label.replaceAll('`', '')} ${measured} (target ${describeTarget(verdict.target).replaceAll('`', '')})`)
    }
  }
}

/** Print the environment and the commands, then wait for Enter (or end of input, or a signal). */
async function hold(cases: readonly BenchCase[], env: NodeJS.ProcessEnv): Promise<void> {
  // The timed runs see nothing else of the bench's environment; NODE_EXTRA_CA_CERTS alone slows every Node start.
  const exports = ['unset NODE_OPTIONS NODE_EXTRA_CA_CERTS DOCKER_HOST DOCKER_CONTEXT', ...Object.entries(env).map(([name, value]) => `export ${name}=${quote(value ?? '')}`)].join('\n')
  process.stdout.write(`${exports}\n\n${cases.map((item) => `# ${item.id}\n${item.command}`).join('\n')}\n\nPress Enter to clean up.\n`)
  await new Promise<void>((resolve) => {
    process.stdin.once('data', () => resolve())
    process.stdin.once('end', () => resolve())
  })
  process.stdin.pause()
}

/** Each case once, outside the timing: exit 0 and the output a user would expect. */
async function verify(stores: Record<'one' | 'fifty' | 'all' | 'refusing' | 'ec2', Sandbox>, port: number): Promise<void> {
  const must = (condition: boolean, what: string, output: {stdout: string; stderr: string}): void => {
    if (!condition) throw new Error(`${what}\nstdout:\n${output.stdout.slice(0, 2000)}\nstderr:\n${output.stderr.slice(0, 2000)}`)
  }
  const version = await runBerth(stores.one, ['--version'])
  must(version.code === 0 && /^berth version \d+\.\d+\.\d+\n$/.test(version.stdout), 'berth --version did not print its version', version)
  const env = await runBerth(stores.one, ['env', 'm1'])
  must(env.code === 0 && env.stdout.includes(`export DOCKER_HOST="tcp://${reachable(0)}:${port}"\n`) && env.stderr === '', 'berth env m1 did not print POSIX lines for m1', env)
  const help = await runBerth(stores.one, ['ls', '--help'])
  must(help.code === 0 && help.stdout.includes('USAGE'), 'berth ls --help printed no help', help)

  for (const [store, count, answers] of [[stores.one, 1, true], [stores.fifty, 50, true], [stores.all, MACHINES, true], [stores.refusing, MACHINES, false], [stores.ec2, EC2_MACHINES, true]] as const) {
    const table = await runBerth(store, ['ls'])
    must(table.code === 0 && table.stdout.trimEnd().split('\n').length === count + 1, `berth ls did not list ${count} machines`, table)
    const json = await runBerth(store, ['ls', '--json'])
    must(json.code === 0, 'berth ls --json failed', json)
    const rows = JSON.parse(json.stdout) as Array<{name: string; state: string; engineVersion: string | null; error: string | null}>
    const good = rows.filter((row) => row.state === 'Running' && (answers
      ? row.engineVersion === ENGINE_VERSION && row.error === null
      : row.engineVersion === null && /refused/i.test(row.error ?? '')))
    must(rows.length === count && good.length === count, `berth ls over ${count} ${answers ? 'reachable' : 'refusing'} machines: ${count - good.length} rows are not as expected`, json)
  }
  const quiet = await runBerth(stores.all, ['ls', '-q'])
  must(quiet.code === 0 && quiet.stdout.trimEnd().split('\n').length === MACHINES, 'berth ls -q did not list 200 names', quiet)
}

/** CPU the engine stand-ins spend per `ls` over every machine of the store (TLS handshakes, mostly). */
async function engineCpuPerRun(engines: RunningEngines, store: Sandbox, runs: number): Promise<number> {
  const before = await engines.cpuUs()
  for (let run = 0; run < runs; run++) {
    const result = await runBerth(store, ['ls'])
    if (result.code !== 0) throw new Error(`berth ls failed: ${result.stderr}`)
  }
  return (await engines.cpuUs() - before) / 1000 / runs
}

function machineFacts(hyperfine: string, loadBefore: number, loadAfter: number): MachineFacts {
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSafe('/proc/cpuinfo'))?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown CPU'
  let commit = 'unknown commit'
  try {
    const cwd = fileURLToPath(repoRoot)
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {cwd, encoding: 'utf8'}).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'drivers', 'bin', 'package.json'], {cwd, encoding: 'utf8'}).trim() !== ''
    if (dirty) commit += ' with uncommitted changes'
  } catch {
    // Not a git checkout.
  }
  return {
    date: utcMinute(new Date()),
    cpus: os.availableParallelism(),
    cpuModel,
    kernel: os.release(),
    node: process.version,
    hyperfine,
    commit,
    load: {before: loadBefore, after: loadAfter},
  }
}

function utcMinute(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

function positive(flag: string, value: string, min = 1): number {
  const number = Number(value)
  if (!Number.isInteger(number) || number < min) throw new Error(`${flag} must be an integer ≥ ${min}`)
  return number
}

/** A word hyperfine -N splits back out as it was. */
function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll('\'', '\'\\\'\'')}'`
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`)
}

try {
  await main()
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
  process.exitCode = 1
}
