// What can be wrong with a certificate, and how to say it: free of node:crypto, so that `berth env` can judge
// remembered validity periods without loading it.

export type CertificateProblem =
  | {kind: 'expired'; notAfter: Date}
  | {kind: 'not-yet-valid'; notBefore: Date}
  | {kind: 'expiring'; notAfter: Date; days: number}
  | {kind: 'address-not-covered'; address: string; covered: string[]}
  | {kind: 'untrusted'; reason: string}

/** A certificate's validity period, as ISO dates (what X509Certificate's validFrom and validTo parse to). */
export interface ValidityWindow {
  notBefore: string
  notAfter: string
}

/** A certificate this close to its end is reported as expiring, early enough to regenerate it calmly. */
export const EXPIRY_WARNING_DAYS = 30

const DAY_MS = 24 * 60 * 60 * 1000

/** Whether `now` is inside the validity period, and not about to leave it. */
export function windowProblems(window: ValidityWindow, now: Date): CertificateProblem[] {
  const notBefore = new Date(window.notBefore)
  const notAfter = new Date(window.notAfter)
  if (now < notBefore) return [{kind: 'not-yet-valid', notBefore}]
  if (now > notAfter) return [{kind: 'expired', notAfter}]
  const days = Math.ceil((notAfter.getTime() - now.getTime()) / DAY_MS)
  return days <= EXPIRY_WARNING_DAYS ? [{kind: 'expiring', notAfter, days}] : []
}

/** One line for the user, e.g. `the server certificate of "m1" expired on 2029-11-12`. */
export function describeProblem(problem: CertificateProblem, machineName: string, certificate = 'server certificate'): string {
  const subject = `the ${certificate} of "${machineName}"`
  switch (problem.kind) {
    case 'expired':
      return `${subject} expired on ${day(problem.notAfter)}`
    case 'not-yet-valid':
      return `${subject} is not valid before ${problem.notBefore.toISOString()} (is this computer's clock right?)`
    case 'expiring':
      return `${subject} expires in ${problem.days} day${problem.days === 1 ? '' : 's'}, on ${day(problem.notAfter)}`
    case 'address-not-covered':
      return `${subject} does not cover the host's address ${problem.address} (it covers ${problem.covered.join(', ') || 'no address'})`
    case 'untrusted':
      return `${subject} is not trusted: ${problem.reason}`
  }
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10)
}
