import {Ec2Fault} from './fault.js'

export interface InjectedFault {
  /** The EC2 error code to answer with (default InternalError); its usual message and status are filled in. */
  code?: string
  message?: string
  status?: number
  /** Hold the answer this long before sending it (to exercise client timeouts); with no code, then answer normally. */
  hangMs?: number
  /** Which of the action's calls from now on fails first: 1 is the next one (default). */
  nth?: number
  /** How many calls in a row fail from there (default 1). */
  times?: number
  /** Carry the request out, then answer with the error: an answer lost on the way, which the client will retry. */
  afterEffect?: boolean
}

/** The usual message and HTTP status of the errors tests inject. */
const KNOWN: Record<string, {message: string; status: number}> = {
  RequestLimitExceeded: {message: 'Request limit exceeded.', status: 503},
  InternalError: {message: 'An internal error has occurred', status: 500},
  Unavailable: {message: 'The server is overloaded and can\'t handle the request.', status: 503},
  InsufficientInstanceCapacity: {message: 'We currently do not have sufficient capacity in the Availability Zone you requested. Our system will be working on provisioning additional capacity. You can currently get capacity by not specifying an Availability Zone in your request or choosing a different Availability Zone.', status: 500},
  InstanceLimitExceeded: {message: 'You have requested more instances than your current instance limit allows for the specified instance type. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.', status: 400},
  UnauthorizedOperation: {message: 'You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/berth is not authorized to perform: ec2:RunInstances', status: 403},
}

interface Rule {
  action: string
  skip: number
  remaining: number
  fault: InjectedFault
}

/** Failures armed by tests, consumed by the calls they match ("*" matches every action). */
export class FaultPlan {
  private readonly rules: Rule[] = []

  add(action: string, fault: InjectedFault): void {
    this.rules.push({action, skip: (fault.nth ?? 1) - 1, remaining: fault.times ?? 1, fault})
  }

  clear(): void {
    this.rules.length = 0
  }

  /** The fault for this call, if one is due; counts the call against every matching rule. */
  take(action: string): {error?: Ec2Fault; hangMs?: number | undefined; afterEffect?: boolean} | undefined {
    let due: Rule | undefined
    for (const rule of this.rules) {
      if (rule.action !== action && rule.action !== '*') continue
      if (rule.skip > 0) rule.skip--
      else if (rule.remaining > 0 && due === undefined) {
        rule.remaining--
        due = rule
      }
    }
    if (due === undefined) return undefined
    const {hangMs, afterEffect} = due.fault
    const code = due.fault.code ?? (hangMs === undefined ? 'InternalError' : undefined)
    if (code === undefined) return {hangMs}
    const known = KNOWN[code]
    const error = new Ec2Fault(code, due.fault.message ?? known?.message ?? `Injected ${code}`, due.fault.status ?? known?.status ?? 400)
    return {error, hangMs, afterEffect: afterEffect === true}
  }
}
