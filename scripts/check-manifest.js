// The build regenerates oclif.manifest.json; a committed manifest that differs is stale and hides commands.
import {execFileSync} from 'node:child_process'

const changed = execFileSync('git', ['status', '--porcelain', '--', 'oclif.manifest.json'], {encoding: 'utf8'}).trim()
if (changed !== '') {
  const message = 'oclif.manifest.json is out of date: commit the one "npm run build" just wrote.'
  if (process.env.CI) {
    console.error(`Error: ${message}`)
    process.exit(1)
  }
  console.warn(`Warning: ${message}`)
}
