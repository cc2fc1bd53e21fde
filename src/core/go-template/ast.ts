/** The parsed form of a template. Spans are source offsets, for Go-style error positions. */

import type {TemplateFunction} from './functions.js'

export interface Span {
  readonly start: number
  readonly end: number
}

export type Operand =
  /** `.`, `.A.B`, `$` or `$.A`: a path from the current value or from the template's data. */
  | {readonly kind: 'field'; readonly span: Span; readonly from: 'dot' | 'root'; readonly path: readonly string[]}
  | {readonly kind: 'function'; readonly span: Span; readonly name: string; readonly fn: TemplateFunction}
  | {readonly kind: 'literal'; readonly span: Span; readonly value: string | number | boolean | null}
  | {readonly kind: 'pipeline'; readonly span: Span; readonly pipeline: Pipeline}

/** A function and its arguments, or a single value. */
export interface Command {
  readonly span: Span
  readonly args: readonly [Operand, ...Operand[]]
}

/** Commands joined by `|`; each result is passed as the last argument of the next. */
export interface Pipeline {
  readonly span: Span
  readonly commands: readonly Command[]
}

export type TemplateNode =
  | {readonly kind: 'text'; readonly text: string}
  | {readonly kind: 'action'; readonly pipeline: Pipeline}
  | {readonly kind: 'if' | 'range' | 'with'; readonly pipeline: Pipeline; readonly body: readonly TemplateNode[]; readonly otherwise: readonly TemplateNode[]}
