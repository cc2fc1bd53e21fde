import {run, spec} from '../cli/actions/scp.js'
import {defineToolCommand} from '../cli/define-command.js'

export default defineToolCommand(spec, run)
