import {Ec2Fault} from './fault.js'
import type {Tag} from './world.js'

/** The values a resource has for one filter name, or undefined when the action knows no such filter. */
export type FilterValues = (name: string) => readonly (string | undefined)[] | undefined

/**
 * EC2's filter semantics: every filter must match (AND), any of a filter's values may match (OR), values may use
 * the * and ? wildcards. A filter name the action does not support is the real InvalidParameterValue.
 */
export function matchesFilters(filters: ReadonlyMap<string, readonly string[]>, values: FilterValues): boolean {
  for (const [name, wanted] of filters) {
    const actual = values(name)
    if (actual === undefined) throw new Ec2Fault('InvalidParameterValue', `The filter '${name}' is invalid`)
    if (!wanted.some((pattern) => actual.some((value) => value !== undefined && wildcard(pattern).test(value)))) return false
  }
  return true
}

/** The filters every taggable resource accepts: tag:KEY, tag-key, tag-value. */
export function tagFilter(name: string, tags: readonly Tag[]): string[] | undefined {
  if (name.startsWith('tag:')) return tags.filter((tag) => tag.key === name.slice(4)).map((tag) => tag.value)
  if (name === 'tag-key') return tags.map((tag) => tag.key)
  if (name === 'tag-value') return tags.map((tag) => tag.value)
  return undefined
}

function wildcard(pattern: string): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')
  return new RegExp(`^${source}$`)
}
