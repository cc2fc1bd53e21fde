import {readFile} from 'node:fs/promises'

/** "berth version X.Y.Z", read from package.json without loading the CLI framework. */
export async function berthVersion(): Promise<string> {
  const pjson = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as {version: string}
  return `berth version ${pjson.version}`
}
