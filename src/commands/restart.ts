import {run, spec} from '../cli/actions/restart.js'
import {defineCommand} from '../cli/define-command.js'

export default defineCommand(spec, run)
