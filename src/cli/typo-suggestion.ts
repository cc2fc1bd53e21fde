/**
 * The command a mistyped word most likely meant: the closest by edit distance (a transposition counts as one edit,
 * so `sttaus` is one from `status`), within a distance that grows with the word, so `rmm`, `rm-`, `creat` and `sttus`
 * find their command and a word far from every command finds none. A word that begins exactly one command (`prov`)
 * means that command.
 */
export function closestCommand(word: string, commands: readonly string[]): string | undefined {
  const typed = word.toLowerCase()
  const limit = typed.length <= 4 ? 1 : 2
  let best: {command: string; distance: number} | undefined
  for (const command of commands) {
    const distance = editDistance(typed, command)
    if (distance <= limit && (best === undefined || distance < best.distance)) best = {command, distance}
  }
  if (best !== undefined) return best.command
  const begun = typed.length >= 3 ? commands.filter((command) => command.startsWith(typed)) : []
  return begun.length === 1 ? begun[0] : undefined
}

/** Damerau–Levenshtein distance (optimal string alignment): insertions, deletions, substitutions, adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({length: a.length + 1}, (_, i) => Array.from({length: b.length + 1}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let distance = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, rows[i - 2]![j - 2]! + 1)
      rows[i]![j] = distance
    }
  }
  return rows[a.length]![b.length]!
}
