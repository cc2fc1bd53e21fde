/** An EC2 error as the API returns it: a code, a message, and the HTTP status that carries it. */
export class Ec2Fault extends Error {
  constructor(readonly code: string, message: string, readonly status = 400) {
    super(message)
  }
}
