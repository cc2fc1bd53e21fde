import type {InstanceLifecycle} from './lifecycle.js'
import type {QueryParams} from './query.js'
import type {Account, RegionState} from './world.js'
import type {XmlValue} from './xml.js'

/** What the simulator is set to do, beyond the catalogue every account shares. */
export interface SimulatorRules {
  /** Instance profile names that exist in every account (IamInstanceProfile.Name). */
  instanceProfiles: readonly string[]
  /** How many instances may be pending or running per account and region: more is InstanceLimitExceeded. */
  instanceLimit: number
  /** The current Spot price: a lower MaxPrice is refused (SpotMaxPriceTooLow). */
  spotPrice: number
  /** How long a new instance stays invisible to DescribeInstances by id (eventual consistency). */
  visibilityDelayMs: number
}

/** One authenticated request, ready for its action. */
export interface Call {
  params: QueryParams
  account: Account
  region: RegionState
  rules: SimulatorRules
  lifecycle: InstanceLifecycle
  /** Whether instances are backed by test hosts. */
  backed: boolean
}

export type ActionHandler = (call: Call) => Record<string, XmlValue>
