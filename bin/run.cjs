#!/usr/bin/env node
// Hot read-only commands run without loading oclif (see src/cli/lean.ts); everything else goes to oclif.
const typed = process.argv.slice(2)
if (typed.length === 1 && (typed[0] === '--version' || typed[0] === '-v')) {
  // Answered before loading the lean path's modules, which only this case does not need.
  const {berthVersion} = await import('../dist/src/cli/version-string.js')
  process.stdout.write(`${await berthVersion()}\n`)
} else {
  const {runLean} = await import('../dist/src/cli/lean.js')
  const code = await runLean(typed)
  if (code === undefined) {
    const [{execute}, {moveLeadingGlobalFlags}] = await Promise.all([import('@oclif/core'), import('../dist/src/cli/spec.js')])
    await execute({dir: import.meta.url, args: moveLeadingGlobalFlags(typed)})
  } else {
    process.exitCode = code
  }
}
