import type {Hook} from '@oclif/core'
import {BerthError} from '../core/errors.js'
import {run, type CommandFix, type CommandName} from '../core/fix.js'
import {errorLine} from './error-line.js'
import {spellCommand} from './error-wording.js'
import {personalityOf} from './personality.js'
import {processTerminal} from './terminal.js'
import {quoteValue} from '../core/safe-text.js'
import {closestCommand} from './typo-suggestion.js'

/**
 * Commands that change nothing: the only ones a typo's suggestion may run, and only when asked on a terminal and
 * answered yes. Any other suggestion (rm, create, ssh…, or a plugin's command) is printed and never run.
 */
const READ_ONLY: ReadonlySet<string> = new Set(['active', 'config', 'drivers', 'env', 'help', 'inspect', 'ip', 'ls', 'status', 'url', 'version'])

/** berth's exit code for a command it does not have, as a shell's for a program it cannot find. */
const UNKNOWN_COMMAND_EXIT = 127

/**
 * A word where a command goes that names none. oclif glues the words after it into the id (`creat ux9` arrives as
 * `creat:ux9`): the unknown command is the first word (or a topic and the word after it, `plugins instal`), and
 * the rest are its arguments. As Docker Machine, the refusal is its own line and exit code (1), without suggestion.
 */
const hook: Hook.CommandNotFound = async function ({id, argv, config}) {
  const words = [...id.split(':'), ...(argv ?? [])]
  const topicWords = config.findTopic(words[0]!) !== undefined && words.length > 1 ? 2 : 1
  const typed = words.slice(0, topicWords).join(' ')
  const args = words.slice(topicWords)
  const personality = personalityOf(process.env)
  if (personality === 'docker-machine') {
    process.stderr.write(`docker-machine: '${typed}' is not a docker-machine command. See 'docker-machine --help'.\n`)
    process.exitCode = 1
    return
  }
  const visible = config.commands.filter((command) => command.hidden !== true).map((command) => command.id.split(':').join(' '))
  const meant = closestCommand(typed, visible.filter((command) => command.split(' ').length === topicWords))
  const fix = meant === undefined ? undefined : suggestion(meant, args)
  const terminal = processTerminal(process.argv.slice(2))
  if (meant !== undefined && fix !== undefined && READ_ONLY.has(meant) && terminal.canAsk && terminal.interactive) {
    terminal.err(`${quoteValue(typed)} is not a ${personality} command.\n`)
    const answer = await terminal.ask(`Run ${spellCommand(fix, personality)} instead? [y/N] `)
    if (/^y(es)?$/i.test(answer)) return config.runCommand(meant.split(' ').join(':'), args)
    process.exitCode = UNKNOWN_COMMAND_EXIT
    return
  }
  const error = new BerthError(`"${typed}" is not a berth command.`, {code: 'unknown-command', data: {command: typed}, fixes: fix === undefined ? [] : [fix], exitCode: UNKNOWN_COMMAND_EXIT})
  const {line, exitCode} = errorLine(error, personality, terminal.styling.colour)
  terminal.err(`${line}\n`)
  process.exitCode = exitCode
}

/** The suggested command line: the command meant, with what was typed after the mistyped word. */
function suggestion(meant: string, args: readonly string[]): CommandFix {
  const [command, ...subcommand] = meant.split(' ')
  return run(command as CommandName, undefined, [...subcommand, ...args])
}

export default hook
