import {describe, expect, it} from 'vitest'
import {meterText, terminalReporter} from '../../../src/cli/progress.js'
import type {Terminal} from '../../../src/cli/terminal.js'

function terminal(interactive: boolean): Terminal & {written: string} {
  const self = {
    written: '',
    out: () => {},
    err: (text: string) => {
      self.written += text
    },
    env: {},
    interactive,
    canAsk: false,
    invocation: [],
    ask: async () => '',
  }
  return self
}

describe('download meters', () => {
  it('draws a bar in place on a terminal, redrawn only when it changes, ending its line when the download is whole', () => {
    const tty = terminal(true)
    const reporter = terminalReporter(tty, false)
    for (const done of [0, 1e6, 1.001e6, 300e6, 600e6]) reporter.meter('Downloading the image', done, 600e6)
    reporter.info('Creating the VM')
    expect(tty.written.split('\r\u001b[K')).toEqual([
      '',
      `Downloading the image [${'-'.repeat(30)}] 0% (0 of 600 MB)`,
      `Downloading the image [${'-'.repeat(30)}] 0% (1 of 600 MB)`,
      `Downloading the image [${'#'.repeat(15)}${'-'.repeat(15)}] 50% (300 of 600 MB)`,
      `Downloading the image [${'#'.repeat(30)}] 100% (600 of 600 MB)\nCreating the VM\n`,
    ])
  })

  it('ends the bar\'s line before anything else is written when a download stops part way', () => {
    const tty = terminal(true)
    const reporter = terminalReporter(tty, false)
    reporter.meter('Downloading the image', 120e6, 600e6)
    reporter.warn('the connection broke')
    expect(tty.written).toBe(`\r\u001b[KDownloading the image [${'#'.repeat(6)}${'-'.repeat(24)}] 20% (120 of 600 MB)\nWarning: the connection broke\n`)
  })

  it('writes a plain line at each tenth in a log, and every 100 MB when the size is unknown', () => {
    const log = terminal(false)
    const reporter = terminalReporter(log, false)
    for (let done = 0; done <= 600e6; done += 20e6) reporter.meter('Downloading the image', done, 600e6)
    expect(log.written.split('\n').filter(Boolean)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((percent) => `Downloading the image: ${percent}% of 600 MB`))
    expect(meterText('Downloading the image', 250e6, undefined, false)).toBe('Downloading the image: 200 MB')
    expect(meterText('Downloading the image', 250e6, undefined, true)).toBe('Downloading the image: 250 MB')
  })
})

describe('progress lines', () => {
  it('show what a host or the store said on one line each, control characters spelled out, passwords in URLs hidden', async () => {
    for (const interactive of [true, false]) {
      const tty = terminal(interactive)
      const reporter = terminalReporter(tty, true)
      await reporter.step('Waiting for \u001b[31mhost\u001b[0m', async () => undefined)
      reporter.info('fake\nrow')
      reporter.warn('tcp://u:pw@h:1 said \u0007')
      reporter.debug('host: \u001b]0;title\u0007Debian')
      expect(tty.written.split('\n').filter(Boolean)).toHaveLength(5)
      // eslint-disable-next-line no-control-regex
      expect(tty.written).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/)
      expect(tty.written).toContain('Waiting for \\x1b[31mhost\\x1b[0m')
      expect(tty.written).toContain('fake\\nrow\n')
      expect(tty.written).toContain('Warning: tcp://u:***@h:1 said \\x07\n')
      expect(tty.written).toContain('[debug] host: \\x1b]0;title\\x07Debian\n')
    }
  })
})

describe('the status of a waiting step', () => {
  it('is redrawn in place on a terminal and cleared by the next line', async () => {
    const tty = terminal(true)
    const reporter = terminalReporter(tty, false)
    await reporter.step('Waiting for SSH', async () => {
      reporter.status('SSH on root@10.0.0.2 refused the connection (ECONNREFUSED). Trying again (attempt 2).')
      reporter.status('SSH on root@10.0.0.2 refused the connection (ECONNREFUSED). Trying again (attempt 3).')
    })
    // eslint-disable-next-line no-control-regex -- the escapes that redraw the line are what is checked
    expect(tty.written).toMatch(/^… Waiting for SSH\n\r\u001b\[K {2}SSH on root@10\.0\.0\.2 refused .*\(attempt 2\)\.\r\u001b\[K {2}SSH on .*\(attempt 3\)\.\r\u001b\[K✔ Waiting for SSH \(\d+\.\ds\)\n$/)
  })

  it('is a line in a log, written again only when it changes', () => {
    const log = terminal(false)
    const reporter = terminalReporter(log, false)
    for (const message of ['refused.', 'refused.', 'no route.', 'no route.']) reporter.status(message)
    expect(log.written).toBe('  refused.\n  no route.\n')
  })
})
