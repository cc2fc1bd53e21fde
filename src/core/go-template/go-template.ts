import {executeTemplate} from './execute.js'
import {parseTemplate} from './parser.js'

/**
 * A compiled template in a strict subset of Go's text/template, the language of Docker Machine's
 * `--format`: fields, `$`, if/else if/else, range/else, with/else, pipelines, parentheses, trim markers,
 * comments, and the functions in functions.ts. Variables, {{break}}/{{continue}} and template
 * definitions are not supported.
 */
interface Template {
  /** Renders over `data`. A field the data lacks is an error (Go would print <no value> for a map). */
  execute(data: unknown): string
}

/** Parses `source` once; a syntax error throws a one-line UsageError worded like Go's. */
export function compileTemplate(source: string): Template {
  const nodes = parseTemplate(source)
  return {execute: (data) => executeTemplate(source, nodes, data)}
}

/** Docker Machine lets users type `\t` and `\n` in `ls --format`; they mean a tab and a newline. */
export function unescapeFormat(format: string): string {
  return format.replace(/\\([tn])/g, (_escape, letter: string) => (letter === 't' ? '\t' : '\n'))
}
