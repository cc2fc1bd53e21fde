import {run, spec} from '../cli/actions/regenerate-certs.js'
import {defineCommand} from '../cli/define-command.js'

export default defineCommand(spec, run)
