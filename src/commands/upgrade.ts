import {run, spec} from '../cli/actions/upgrade.js'
import {defineCommand} from '../cli/define-command.js'

export default defineCommand(spec, run)
