/**
 * A module resolution hook (node:module register), run in Node's loader thread: `berth/driver` and
 * `berth/driver/testing`, imported by a plugin's driver, resolve to the running berth's own kit.
 */

type Targets = Readonly<Record<string, string>>

interface ResolveResult {
  url: string
  shortCircuit?: boolean
}

let targets: Targets = {}

export function initialize(data: Targets): void {
  targets = data
}

export async function resolve(specifier: string, context: unknown, next: (specifier: string, context: unknown) => Promise<ResolveResult>): Promise<ResolveResult> {
  const target = targets[specifier]
  return target === undefined ? next(specifier, context) : {url: target, shortCircuit: true}
}
