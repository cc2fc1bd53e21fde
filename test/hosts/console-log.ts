import {readFile} from 'node:fs/promises'

/** The end of a host's console (what its boots printed), for error messages. */
export async function consoleTail(path: string, lines = 30): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no console output)'
  }
}
