// East Asian Wide and Fullwidth blocks, plus emoji shown as pictures: two terminal columns each.
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{2fffd}\u{30000}-\u{3fffd}\p{Emoji_Presentation}]/u
// Combining marks, format characters (zero-width joiners) and control characters take no column.
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\p{Cc}]+$/u
// One column per UTF-16 unit: printable ASCII, Latin-1 (but the soft hyphen) and Latin Extended letters, and general punctuation such as
// "…". Text of only these is measured without the segmenter, whose first use alone costs about 30 ms.
const ONE_COLUMN_EACH = /^[\x20-\x7e\u00a0-\u00ac\u00ae-\u02ff\u2010-\u2027]*$/

/**
 * How many terminal columns `text` takes: one per user-perceived character, two for wide ones.
 * Go's tabwriter counts runes instead, which misaligns columns after CJK text or emoji.
 */
export function displayWidth(text: string): number {
  if (ONE_COLUMN_EACH.test(text)) return text.length
  let width = 0
  for (const {segment} of new Intl.Segmenter().segment(text)) {
    if (WIDE.test(segment)) width += 2
    else if (!ZERO_WIDTH.test(segment)) width += 1
  }
  return width
}
