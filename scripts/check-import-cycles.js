// Fails when berth's TypeScript modules import each other in a circle, naming each circle. A cycle makes the
// order modules run in depend on which one is loaded first, and hides what a part really depends on.
// Usage: node scripts/check-import-cycles.js [dir ...]   (default: src drivers). Plain Node, no dependency.
//
// What counts as an edge: a relative `import … from`, `export … from`, `import '…'` and `import('…')` with a
// literal string. Type-only imports do not count: `import type`, `export type`, and `import {type A, type B}`
// whose every name is marked `type` are erased by tsc, so a circle made of them never runs. An import whose names
// are all types but are not marked so is also erased by tsc, yet counts here: marking it `type` says so and
// clears the report.
import {readFileSync, readdirSync, statSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {pathToFileURL} from 'node:url'

/** Every .ts file under the given directories (declarations excluded). */
function sourceFiles(dirs) {
  const files = []
  const walk = (dir) => {
    for (const entry of readdirSync(dir, {withFileTypes: true})) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(path)
    }
  }
  for (const dir of dirs) walk(dir)
  return files
}

/**
 * The source with comments and template-literal text removed and every quoted string replaced by a numbered
 * token (`\u0000S3\u0000`), so that import statements can be matched without being fooled by text that merely
 * looks like one (in a comment, a string or a template).
 */
function tokenize(source) {
  const strings = []
  let out = ''
  let i = 0
  const templateDepth = [] // brace depth at which each open `${` returns to its template
  let braces = 0
  let lastSignificant = ''
  while (i < source.length) {
    const c = source[i]
    const next = source[i + 1]
    if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2)
      i = end === -1 ? source.length : end + 2
      out += ' '
    } else if (c === "'" || c === '"') {
      let j = i + 1
      let text = ''
      while (j < source.length && source[j] !== c && source[j] !== '\n') {
        if (source[j] === '\\') {
          text += source[j + 1]
          j += 2
        } else text += source[j++]
      }
      strings.push(text)
      out += `\u0000S${strings.length - 1}\u0000`
      i = j + 1
      lastSignificant = 'S'
    } else if (c === '`' || (c === '}' && templateDepth.at(-1) === braces)) {
      if (c === '}') templateDepth.pop()
      // Template text up to its end or the next `${`.
      let j = i + 1
      while (j < source.length && source[j] !== '`' && !(source[j] === '$' && source[j + 1] === '{')) j += source[j] === '\\' ? 2 : 1
      if (source[j] === '$') {
        templateDepth.push(braces)
        i = j + 2
      } else i = j + 1
      out += ' '
      lastSignificant = 'S'
    } else if (c === '/' && (lastSignificant === '' || '(,=:[!&|?{};+-*%<>~^'.includes(lastSignificant) || /\b(return|typeof|case|of|in)$/.test(out.trimEnd()))) {
      // A regular-expression literal: skip it whole (it may hold quotes or slashes).
      let j = i + 1
      let inClass = false
      while (j < source.length && source[j] !== '\n' && (inClass || source[j] !== '/')) {
        if (source[j] === '\\') j++
        else if (source[j] === '[') inClass = true
        else if (source[j] === ']') inClass = false
        j++
      }
      i = j + 1
      out += ' '
      lastSignificant = 'S'
    } else {
      if (c === '{') braces++
      if (c === '}') braces--
      out += c
      if (!/\s/.test(c)) lastSignificant = c
      i++
    }
  }
  return {code: out, strings}
}

const STRING = '\\u0000S(\\d+)\\u0000'
const BINDINGS = String.raw`(?:type\s+)?(?:[\w$]+\s*,\s*)?(?:\{[^}]*\}|\*(?:\s+as\s+[\w$]+)?|[\w$]+)`
const STATIC = new RegExp(String.raw`(?:^|[;}\s])(import|export)\s+(${BINDINGS})\s+from\s+${STRING}`, 'g')
const BARE = new RegExp(String.raw`(?:^|[;}\s])import\s+${STRING}`, 'g')
const DYNAMIC = new RegExp(String.raw`\bimport\s*\(\s*${STRING}\s*\)`, 'g')

