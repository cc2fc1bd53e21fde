import type {OperationContext} from '../../src/driver-kit/contract.js'
import type {ResourceRecord} from '../../src/core/store/schema.js'

/**
 * An OperationContext for calling a driver directly, as the core would: it keeps what the driver records and the
 * progress lines it prints, and refuses SSH (for drivers that make no SSH calls of their own).
 */
export function recordingContext(): {ctx: OperationContext; records: ResourceRecord[]; progress: string[]} {
  const records: ResourceRecord[] = []
  const progress: string[] = []
  const ctx: OperationContext = {
    signal: new AbortController().signal,
    record: async (resource) => {
      records.push(resource)
    },
    progress: (line) => progress.push(line),
    meter: () => {},
    removed: () => {},
    connectSsh: () => Promise.reject(new Error('not used by this driver')),
  }
  return {ctx, records, progress}
}
