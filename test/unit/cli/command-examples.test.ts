import {describe, expect, it} from 'vitest'
import {commandClass, commandTable} from '../../../src/cli/command-table.js'

/** Names a reader would take for a placeholder rather than a machine of theirs. */
const PLACEHOLDER = /^(m\d+|machine\d*|name|NAME|MACHINE|foo|bar)$/

describe('every command\'s examples', () => {
  it('give each command at least one command line a user would type, with a realistic machine name', async () => {
    const found: Record<string, string[]> = {}
    for (const name of Object.keys(commandTable)) {
      const examples = ((await commandClass(name)).examples ?? []).map(String)
      found[name] = examples
      const typed = `<%= config.bin %> ${name.replaceAll(':', ' ')}`
      expect(examples.some((example) => example.includes(typed)), `${name}: ${examples.join(' | ')}`).toBe(true)
      for (const example of examples) {
        const words = example.split(/[\s:"'()$]+/)
        expect(words.filter((word) => PLACEHOLDER.test(word)), `${name}: ${example}`).toEqual([])
      }
    }
    expect(Object.keys(found).length).toBeGreaterThan(20)
  })
})
