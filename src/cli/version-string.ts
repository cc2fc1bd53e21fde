import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

/**
 * berth's package directory and package.json, found without loading the CLI framework by walking up from this
 * module, which runs from dist/src/cli or from a lean bundle in dist/lean.
 */
export function berthPackage(): {dir: string; version: string} | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pjson = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {name?: string; version?: string}
      if (pjson.name === 'berth' && pjson.version !== undefined) return {dir, version: pjson.version}
    } catch {
      // No package.json here: keep walking up.
    }
  }
  return undefined
}

/** berth's version, X.Y.Z. */
export function berthRelease(): string {
  return berthPackage()?.version ?? 'unknown'
}

/** "berth version X.Y.Z", as --version and `version` print it. */
export function berthVersion(): string {
  return `berth version ${berthRelease()}`
}