/** Whether an import's bindings name only types, so tsc erases it. */
function typeOnly(bindings) {
  if (/^type\s/.test(bindings)) return true
  const named = /^\{([^}]*)\}$/.exec(bindings.trim())
  if (named === null) return false
  const names = named[1].split(',').map((name) => name.trim()).filter((name) => name !== '')
  return names.length > 0 && names.every((name) => /^type\s/.test(name))
}

/** The relative specifiers a module loads at run time. */
export function valueImports(source) {
  const {code, strings} = tokenize(source)
  const specifiers = []
  for (const match of code.matchAll(STATIC)) if (!typeOnly(match[2])) specifiers.push(strings[Number(match[3])])
  for (const match of code.matchAll(BARE)) specifiers.push(strings[Number(match[1])])
  for (const match of code.matchAll(DYNAMIC)) specifiers.push(strings[Number(match[1])])
  return specifiers.filter((specifier) => specifier.startsWith('.'))
}

/** The .ts file a relative specifier names (Node16 style: `./x.js` is `./x.ts`), or undefined. */
function resolveSpecifier(from, specifier) {
  const base = resolve(dirname(from), specifier)
  const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, join(base, 'index.ts')]
  return candidates.find((path) => {
    try {
      return statSync(path).isFile()
    } catch {
      return false
    }
  })
}

/** Strongly connected components of the graph (Tarjan), the ones that hold a cycle. */
function cyclicComponents(graph) {
  let index = 0
  const indexOf = new Map()
  const low = new Map()
  const stack = []
  const onStack = new Set()
  const components = []
  const visit = (node) => {
    indexOf.set(node, index)
    low.set(node, index++)
    stack.push(node)
    onStack.add(node)
    for (const next of graph.get(node)) {
      if (!indexOf.has(next)) {
        visit(next)
        low.set(node, Math.min(low.get(node), low.get(next)))
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node), indexOf.get(next)))
    }
    if (low.get(node) === indexOf.get(node)) {
      const component = []
      let member
      do {
        member = stack.pop()
        onStack.delete(member)
        component.push(member)
      } while (member !== node)
      if (component.length > 1 || graph.get(node).has(node)) components.push(component.sort())
    }
  }
  for (const node of [...graph.keys()].sort()) if (!indexOf.has(node)) visit(node)
  return components
}

/** The shortest way from a module back to itself inside its component. */
function shortestCycle(graph, start, members) {
  const previous = new Map([[start, undefined]])
  const queue = [start]
  while (queue.length > 0) {
    const node = queue.shift()
    for (const next of graph.get(node)) {
      if (!members.has(next)) continue
      if (next === start) {
        const path = [node]
        while (previous.get(path[0]) !== undefined) path.unshift(previous.get(path[0]))
        return [...path, start]
      }
      if (!previous.has(next)) {
        previous.set(next, node)
        queue.push(next)
      }
    }
  }
  return [start]
}

/**
 * The import cycles among the modules under dirs: for each knot of modules that reach one another, its shortest
 * cycle (a list of paths ending where it started) and the knot's other modules, which lie on longer cycles.
 */
export function findImportCycles(dirs) {
  const graph = new Map()
  for (const file of sourceFiles(dirs)) {
    const targets = valueImports(readFileSync(file, 'utf8')).map((specifier) => resolveSpecifier(file, specifier)).filter((path) => path !== undefined)
    graph.set(file, new Set(targets))
  }
  for (const targets of graph.values()) for (const target of targets) if (!graph.has(target)) graph.set(target, new Set())
  return cyclicComponents(graph).map((component) => {
    const cycle = shortestCycle(graph, component[0], new Set(component))
    return {cycle, others: component.filter((path) => !cycle.includes(path))}
  })
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dirs = process.argv.slice(2)
  const roots = (dirs.length > 0 ? dirs : ['src', 'drivers']).map((dir) => resolve(dir))
  const cycles = findImportCycles(roots)
  const shown = (path) => relative(process.cwd(), path)
  for (const {cycle, others} of cycles) {
    const knot = others.length === 0 ? '' : ` (and on longer cycles with it: ${others.map(shown).join(', ')})`
    console.error(`Import cycle: ${cycle.map(shown).join(' → ')}${knot}`)
  }
  if (cycles.length > 0) {
    console.error(`${cycles.length} import cycle(s): move what the modules share into a module of its own.`)
    process.exitCode = 1
  }
}
