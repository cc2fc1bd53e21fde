import type {Hook} from '@oclif/core'
import {personalityOf} from './personality.js'

/**
 * As Docker Machine, a command berth does not have is refused in Docker Machine's words and with its exit code (1),
 * before oclif's own not-found handling (berth's wording, exit 127) can run. Under berth's own name it does nothing.
 */
const hook: Hook.Init = async function ({id, argv, config}) {
  if (personalityOf(process.env) !== 'docker-machine' || id === undefined || id.startsWith('-')) return
  if (config.findCommand(id) !== undefined || config.findTopic(id) !== undefined || argv.includes('--help') || argv.includes('-h')) return
  const typed = id.split(':').join(' ')
  process.stderr.write(`docker-machine: '${typed}' is not a docker-machine command. See 'docker-machine --help'.\n`)
  process.exit(1)
}

export default hook
