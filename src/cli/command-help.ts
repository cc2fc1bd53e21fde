import {CommandHelp, type Command, type Interfaces} from '@oclif/core'
import {GLOBAL_HELP_GROUP} from './spec.js'

/** A section a command's help adds after its flags (create's list of drivers). */
export interface ExtraSection {
  header: string
  body: string
}

/**
 * One command's help as berth lays it out: each flag's description, then its default and variable as
 * `[default: x] [env: Y]` (never an empty default); the global flags named once in a short block (they are
 * described in the top-level help); the summary said once, at the top.
 */
export class BerthCommandHelp extends CommandHelp {
  private readonly globalFlagNames: string[]

  /** `program` is what the user runs berth as (its personality); `sectionsAdded` come after the flags. */
  constructor(command: Command.Loadable, config: Interfaces.Config, opts: Interfaces.HelpOptions, private readonly program: string, private readonly sectionsAdded: readonly ExtraSection[] = []) {
    const globals = Object.values(command.flags).filter((flag) => flag.helpGroup === GLOBAL_HELP_GROUP && flag.hidden !== true)
    const others = Object.fromEntries(Object.entries(command.flags).filter(([, flag]) => flag.helpGroup !== GLOBAL_HELP_GROUP))
    super({...command, flags: others}, config, opts)
    this.globalFlagNames = globals.map((flag) => `--${flag.name}`)
  }

  /** The flags as a section of their own, in this layout (the top-level help lists the global flags so). */
  flagsSection(header: string, flags: readonly Command.Flag.Any[]): string {
    const sorted = [...flags].sort((a, b) => Number(a.char === undefined) - Number(b.char === undefined) || (a.char ?? '').localeCompare(b.char ?? '') || a.name.localeCompare(b.name))
    return this.section(header, this.flags(sorted) ?? [])
  }

  protected override flags(flags: Command.Flag.Any[]): [string, string | undefined][] | undefined {
    if (flags.length === 0) return undefined
    const noChar = flags.every((flag) => flag.char === undefined)
    const labels = flags.map((flag) => (noChar ? this.flagHelpLabel(flag).replace('    ', '') : this.flagHelpLabel(flag)))
    const pieces = flags.map((flag) => [
      ...(flag.summary ?? flag.description ?? '').split(' ').filter((word) => word !== ''),
      ...[defaultNote(flag), flag.env === undefined ? undefined : `[env: ${flag.env}]`].filter((note) => note !== undefined),
    ])
    // The width oclif's list leaves a description beside the widest label; when one description would take more
    // than five lines there, oclif puts every description under its label, indented by six.
    const beside = pieces.map((words) => fill(words, this.opts.maxWidth - this.indentSpacing - Math.max(...labels.map((label) => label.length)) - 2))
    const texts = beside.some((text) => text.split('\n').length > 5) ? pieces.map((words) => fill(words, this.opts.maxWidth - 6)) : beside
    return flags.map((flag, index) => {
      const options = flag.type === 'option' && flag.options !== undefined && flag.helpValue === undefined ? `\n<options: ${flag.options.join('|')}>` : ''
      return [labels[index]!, `${texts[index]!}${options}`]
    })
  }

  /** Each example on its own line, with no blank line between: a person scans a column of command lines. */
  protected override examples(examples: Command.Example[] | string | undefined): string | undefined {
    if (examples === undefined || examples.length === 0) return undefined
    return (typeof examples === 'string' ? [examples] : examples).map((example) => super.examples([example])).join('\n')
  }

  /** The command's description without its summary again: the summary heads the help already. */
  protected override description(): string | undefined {
    const {description} = this.command
    return description === undefined || description === '' ? undefined : this.wrap(description)
  }

  protected override sections(): ReturnType<CommandHelp['sections']> {
    const sections = super.sections()
    const afterFlags = sections.findIndex(({header}) => header === 'FLAGS') + 1
    const added = [...this.sectionsAdded, ...this.globalFlagsSection()].map(({header, body}) => ({header, generate: () => body}))
    return [...sections.slice(0, afterFlags), ...added, ...sections.slice(afterFlags)]
  }

  /** The global flags by name only: every command takes them, and the top-level help describes them. */
  private globalFlagsSection(): ExtraSection[] {
    if (this.globalFlagNames.length === 0) return []
    return [{header: 'GLOBAL FLAGS', body: this.wrap(`${this.globalFlagNames.join(', ')}: see "${this.program} --help".`, this.indentSpacing * 2)}]
  }
}

/** The pieces in lines of at most `width` columns, each piece kept whole (a note is never split across lines). */
function fill(pieces: readonly string[], width: number): string {
  const lines: string[] = []
  let line = ''
  for (const piece of pieces) {
    if (line !== '' && line.length + 1 + piece.length > width) {
      lines.push(line)
      line = piece
    } else {
      line = line === '' ? piece : `${line} ${piece}`
    }
  }
  return [...lines, line].join('\n')
}

/** `[default: x]` for a flag whose default is a value worth showing: never an empty string or an empty list. */
function defaultNote(flag: Command.Flag.Any): string | undefined {
  if (flag.type !== 'option') return undefined
  const value: unknown = flag.default
  const shown = Array.isArray(value) ? value.join(', ') : typeof value === 'string' || typeof value === 'number' ? String(value) : ''
  return shown === '' ? undefined : `[default: ${shown}]`
}
