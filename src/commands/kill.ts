import {run, spec} from '../cli/actions/kill.js'
import {defineCommand} from '../cli/define-command.js'

export default defineCommand(spec, run)
