/** /etc/os-release as a map: KEY=value lines, quotes removed, comments and blank lines ignored. */
export type OsRelease = Readonly<Record<string, string>>

export function parseOsRelease(text: string): OsRelease {
  const result: Record<string, string> = {}
  for (const line of text.split('\n')) {
    // [^] rather than ".": a carriage return inside a value keeps the value (it is shown spelled out, see safe-text.ts).
    const match = /^([A-Z0-9_]+)=([^]*)$/.exec(line.trim())
    if (match === null) continue
    let value = match[2]!
    if (/^"[^]*"$/.test(value)) value = value.slice(1, -1).replace(/\\(["$`\\])/g, '$1')
    else if (/^'[^]*'$/.test(value)) value = value.slice(1, -1)
    result[match[1]!] = value
  }
  return result
}
