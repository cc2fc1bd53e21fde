/**
 * The order `ls` lists machines in: Docker Machine's natural sort of lower-cased names (a-b, m1, m2,
 * m10). Docker Machine keyed rows by the lower-cased name, so `M1` and `m1` collided and one machine
 * was printed twice; here names equal but for case are both kept, ordered by their exact spelling.
 */
export function compareMachineNames(a: string, b: string): number {
  const lowerA = a.toLowerCase()
  const lowerB = b.toLowerCase()
  return compareNatural(lowerA, lowerB) || compareText(lowerA, lowerB) || compareText(a, b)
}

/** Runs of digits compare by value, everything else as text; a name that is a prefix of the other comes first. */
function compareNatural(a: string, b: string): number {
  const chunksA = chunks(a)
  const chunksB = chunks(b)
  for (let i = 0; i < Math.min(chunksA.length, chunksB.length); i++) {
    const chunkA = chunksA[i] ?? ''
    const chunkB = chunksB[i] ?? ''
    const order = isDigits(chunkA) && isDigits(chunkB) ? compareDigits(chunkA, chunkB) : compareText(chunkA, chunkB)
    if (order !== 0) return order
  }
  return chunksA.length - chunksB.length
}

const chunks = (name: string): string[] => name.match(/\d+|\D+/g) ?? []

const isDigits = (chunk: string): boolean => /^\d/.test(chunk)

/** Numeric order of digit strings of any length (no overflow, leading zeros ignored). */
function compareDigits(a: string, b: string): number {
  const valueA = a.replace(/^0+/, '')
  const valueB = b.replace(/^0+/, '')
  return valueA.length - valueB.length || compareText(valueA, valueB)
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
