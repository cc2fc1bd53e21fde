import {Args, Flags} from '@oclif/core'
import type {ArgInput, FlagInput} from '@oclif/core/interfaces'
import type {ArgSpec, FlagSpec} from './spec.js'

/** oclif flag definitions for flag specs. */
export function oclifFlags(specs: Record<string, FlagSpec>): FlagInput {
  const flags: FlagInput = {}
  for (const [name, spec] of Object.entries(specs)) {
    const common = {
      description: spec.description,
      ...(spec.char ? {char: spec.char as 'a'} : {}),
      ...(spec.env ? {env: spec.env} : {}),
      ...(spec.helpGroup ? {helpGroup: spec.helpGroup} : {}),
      ...(spec.hidden ? {hidden: true} : {}),
    }
    switch (spec.type) {
      case 'boolean':
        flags[name] = Flags.boolean(common)
        break
      case 'string':
        flags[name] = Flags.string({
          ...common,
          ...(spec.default === undefined ? {} : {default: spec.default}),
          // As a function: that is the form oclif writes into the manifest's default for help.
          ...(spec.defaultHelp === undefined ? {} : {defaultHelp: async () => spec.defaultHelp}),
          ...(spec.options ? {options: [...spec.options]} : {}),
          ...(spec.helpValue ? {helpValue: spec.helpValue} : {}),
        })
        break
      case 'strings':
        // One value per occurrence (--engine-label a=b NAME): a greedy flag would swallow the arguments after it.
        flags[name] = Flags.string({...common, multiple: true, multipleNonGreedy: true, default: [], ...(spec.helpValue ? {helpValue: spec.helpValue} : {})})
        break
      case 'integer':
        flags[name] = Flags.integer({
          ...common,
          ...(spec.default === undefined ? {} : {default: spec.default}),
          ...(spec.min === undefined ? {} : {min: spec.min}),
          ...(spec.helpValue ? {helpValue: spec.helpValue} : {}),
        })
        break
    }
  }
  return flags
}

export function oclifArgs(specs: readonly ArgSpec[]): ArgInput {
  const args: ArgInput = {}
  for (const spec of specs) args[spec.name] = Args.string({description: spec.description, required: spec.required ?? false})
  return args
}
