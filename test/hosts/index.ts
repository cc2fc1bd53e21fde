export {TestHostPool} from './pool.js'
export type {ExecOptions, ExecResult, HostInit, HostOptions, TestHost} from './types.js'
export {holdSeal} from './registry.js'
