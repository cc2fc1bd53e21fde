import {Command} from '@oclif/core'
import {BerthError} from '../core/errors.js'
import {createApp, type App} from './app.js'
import {errorLine, shownStack} from './error-line.js'
import {INTERRUPTED_EXIT_CODE, watchInterrupts} from './interrupt.js'
import {oclifFlags} from './oclif-spec.js'
import {driverRegistryFor} from './driver-catalog.js'
import {liveReporter} from './live-progress.js'
import {globalFlags, type ParsedInput} from './spec.js'
import {personalityOf} from './personality.js'
import {processTerminal} from './terminal.js'

export type Action = (app: App, input: ParsedInput, signal: AbortSignal) => Promise<void>

/** The oclif side of every berth command: parse, build the App, run the action, render errors in one line. */
export abstract class BerthCommand extends Command {
  static override baseFlags = oclifFlags(globalFlags)
  private showStacks = false
  private interrupted = false

  /**
   * Parse with the command's declared flags (unless given parsed input) and run the action; Ctrl-C aborts its signal
   * (interrupt.ts), and the command that then fails exits 130.
   */
  protected async runAction(action: Action, parsed?: ParsedInput): Promise<void> {
    const input = parsed ?? await this.parseDeclared()
    this.showStacks = input.flags.debug === true
    const controller = new AbortController()
    const app = this.createApp(input)
    const watch = watchInterrupts(controller, app.reporter)
    try {
      await action(app, input, controller.signal)
    } finally {
      this.interrupted = watch.interrupted
      watch.stop()
    }
  }

  protected async parseDeclared(): Promise<ParsedInput> {
    const {flags, argv} = await this.parse(this.ctor)
    return {flags, args: argv.filter((arg): arg is string => typeof arg === 'string')}
  }

  protected createApp(input: ParsedInput): App {
    return createApp(input.flags, processTerminal(process.argv.slice(2)), driverRegistryFor(this.config), true, liveReporter)
  }

  protected override async catch(error: Error): Promise<void> {
    const {line, exitCode} = errorLine(berthParseError(error, this.id) ?? error, personalityOf(process.env), processTerminal(process.argv.slice(2)).styling.colour)
    // An empty line: what went wrong has been said already (Docker Machine's rm, say).
    if (line !== '') process.stderr.write(`${line}\n`)
    if (this.showStacks && error.stack) process.stderr.write(`${shownStack(error.stack)}\n`)
    process.exitCode = this.interrupted ? INTERRUPTED_EXIT_CODE : exitCode
  }
}

/** oclif's refusal of missing or extra arguments or unknown flags as berth's error, which each wording words its own way. */
function berthParseError(error: Error, command = ''): BerthError | undefined {
  // oclif does not export its parse errors' classes: each is known by its name and the list it carries.
  const {args, flags} = error as {args?: unknown; flags?: unknown}
  if (error.constructor.name === 'RequiredArgsError' && Array.isArray(args) && args.length === 1) {
    const {name, description} = args[0] as {name: string; description?: string}
    const message = `Missing 1 required arg: ${name}${description === undefined ? '' : ` (${description})`}`
    return new BerthError(message, {code: 'missing-argument', data: {command, argument: name, ...(description === undefined ? {} : {description})}, cause: error})
  }
  const plural = (items: readonly string[]): string => (items.length === 1 ? '' : 's')
  if (error.constructor.name === 'UnexpectedArgsError' && Array.isArray(args)) {
    const given = args.map(String)
    return new BerthError(`Unexpected argument${plural(given)}: ${given.join(', ')}`, {code: 'extra-arguments', data: {args: given}, cause: error})
  }
  if (error.constructor.name === 'NonExistentFlagsError' && Array.isArray(flags)) {
    const given = flags.map(String)
    return new BerthError(`Nonexistent flag${plural(given)}: ${given.join(', ')}`, {code: 'unknown-flag', data: {flags: given}, cause: error})
  }
  return undefined
}
