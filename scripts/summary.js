// Prints the run's totals as one plain line ("N passed, N failed, N skipped") from vitest's JSON report.
import {readFileSync} from 'node:fs'

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'))
console.log(`Tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped`)
