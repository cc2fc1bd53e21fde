import {completionCandidates} from './completion-candidates.js'
import {completionSources} from './completion-sources.js'

/**
 * `berth __complete WORD...`, which the shell scripts of `berth completion` call on each Tab: the candidates for the
 * last word, one a line, a tab before a description. Run from its own bundle (bin/run.cjs), without oclif.
 */
export async function runComplete(words: readonly string[]): Promise<number> {
  const candidates = await completionCandidates(words.length === 0 ? [''] : words, await completionSources(process.env))
  process.stdout.write(candidates.map(({value, description}) => (description ? `${value}\t${description}\n` : `${value}\n`)).join(''))
  return 0
}
