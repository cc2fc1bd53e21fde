/**
 * What the host backing reads from a VM's cloud-init NoCloud seed: the small YAML subset cloud-init seeds are
 * written in (block mappings and lists, flow lists, plain and quoted scalars). Not a YAML parser: only the keys
 * the backing needs, found by their indentation.
 */

export interface Seed {
  hostname: string
  user: string
  /** The user's sudo rule (`ALL=(ALL) NOPASSWD:ALL`) and login shell, if user-data gives them. */
  sudo?: string
  shell?: string
  authorizedKeys: string[]
  /** Static IPv4 addresses (without prefix) per MAC address (lower-case hex, no separators). */
  addresses: Map<string, string[]>
}

export function parseSeed(files: {metaData: string, userData: string, networkConfig?: string}): Seed {
  const hostname = scalar(/^local-hostname:[ \t]*(.*)$/m.exec(files.metaData)?.[1])
  if (!hostname) throw new Error('meta-data has no local-hostname')
  const {user, keys, sudo, shell} = firstUser(files.userData)
  return {hostname, user, ...(sudo ? {sudo} : {}), ...(shell ? {shell} : {}), authorizedKeys: keys, addresses: files.networkConfig === undefined ? new Map<string, string[]>() : staticAddresses(files.networkConfig)}
}

/** The first user of user-data's `users:` list other than `default`, and its ssh_authorized_keys. */
function firstUser(text: string): {user: string, keys: string[], sudo: string, shell: string} {
  const lines = text.split('\n')
  const start = lines.findIndex((line) => /^users:\s*$/.test(line))
  if (start === -1) throw new Error('user-data has no users')
  const body = lines.slice(start + 1)
  // The list ends at the next top-level key; its items may sit at column 0 ("users:\n- name: a").
  const end = body.findIndex((line) => /^[^\s-]|^-[^ ]/.test(line))
  const block = end === -1 ? body : body.slice(0, end)
  const itemIndent = indent(block.find((line) => /^\s*- /.test(line)) ?? '')
  const entries: string[][] = []
  for (const line of block) {
    if (/^\s*- /.test(line) && indent(line) === itemIndent) entries.push([])
    entries.at(-1)?.push(line)
  }
  for (const entry of entries) {
    const name = /^\s*-?\s*name:[ \t]*(.*)$/m.exec(entry.join('\n'))?.[1]
    if (name === undefined) continue
    const keyLine = entry.findIndex((line) => /^\s*-?\s*ssh_authorized_keys:/.test(line))
    const keys: string[] = []
    if (keyLine !== -1) {
      const inline = /ssh_authorized_keys:[ \t]*(\[.*\])\s*$/.exec(entry[keyLine]!)?.[1]
      if (inline) keys.push(...flowList(inline))
      else {
        for (const line of entry.slice(keyLine + 1)) {
          const item = /^\s*- (.*)$/.exec(line)
          if (!item || indent(line) < indent(entry[keyLine]!.replace(/^(\s*)- /, '$1  '))) break
          keys.push(scalar(item[1]))
        }
      }
    }
    const field = (key: string) => scalar(new RegExp(`^\\s*-?\\s*${key}:[ \\t]*(.*)$`, 'm').exec(entry.join('\n'))?.[1])
    return {user: scalar(name), keys, sudo: field('sudo'), shell: field('shell')}
  }
  throw new Error('user-data names no user')
}

/** network-config version 2: each ethernet's `match: macaddress` and its static IPv4 `addresses`. */
function staticAddresses(text: string): Map<string, string[]> {
  const result = new Map<string, string[]>()
  const lines = text.split('\n')
  const start = lines.findIndex((line) => /^ethernets:\s*$/.test(line))
  if (start === -1) return result
  const blocks: string[][] = []
  const idIndent = indent(lines.slice(start + 1).find((line) => line.trim() !== '') ?? '')
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break
    if (line.trim() === '') continue
    if (indent(line) === idIndent) blocks.push([])
    blocks.at(-1)?.push(line)
  }
  for (const block of blocks) {
    const body = block.join('\n')
    const mac = scalar(/^\s*macaddress:[ \t]*(.*)$/m.exec(body)?.[1]).replace(/[:-]/g, '').toLowerCase()
    if (!mac) continue
    const addresses: string[] = []
    const at = block.findIndex((line) => /^\s*addresses:/.test(line))
    if (at !== -1 && indent(block[at]!) > idIndent) {
      const inline = /addresses:[ \t]*(\[.*\])\s*$/.exec(block[at]!)?.[1]
      const items = inline ? flowList(inline) : block.slice(at + 1).map((line) => /^\s*- (.*)$/.exec(line)?.[1]).filter((item) => item !== undefined).map(scalar)
      for (const item of items) {
        const ip = item.split('/')[0]!
        if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) addresses.push(ip)
      }
    }
    result.set(mac, addresses)
  }
  return result
}

const indent = (line: string) => /^\s*/.exec(line)![0].length

/** [a, "b", 'c'] as its items (no nesting; commas inside quotes kept). */
function flowList(text: string): string[] {
  const items = text.slice(1, -1).match(/"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^,]+/g) ?? []
  return items.map((item) => scalar(item.trim())).filter((item) => item !== '')
}

/** A scalar's value: double-quoted with escapes, single-quoted, or plain (a trailing comment dropped). */
export function scalar(text: string | undefined): string {
  const value = (text ?? '').trim()
  if (value.startsWith('"')) {
    const body = /^"((?:[^"\\]|\\.)*)"/.exec(value)?.[1] ?? value.slice(1)
    return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, escape: string) => {
      if (/^[xuU]/.test(escape)) return String.fromCodePoint(parseInt(escape.slice(1), 16))
      return ({n: '\n', t: '\t', r: '\r', '0': '\0'} as Record<string, string>)[escape] ?? escape
    })
  }
  if (value.startsWith("'")) return (/^'((?:[^']|'')*)'/.exec(value)?.[1] ?? value.slice(1)).replace(/''/g, "'")
  return value.replace(/\s+#.*$/, '')
}
