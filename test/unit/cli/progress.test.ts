import {afterEach, describe, expect, it, vi} from 'vitest'
import {stylingOf, type Styling} from '../../../src/cli/colour.js'
import {liveReporter} from '../../../src/cli/live-progress.js'
import {lineReporter, meterText} from '../../../src/cli/progress.js'
import type {Terminal} from '../../../src/cli/terminal.js'
import {finalScreen as screen} from '../../harness/screen.js'

const LIVE: Styling = {live: true, colour: true}
const PLAIN: Styling = {live: false, colour: false}

function terminal(styling: Styling, columns = 80): Terminal & {written: string} {
  const self = {
    written: '',
    out: () => {},
    err: (text: string) => {
      self.written += text
    },
    env: {},
    interactive: styling.live,
    styling,
    columns,
    canAsk: false,
    invocation: [],
    ask: async () => '',
  }
  return self
}

describe('a step on a terminal', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('is one line redrawn in place with a spinner and its time, ending as a green ✔ with its time', async () => {
    vi.useFakeTimers({toFake: ['setInterval', 'clearInterval']})
    const tty = terminal(LIVE)
    const reporter = liveReporter(tty, false, 'berth')
    await reporter.step('Installing the Docker engine', async () => {
      vi.advanceTimersByTime(250)
      reporter.status('Setting up docker-ce (27.3.1) ...')
      vi.advanceTimersByTime(100)
    })
    const frames = tty.written.split('\r')
    expect(frames.length).toBeGreaterThan(4)
    expect(tty.written).toContain('⠙')
    expect(tty.written).toContain('\u001b[2mSetting up docker-ce (27.3.1) ...\u001b[22m')
    // eslint-disable-next-line no-control-regex -- the colour of the mark is what is checked
    expect(tty.written).toMatch(/\u001b\[32m✔\u001b\[39m Installing the Docker engine \u001b\[2m\(\d+\.\ds\)\u001b\[22m\n$/)
    expect(screen(tty.written)).toEqual([expect.stringMatching(/^✔ Installing the Docker engine \(\d+\.\ds\)$/)])
  })

  it('ends as a red ✘ on its own line, the status gone, before the error is thrown on', async () => {
    const tty = terminal(LIVE)
    const reporter = liveReporter(tty, false, 'berth')
    await expect(reporter.step('Waiting for SSH', async () => {
      reporter.status('refused. Trying again.')
      throw new Error('Interrupted')
    })).rejects.toThrow('Interrupted')
    expect(tty.written).toContain('\u001b[31m✘\u001b[39m Waiting for SSH')
    expect(tty.written.endsWith('\n')).toBe(true)
    expect(screen(tty.written)).toEqual([expect.stringMatching(/^✘ Waiting for SSH \(\d+\.\ds\)$/)])
  })

  it('keeps what else is said above the running step, and cuts the status to the terminal\'s width', async () => {
    const tty = terminal(LIVE, 40)
    const reporter = liveReporter(tty, true, 'berth')
    await reporter.step('Checking the engine', async () => {
      reporter.status(`${'x'.repeat(100)}`)
      reporter.info('Creating CA: /store/certs/ca.pem')
      reporter.warn('the clock of the host is off by 5 minutes')
      expect(screen(tty.written)).toEqual([
        'Creating CA: /store/certs/ca.pem',
        'Warning: the clock of the host is off by 5 minutes',
        expect.stringMatching(/^⠋ Checking the engine \(\d+\.\ds\)$/),
      ])
      reporter.status(`${'y'.repeat(100)}`)
      const shown = screen(tty.written)
      expect(shown.at(-1)).toBe(`  ${'y'.repeat(36)}…`)
    })
    expect(tty.written).toContain('\u001b[33mWarning:\u001b[39m')
    expect(screen(tty.written).at(-1)).toMatch(/^✔ Checking the engine/)
  })

  it('draws steps that run at once one under the other', async () => {
    const tty = terminal(LIVE)
    const reporter = liveReporter(tty, false, 'berth')
    let release = (): void => {}
    const first = reporter.step('Waiting for "a" to stop', () => new Promise<void>((resolve) => { release = resolve }))
    const second = reporter.step('Waiting for "b" to stop', async () => {
      expect(screen(tty.written).map((line) => line.slice(2, 25))).toEqual(['Waiting for "a" to stop', 'Waiting for "b" to stop'])
    })
    await second
    release()
    await first
    expect(screen(tty.written).map((line) => line.slice(0, 25))).toEqual(['✔ Waiting for "b" to stop', '✔ Waiting for "a" to stop'])
  })

  it('draws a download\'s bar under the step, and keeps it once the download is whole', async () => {
    const tty = terminal(LIVE)
    const reporter = liveReporter(tty, false, 'berth')
    await reporter.step('Creating machine', async () => {
      for (const done of [0, 300e6]) reporter.meter('Downloading the image', done, 600e6)
      expect(screen(tty.written).at(-1)).toBe(`  Downloading the image [${'#'.repeat(15)}${'-'.repeat(15)}] 50% (300 of 600 MB)`)
      reporter.meter('Downloading the image', 600e6, 600e6)
    })
    expect(screen(tty.written)).toEqual([`Downloading the image [${'#'.repeat(30)}] 100% (600 of 600 MB)`, expect.stringMatching(/^✔ Creating machine/)])
  })
})

describe('plain lines (a log, a pipe, NO_COLOR, --no-color)', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('are one line per step end, with no escape codes', async () => {
    const log = terminal(PLAIN)
    const reporter = liveReporter(log, false, 'berth')
    await reporter.step('Running pre-create checks', async () => undefined)
    await expect(reporter.step('Waiting for SSH', async () => {
      throw new Error('refused')
    })).rejects.toThrow()
    expect(log.written).toMatch(/^Running pre-create checks: done \(\d+\.\ds\)\nWaiting for SSH: failed \(\d+\.\ds\)\n$/)
  })

  it('write a status when it changes, at most one every five seconds and twenty per step', async () => {
    vi.useFakeTimers({toFake: ['Date']})
    const log = terminal(PLAIN)
    const reporter = lineReporter(log, false)
    await reporter.step('Installing the Docker engine', async () => {
      for (let second = 0; second < 300; second += 1) {
        reporter.status(`line ${Math.floor(second / 2)}`)
        vi.advanceTimersByTime(1000)
      }
    })
    const lines = log.written.split('\n').filter(Boolean)
    expect(lines.slice(0, 3)).toEqual(['  line 0', '  line 2', '  line 5'])
    expect(lines).toHaveLength(21)
    expect(lines.at(-1)).toMatch(/^Installing the Docker engine: done/)
  })

  it('are in colour when FORCE_COLOR asks for it', async () => {
    const log = terminal(stylingOf({FORCE_COLOR: '1'}, [], false))
    await lineReporter(log, false).step('Checking the engine over TLS', async () => undefined)
    expect(log.written).toContain('Checking the engine over TLS: \u001b[32mdone\u001b[39m')
  })

  it('show what a host or the store said on one line each, control characters spelled out, passwords in URLs hidden', async () => {
    for (const styling of [LIVE, PLAIN]) {
      const tty = terminal(styling)
      const reporter = liveReporter(tty, true, 'berth')
      await reporter.step('Waiting for \u001b[31mhost\u001b[0m', async () => undefined)
      reporter.info('fake\nrow')
      reporter.warn('tcp://u:pw@h:1 said \u0007')
      reporter.debug('host: \u001b]0;title\u0007Debian')
      const shown = screen(tty.written)
      expect(shown).toHaveLength(4)
      // eslint-disable-next-line no-control-regex
      expect(shown.join('\n')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/)
      expect(shown[0]).toContain('Waiting for \\x1b[31mhost\\x1b[0m')
      expect(shown[1]).toBe('fake\\nrow')
      expect(shown[2]).toBe('Warning: tcp://u:***@h:1 said \\x07')
      expect(shown[3]).toBe('[debug] host: \\x1b]0;title\\x07Debian')
    }
  })

  it('write a download at each tenth, and every 100 MB when the size is unknown', () => {
    const log = terminal(PLAIN)
    const reporter = lineReporter(log, false)
    for (let done = 0; done <= 600e6; done += 20e6) reporter.meter('Downloading the image', done, 600e6)
    expect(log.written.split('\n').filter(Boolean)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((percent) => `Downloading the image: ${percent}% of 600 MB`))
    expect(meterText('Downloading the image', 250e6, undefined, false)).toBe('Downloading the image: 200 MB')
    expect(meterText('Downloading the image', 250e6, undefined, true)).toBe('Downloading the image: 250 MB')
  })
})

describe('the styling', () => {
  it('is live and coloured on a terminal; plain under NO_COLOR, --no-color, TERM=dumb, a pipe, or as Docker Machine', () => {
    expect(stylingOf({}, ['create'], true)).toEqual({live: true, colour: true})
    expect(stylingOf({NO_COLOR: '1'}, [], true)).toEqual({live: false, colour: false})
    expect(stylingOf({NO_COLOR: ''}, [], true)).toEqual({live: true, colour: true})
    expect(stylingOf({}, ['create', '--no-color', 'm'], true)).toEqual({live: false, colour: false})
    expect(stylingOf({}, ['ssh', 'm', '--', 'ls', '--no-color'], true)).toEqual({live: true, colour: true})
    expect(stylingOf({TERM: 'dumb'}, [], true)).toEqual({live: false, colour: false})
    expect(stylingOf({}, [], false)).toEqual({live: false, colour: false})
    expect(stylingOf({BERTH_PERSONALITY: 'docker-machine', FORCE_COLOR: '1'}, [], true)).toEqual({live: false, colour: false})
  })

  it('takes FORCE_COLOR ahead of NO_COLOR, as Node does, for colour only', () => {
    expect(stylingOf({FORCE_COLOR: '1', NO_COLOR: '1'}, [], false)).toEqual({live: false, colour: true})
    expect(stylingOf({FORCE_COLOR: '0'}, [], true)).toEqual({live: true, colour: false})
    expect(stylingOf({FORCE_COLOR: '1'}, ['--no-color'], true)).toEqual({live: false, colour: false})
  })
})
