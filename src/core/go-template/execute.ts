import type {Command, Operand, Pipeline, Span, TemplateNode} from './ast.js'
import {FunctionError} from './functions.js'
import {formatValue, goTypeName, isPlainObject, isTruthy, sortedEntries} from './go-values.js'
import {executionError} from './template-error.js'

/** Runs a parsed template over `data`; the first problem throws a UsageError naming where and what. */
export function executeTemplate(source: string, nodes: readonly TemplateNode[], data: unknown): string {
  const output: string[] = []
  new Execution(source, data, output).walk(nodes, data)
  return output.join('')
}

class Execution {
  constructor(private readonly source: string, private readonly root: unknown, private readonly output: string[]) {}

  walk(nodes: readonly TemplateNode[], dot: unknown): void {
    for (const node of nodes) {
      switch (node.kind) {
        case 'text':
          this.output.push(node.text)
          break
        case 'action': {
          const value = this.pipeline(node.pipeline, dot)
          // Go prints a missing value as <no value>, not as fmt's <nil>.
          this.output.push(value === null || value === undefined ? '<no value>' : formatValue(value))
          break
        }
        case 'if':
          this.walk(isTruthy(this.pipeline(node.pipeline, dot)) ? node.body : node.otherwise, dot)
          break
        case 'with': {
          const value = this.pipeline(node.pipeline, dot)
          if (isTruthy(value)) this.walk(node.body, value)
          else this.walk(node.otherwise, dot)
          break
        }
        case 'range': {
          const items = this.items(this.pipeline(node.pipeline, dot), node.pipeline.span)
          if (items.length === 0) this.walk(node.otherwise, dot)
          for (const item of items) this.walk(node.body, item)
          break
        }
      }
    }
  }

  private pipeline(pipeline: Pipeline, dot: unknown): unknown {
    let piped: {value: unknown} | undefined
    for (const command of pipeline.commands) piped = {value: this.command(command, dot, piped)}
    return piped?.value
  }

  private command({span, args: [head, ...rest]}: Command, dot: unknown, piped: {value: unknown} | undefined): unknown {
    // The parser only lets functions take arguments or piped values.
    return head.kind === 'function' ? this.call(head, span, rest, dot, piped) : this.operand(head, dot)
  }

  private operand(operand: Operand, dot: unknown): unknown {
    switch (operand.kind) {
      case 'field':
        return this.field(operand, dot)
      case 'literal':
        return operand.value
      case 'function':
        return this.call(operand, operand.span, [], dot, undefined)
      case 'pipeline':
        return this.pipeline(operand.pipeline, dot)
    }
  }

  /** Calls the function `head` names; `span` is the whole command, which Go names when a call fails. */
  private call(head: Extract<Operand, {kind: 'function'}>, span: Span, argNodes: readonly Operand[], dot: unknown, piped: {value: unknown} | undefined): unknown {
    const fn = head.fn
    const thunks = argNodes.map((node) => () => this.operand(node, dot))
    if (piped !== undefined) thunks.push(() => piped.value)
    if (fn.kind === 'short-circuit') {
      let value: unknown
      for (const thunk of thunks) {
        value = thunk()
        if (isTruthy(value) === fn.stopWhen) break
      }
      return value
    }
    const args = thunks.map((thunk) => thunk())
    try {
      return fn.call(args)
    } catch (error) {
      if (!(error instanceof FunctionError)) throw error
      // A wrong argument is reported at that argument (at the function when it was piped in).
      if (error.argIndex !== undefined) throw executionError(this.source, (argNodes[error.argIndex] ?? head).span, error.message)
      throw executionError(this.source, span, `error calling ${head.name}: ${error.message}`)
    }
  }

  private field(operand: Extract<Operand, {kind: 'field'}>, dot: unknown): unknown {
    const {span, from, path} = operand
    // Go positions a chained field (.A.B, $.A) at its second segment.
    const offset = from === 'root' ? span.start + Math.min(path.length, 1) : span.start + (path.length > 1 ? 1 + (path[0] ?? '').length : 0)
    let value = from === 'dot' ? dot : this.root
    for (const name of path) {
      if (value === null || value === undefined) throw executionError(this.source, span, `nil pointer evaluating interface {}.${name}`, {offset})
      if (!isPlainObject(value) || !Object.hasOwn(value, name)) {
        const fields = isPlainObject(value) ? Object.keys(value) : []
        const hint = fields.length === 0 ? undefined : `Fields here: ${fields.join(', ')}.`
        throw executionError(this.source, span, `can't evaluate field ${name} in type ${goTypeName(value)}`, {hint, offset})
      }
      value = value[name]
    }
    return value
  }

  /** What {{range}} visits: array elements, or map values in key order; nil visits nothing. */
  private items(value: unknown, span: Span): readonly unknown[] {
    if (value === null || value === undefined) return []
    if (Array.isArray(value)) return value
    if (isPlainObject(value)) return sortedEntries(value).map(([, item]) => item)
    throw executionError(this.source, span, `range can't iterate over ${formatValue(value)}`)
  }
}
