#!/usr/bin/env node
// CommonJS on purpose: Node starts a CommonJS entry faster than an ES module. The hot read-only commands run
// from their own CommonJS bundles in dist/lean (see scripts/bundle-lean.js) without loading oclif. Everything
// else, and anything the lean path is unsure of, goes to oclif.
'use strict'
const typed = process.argv.slice(2)
if (typed.length === 1 && (typed[0] === '--version' || typed[0] === '-v')) {
  process.stdout.write(`${require('../dist/lean/version-string.cjs').berthVersion()}\n`)
} else {
  const route = require('../dist/lean/route.cjs')
  // Run as docker-machine (a link to this file) or with BERTH_PERSONALITY=docker-machine: Docker Machine's variables
  // and wording, for the scripts written for it (src/cli/personality.ts).
  route.adoptPersonality(process.argv[1], process.env)
  const name = route.leanCommandOf(typed)
  // A shell asking what Tab may complete (the scripts `berth completion SHELL` prints): answered without oclif.
  const lean = typed[0] === '__complete' ? require('../dist/lean/complete.cjs').runComplete(typed.slice(1))
    : name === undefined ? Promise.resolve(undefined) : require(`../dist/lean/${name}.cjs`).run(typed)
  lean.then(async (code) => {
    if (code !== undefined) {
      process.exitCode = code
      return
    }
    const {execute} = await import('@oclif/core')
    await execute({dir: __filename, args: route.oclifArgv(typed)})
  })
}
