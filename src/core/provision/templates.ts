import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {BerthError} from '../errors.js'

/** templates/ of the installed package, found from this module whether it runs from src/ or dist/src/. */
function templatesDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'templates', 'README.md'))) return join(dir, 'templates')
  }
  throw new BerthError('berth\'s templates/ directory is missing from its installation.', {code: 'templates-missing'})
}

/**
 * Render a template file: every {{name}} is replaced by values[name], which the caller has already quoted
 * for where it lands. A placeholder without a value, or a value without a placeholder, is a bug: it fails.
 */
export async function renderTemplate(name: string, values: Record<string, string>): Promise<string> {
  const text = await readFile(join(templatesDir(), name), 'utf8')
  const used = new Set<string>()
  const rendered = text.replace(/\{\{(\w+)\}\}/g, (_match, key: string) => {
    const value = values[key]
    if (value === undefined) throw new BerthError(`Template ${name} needs a value for {{${key}}}.`, {code: 'template-mismatch', data: {template: name, missing: key}})
    used.add(key)
    return value
  })
  const unused = Object.keys(values).filter((key) => !used.has(key))
  if (unused.length > 0) throw new BerthError(`Template ${name} has no place for ${unused.join(', ')}.`, {code: 'template-mismatch', data: {template: name, unused}})
  return rendered
}
