import {BerthError, UsageError} from '../core/errors.js'

/** Compile a --format template; a syntax error says it is the template that is wrong, and what one looks like. */
export function compileFormatFlag<T>(compile: () => T): T {
  try {
    return compile()
  } catch (error) {
    if (!(error instanceof BerthError)) throw error
    // Docker Machine's prefix, then Go's own message ("template: :1: unclosed action").
    throw new UsageError(`Template parsing error: ${error.message}`, {code: 'format-invalid', hint: error.hint ?? 'Fix the --format template (Go template syntax, e.g. --format "{{.Name}}").', cause: error})
  }
}
