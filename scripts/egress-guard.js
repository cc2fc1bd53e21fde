// Runs a command (the test suite) and fails when anything on this machine opened a connection through its default
// route meanwhile: tests may talk to loopback and to the test hosts they made, nothing else. It counts new
// connections leaving by each default-route interface (iptables and ip6tables, OUTPUT and FORWARD, conntrack state
// NEW) with a LOG rule, and names what left from the kernel log when it can be read.
//
//   node scripts/egress-guard.js -- COMMAND [ARGS...]
//
// Needs root and iptables; without them it says so and runs the command unguarded, except under CI=true, where
// that is a failure. Exit code: the command's, or 1 when it passed but something left the machine.
import {execFileSync, spawn} from 'node:child_process'

const TAG_PREFIX = 'berth-egress-'
const tag = `${TAG_PREFIX}${process.pid}`
// The kernel keeps at most 29 characters of a LOG prefix.
const logPrefix = `berth-egress ${process.pid}: `.slice(0, 29)
const CHAINS = ['OUTPUT', 'FORWARD']

const separator = process.argv.indexOf('--')
const command = separator >= 0 ? process.argv.slice(separator + 1) : process.argv.slice(2)
if (command.length === 0) {
  console.error('Usage: node scripts/egress-guard.js -- COMMAND [ARGS...]')
  process.exit(2)
}

const tools = guardTools()
if (typeof tools === 'string') {
  if (process.env.CI === 'true') {
    console.error(`egress guard: ${tools}; under CI the tests must run guarded.`)
    process.exit(1)
  }
  console.error(`egress guard: ${tools}; running the tests without checking where they connect.`)
  process.exit(await runCommand())
}

removeStaleRules()
process.exit(await runGuarded())

/** The command's exit code, or 1 when it passed but something left the machine; the rules go in every case. */
async function runGuarded() {
  const guarded = installRules()
  const since = Date.now()
  try {
    const code = await runCommand()
    const leaks = readCounts(guarded)
    report(leaks, leaks.total > 0 ? loggedConnections() : [], since)
    return code !== 0 ? code : leaks.total > 0 ? 1 : 0
  } finally {
    removeRules(guarded)
  }
}

/** The iptables commands per address family, or why the guard cannot run here. */
function guardTools() {
  if (process.getuid?.() !== 0) return 'not running as root'
  const families = []
  for (const [family, iptables] of [['-4', 'iptables'], ['-6', 'ip6tables']]) {
    try {
      execFileSync(iptables, ['-w', '-S', 'OUTPUT'], {stdio: 'ignore'})
    } catch {
      return `${iptables} is not usable`
    }
    families.push({family, iptables, devices: defaultDevices(family)})
  }
  return families
}

function defaultDevices(family) {
  const routes = JSON.parse(execFileSync('ip', ['-j', family, 'route', 'show', 'default'], {encoding: 'utf8'}) || '[]')
  return [...new Set(routes.map((route) => route.dev).filter(Boolean))]
}

function rule(device) {
  return ['-o', device, '-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', tag, '-j', 'LOG', '--log-prefix', logPrefix]
}

function installRules() {
  const installed = []
  for (const {iptables, devices} of tools) {
    for (const chain of CHAINS) {
      for (const device of devices) {
        execFileSync(iptables, ['-w', '-I', chain, '1', ...rule(device)])
        installed.push({iptables, chain, device})
      }
    }
  }
  if (installed.length === 0) console.error('egress guard: this machine has no default route; nothing can leave it.')
  return installed
}

function removeRules(installed) {
  for (const {iptables, chain, device} of installed) {
    try {
      execFileSync(iptables, ['-w', '-D', chain, ...rule(device)], {stdio: 'ignore'})
    } catch {
      // Gone already.
    }
  }
}

/** Rules of guards whose process died (a run that was killed) would count forever: remove them. */
function removeStaleRules() {
  for (const {iptables} of tools) {
    for (const chain of CHAINS) {
      const lines = execFileSync(iptables, ['-w', '-S', chain], {encoding: 'utf8'}).split('\n')
      for (const line of lines) {
        const pid = Number(new RegExp(`--comment "?${TAG_PREFIX}(\\d+)`).exec(line)?.[1])
        if (!pid || isAlive(pid)) continue
        // -S prints a rule as the -A arguments that made it; the prefix is the only quoted argument in ours.
        const args = line.replace(/^-A \S+ /, '').match(/"[^"]*"|\S+/g).map((word) => word.replace(/^"(.*)"$/, '$1'))
        execFileSync(iptables, ['-w', '-D', chain, ...args], {stdio: 'ignore'})
      }
    }
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return error.code === 'EPERM'
  }
}

function readCounts(installed) {
  const counts = []
  let total = 0
  for (const {iptables, chain, device} of installed) {
    const listing = execFileSync(iptables, ['-w', '-L', chain, '-v', '-n', '-x'], {encoding: 'utf8'})
    const line = listing.split('\n').find((text) => text.includes(`/* ${tag} */`) && text.split(/\s+/).includes(device))
    const packets = Number(line?.trim().split(/\s+/)[0] ?? 0)
    counts.push({iptables, chain, device, packets})
    total += packets
  }
  return {counts, total}
}

/** What the LOG rules wrote: one line per new connection, with its destination. Best effort (dmesg may be closed). */
function loggedConnections() {
  try {
    // The wall-clock time lets a leak be matched to the test that ran then (the JSON report has each file's start).
    const log = execFileSync('dmesg', ['--time-format=iso'], {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024})
    return log.split('\n').filter((line) => line.includes(logPrefix.trim())).map((line) => {
      const field = (name) => new RegExp(`\\b${name}=(\\S*)`).exec(line)?.[1] ?? '?'
      const time = /^\S+T(\d\d:\d\d:\d\d)/.exec(line)?.[1] ?? '?'
      return `${time} ${field('PROTO')} ${field('SRC')} -> ${field('DST')} port ${field('DPT')} (out ${field('OUT')})`
    })
  } catch {
    return []
  }
}

function report({counts, total}, lines, since) {
  const seconds = Math.round((Date.now() - since) / 1000)
  const where = counts.map((count) => count.device).filter((device, index, all) => all.indexOf(device) === index).join(', ') || 'none'
  if (total === 0) {
    console.error(`egress guard: no connection left this machine by its default route (${where}) in ${seconds} s.`)
    return
  }
  console.error(`egress guard: FAILED: ${total} new connection(s) left this machine by its default route while the tests ran; tests may reach only loopback and their own test hosts.`)
  for (const count of counts.filter((entry) => entry.packets > 0)) console.error(`  ${count.iptables} ${count.chain} out ${count.device}: ${count.packets}`)
  for (const line of lines.slice(0, 50)) console.error(`  ${line}`)
}

function runCommand() {
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), {stdio: 'inherit'})
    const forward = (signal) => child.kill(signal)
    process.on('SIGINT', forward)
    process.on('SIGTERM', forward)
    child.on('error', (error) => {
      console.error(`egress guard: cannot run ${command[0]}: ${error.message}`)
      resolve(127)
    })
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1)))
  })
}
