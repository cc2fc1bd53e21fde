import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

/** "berth version X.Y.Z", as --version and `version` print it. */
export function berthVersion(): string {
  return `berth version ${berthRelease()}`
}

/**
 * berth's version, read from its package.json without loading the CLI framework. Found by walking up from this
 * module, which runs from dist/src/cli or from the lean bundle in dist/lean.
 */
export function berthRelease(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pjson = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {name?: string; version?: string}
      if (pjson.name === 'berth' && pjson.version !== undefined) return pjson.version
    } catch {
      // No package.json here: keep walking up.
    }
  }
  return 'unknown'
}
