// berth/driver/testing over one built-in driver, in a process of its own: for a driver whose backend needs what only
// a process's start can set (NODE_EXTRA_CA_CERTS for a simulated cloud's test CA). Prints the problems as JSON.
// Usage: node dist/test/harness/conformance-child.js DRIVER 'OPTIONS_JSON'
import {builtInDrivers} from '../../drivers/index.js'
import type {DriverDefinition} from '../../src/driver-kit/contract.js'
import {checkDriverConformance, type ConformanceOptions} from '../../src/driver-kit/testing.js'

const [name, optionsJson] = process.argv.slice(2)
const source = builtInDrivers.find((candidate) => candidate.name === name)
if (source === undefined || optionsJson === undefined) throw new Error(`usage: conformance-child.js DRIVER OPTIONS_JSON (DRIVER one of ${builtInDrivers.map((candidate) => candidate.name).join(', ')})`)
const definition = await source.load() as DriverDefinition
process.stdout.write(JSON.stringify(await checkDriverConformance(definition, JSON.parse(optionsJson) as ConformanceOptions)))
