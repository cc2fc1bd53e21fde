#!/usr/bin/env node
// Hot read-only commands run without loading oclif (see src/cli/lean.ts); everything else goes to oclif.
import {runLean} from '../dist/src/cli/lean.js'
import {moveLeadingGlobalFlags} from '../dist/src/cli/spec.js'

const typed = process.argv.slice(2)
const code = await runLean(typed)
if (code === undefined) {
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url, args: moveLeadingGlobalFlags(typed)})
} else {
  process.exitCode = code
}
