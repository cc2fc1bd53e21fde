import {UsageError} from '../errors.js'
import type {Span} from './ast.js'

/** The 1-based line of a source offset. */
export function lineAt(source: string, offset: number): number {
  return source.slice(0, offset).split('\n').length
}

/** Go's parse error: `template: :LINE: message`. */
export function parseError(source: string, offset: number, message: string, hint?: string): UsageError {
  return new UsageError(`template: :${lineAt(source, offset)}: ${message}`, {code: 'format-invalid', ...(hint === undefined ? {} : {hint})})
}

/**
 * Go's execution error: `template: :LINE:COL: executing "" at <node>: message`, COL counted in bytes
 * from 0. `offset` is where Go places the node when that is not where its text starts.
 */
export function executionError(source: string, span: Span, message: string, {hint, offset = span.start}: {hint?: string; offset?: number} = {}): UsageError {
  const before = source.slice(0, offset)
  const column = Buffer.byteLength(before.slice(before.lastIndexOf('\n') + 1))
  // The node's own text, on one line like the rest of the message.
  const node = source.slice(span.start, span.end).replace(/\s+/g, ' ')
  return new UsageError(`template: :${lineAt(source, offset)}:${column}: executing "" at <${node}>: ${message}`, {code: 'format-invalid', ...(hint === undefined ? {} : {hint})})
}
