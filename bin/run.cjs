#!/usr/bin/env node
// CommonJS on purpose: Node starts a CommonJS entry faster than an ES module, and the hot read-only commands
// run from the CommonJS bundle of src/cli/lean.ts in dist/lean (see scripts/bundle-lean.js) without loading
// oclif. Everything else, and anything the lean path is unsure of, goes to oclif.
'use strict'
const typed = process.argv.slice(2)
if (typed.length === 1 && (typed[0] === '--version' || typed[0] === '-v')) {
  process.stdout.write(`${require('../dist/lean/version.cjs').berthVersion()}\n`)
} else {
  const lean = require('../dist/lean/lean.cjs')
  lean.runLean(typed).then(async (code) => {
    if (code !== undefined) {
      process.exitCode = code
      return
    }
    const {execute} = await import('@oclif/core')
    await execute({dir: __filename, args: lean.moveLeadingGlobalFlags(typed)})
  })
}
