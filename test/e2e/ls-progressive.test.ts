/* eslint-disable no-control-regex -- a terminal's escape codes are what this reads */
import {spawn} from 'node:child_process'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {shellJoin} from '../../src/core/ssh/shell-quote.js'
import {BerthSandbox, repoRoot} from '../harness/berth.js'
import {screenAfter} from '../harness/screen.js'
import {TestHostPool, type TestHost} from '../hosts/index.js'

const COLUMNS = 250
const ROWS = 40
/** ls's --timeout in these tests: long enough for a live host to answer on a busy machine, short enough to wait out. */
const TIMEOUT_S = 4

interface Chunk {
  ms: number
  text: string
}

/**
 * ls never waits on one machine: three generic machines on sysv test hosts, one reachable (until the last test drops its SSH
 * port's packets), one whose engine port drops every packet (iptables in the host's own namespace), one whose host was removed (the sealed test range answers "no
 * route to host" at once). On a terminal the table is there at once and filled in as each answers; in a pipe it comes
 * whole, as before; states and hints say what is wrong without sending anyone to a command the driver refuses.
 */
describe('ls with a firewalled engine and a host that is gone', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let live: TestHost
  let walled: TestHost
  let goneIp: string

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    const [liveHost, walledHost, goneHost] = await Promise.all(['lsp-live', 'lsp-walled', 'lsp-gone'].map((name) => pool.up(name, {init: 'sysv'})))
    ;[live, walled] = [liveHost!, walledHost!]
    const machines: [string, TestHost][] = [['g-live', liveHost!], ['g-walled', walledHost!], ['g-gone', goneHost!]]
    const created = await Promise.all(machines.map(([name, host]) => sandbox.run(['create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', host.privateKeyPath, name])))
    for (const result of created) expect(result.stderr).not.toMatch(/^Error/m)
    await walled.exec('iptables -I INPUT -p tcp --dport 2376 -j DROP')
    goneIp = goneHost!.ip
    await goneHost!.down()
  })

  afterAll(async () => {
    await pool?.dispose()
    await sandbox?.dispose()
  })

  /** argv run on a pseudo-terminal of COLUMNS×rows, each chunk of its output with when it arrived after the start. */
  function inTerminal(argv: readonly string[], rows = ROWS): Promise<{chunks: Chunk[]; code: number | null}> {
    const command = `stty cols ${COLUMNS} rows ${rows}; exec ${shellJoin(argv)}`
    return new Promise((resolve) => {
      const started = performance.now()
      const child = spawn('script', ['-qec', command, '/dev/null'], {env: {...sandbox.env, TERM: 'xterm'}, stdio: ['pipe', 'pipe', 'inherit']})
      const chunks: Chunk[] = []
      child.stdout.on('data', (data: Buffer) => chunks.push({ms: performance.now() - started, text: data.toString()}))
      child.on('close', (code) => resolve({chunks, code}))
      child.stdin.end()
    })
  }
  const berthLs = (args: readonly string[]): string[] => ['node', join(repoRoot, 'bin', 'run.cjs'), 'ls', ...args]

  const row = (name: string, text: string): string | undefined => text.split(/\r?\n/).find((line) => line.startsWith(`${name} `))

  it('prints the whole table in a pipe: Running with the reason for the firewalled engine, Error with the reason for the gone host', async () => {
    const started = performance.now()
    const listed = await sandbox.run(['ls', '-t', String(TIMEOUT_S)])
    expect(listed.code).toBe(0)
    expect(listed.stderr).toBe('')
    const lines = listed.stdout.split('\n')
    expect(lines[0]).toMatch(/^NAME {7}ACTIVE {3}DRIVER {4}STATE {5}URL +SWARM {3}DOCKER +ERRORS$/)
    expect(lines.slice(1, 4).map((line) => line.split(/ {3,}/)[0])).toEqual(['g-gone', 'g-live', 'g-walled'])
    expect(row('g-live', listed.stdout)).toMatch(new RegExp(`^g-live {5}- {8}generic {3}Running {3}tcp://${live.ip.replace(/\./g, '\\.')}:2376 +v\\d+\\.\\d+\\S* {3}$`))
    expect(row('g-walled', listed.stdout)).toMatch(new RegExp(`^g-walled {3}- {8}generic {3}Running {3}tcp://${walled.ip.replace(/\./g, '\\.')}:2376 +Unknown +Unable to query docker version: .*(within ${TIMEOUT_S}s|timed out)`))
    expect(row('g-gone', listed.stdout)).toMatch(new RegExp(`^g-gone {5}- {8}generic {3}Error {5} +Unknown +The host does not answer on ${goneIp.replace(/\./g, '\\.')}:22: no route to host\\.$`))
    // The firewalled engine is waited on for the timeout, and no longer.
    expect(performance.now() - started).toBeLessThan((TIMEOUT_S + 3) * 1000)
  })

  it('keeps the reachable machine\'s row byte for byte as Docker Machine\'s table has it', async () => {
    const version = (await sandbox.run(['ls', '--filter', 'name=g-live', '--format', '{{.DockerVersion}}'])).stdout.trim()
    const url = `tcp://${live.ip}:2376`
    const rows = [['NAME', 'ACTIVE', 'DRIVER', 'STATE', 'URL', 'SWARM', 'DOCKER', 'ERRORS'], ['g-live', '-', 'generic', 'Running', url, '', version, '']]
    // Go's tabwriter as Docker Machine set it up: each cell but the last padded to its column's widest, plus 3, at least 5.
    const width = (column: number): number => Math.max(5, ...rows.map((cells) => cells[column]!.length + 3))
    const expected = rows.map((cells) => `${cells.map((cell, column) => column === cells.length - 1 ? cell : cell.padEnd(width(column))).join('')}\n`).join('')
    expect(version).toMatch(/^v\d/)
    expect((await sandbox.run(['ls', '--filter', 'name=g-live'])).stdout).toBe(expected)
  })

  const withoutColours = (text: string): string => text.replace(/\u001b\[[\d;]*m/g, '')

  it('on a terminal shows every row within 300 ms, fills in each as it answers, and ends on the table a pipe gets', async () => {
    // What starting node and printing a line costs on this pseudo-terminal now: on a busy machine it alone can pass 300 ms.
    const baseline = (await inTerminal(['node', '-e', 'process.stdout.write("ready\\n")'])).chunks[0]!.ms
    const {chunks, code} = await inTerminal(berthLs(['-t', String(TIMEOUT_S)]))
    expect(code).toBe(0)
    const first = chunks[0]!
    console.log(`ls on a terminal: first rows after ${first.ms.toFixed(0)} ms (node printing one line: ${baseline.toFixed(0)} ms); chunks at ${chunks.map((chunk) => chunk.ms.toFixed(0)).join(', ')} ms`)
    // The first bytes hold the whole table, every machine in it, the ones still asked marked "…".
    expect(first.ms - baseline).toBeLessThan(300)
    for (const name of ['g-gone', 'g-live', 'g-walled']) expect(row(name, first.text)).toMatch(new RegExp(`^${name} +- +generic +…`))
    // The live machine and the gone host are filled in long before the firewalled engine's timeout.
    const output = (until: number): string => chunks.filter((chunk) => chunk.ms <= until).map((chunk) => chunk.text).join('')
    const early = chunks.find((chunk) => /g-live .* v\d/.test(chunk.text) && / Error /.test(withoutColours(chunk.text)))
    expect(early).toBeDefined()
    expect(early!.ms).toBeLessThan(TIMEOUT_S * 1000 - 1000)
    expect(screenAfter(output(early!.ms), COLUMNS)).toMatch(/g-walled +- +generic +… /)
    // Redrawn in place: the cursor goes back up over the rows drawn before.
    // (A pseudo-terminal may split one redraw over two reads: the redraws are counted in what followed the first one.)
    const redraws = output(Infinity).slice(first.text.length).split('\u001b[4F\u001b[J')
    expect(redraws[0]).toBe('')
    expect(redraws.length - 1).toBeGreaterThanOrEqual(2)
    const screen = screenAfter(output(Infinity), COLUMNS).split('\n')
    const piped = (await sandbox.run(['ls', '-t', String(TIMEOUT_S)])).stdout.split('\n').slice(0, -1)
    expect(screen).toEqual(piped)
    // States in colour on a terminal: the table a pipe gets has none.
    const last = chunks.at(-1)!.text
    expect(row('g-live', last)).toMatch(/ \u001b\[32mRunning\u001b\[39m /)
    expect(row('g-gone', last)).toMatch(/ \u001b\[31mError\u001b\[39m /)
    expect(piped.join('\n')).not.toContain('\u001b')
  })

  it('prints at the end, as in a pipe, when the table would not fit on the screen', async () => {
    const text = (await inTerminal(berthLs(['-t', '1']), 3)).chunks.map((chunk) => chunk.text).join('')
    // No cursor movement (colours only).
    expect(text).not.toMatch(/\u001b\[\d*[A-Za-ln-z]/)
    expect(text).not.toContain('…')
    expect(withoutColours(text).split('\r\n').filter((line) => line !== '').map((line) => line.split(/ {3,}/)[0])).toEqual(['NAME', 'g-gone', 'g-live', 'g-walled'])
  })

  it('filters on the states the machines answered with', async () => {
    expect((await sandbox.run(['ls', '-q', '-t', String(TIMEOUT_S), '--filter', 'state=Error'])).stdout).toBe('g-gone\n')
    expect((await sandbox.run(['ls', '-q', '-t', String(TIMEOUT_S), '--filter', 'state=Running'])).stdout).toBe('g-live\ng-walled\n')
    expect((await sandbox.run(['ls', '-q', '-t', String(TIMEOUT_S), '--filter', 'state=Stopped'])).stdout).toBe('')
  })

  it('says why a gone host cannot be used, and sends nobody to start it', async () => {
    for (const args of [['ssh', 'g-gone', '--', 'true'], ['restart', 'g-gone'], ['status', 'g-gone']]) {
      const result = await sandbox.run(args)
      expect(result.code, args.join(' ')).toBe(1)
      const lines = result.stderr.split('\n').filter((line) => line !== '')
      expect(lines, args.join(' ')).toContain(`Error: The host of machine "g-gone" does not answer on ${goneIp}:22: no route to host. Check that the host is up and that this computer reaches it on port 22; once it answers, "berth ls" shows it Running.`)
      expect(result.stderr, args.join(' ')).not.toMatch(/berth start|Start it/)
    }
    const start = await sandbox.run(['start', 'g-gone'])
    expect(start.code).toBe(1)
    expect(start.stderr).not.toMatch(/berth start/)
  })

  it('shows Timeout with the reason for a generic host whose SSH port drops every packet', async () => {
    await live.exec('iptables -I INPUT -p tcp --dport 22 -j DROP')
    const listed = await sandbox.run(['ls', '-t', '2', '--filter', 'name=g-live'])
    expect(row('g-live', listed.stdout)).toMatch(/^g-live {3}- {8}generic {3}Timeout {3} +Unknown {3}No answer within 2s\.$/)
  })
})
