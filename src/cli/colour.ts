import {personalityOf} from './personality.js'

/**
 * How stderr is drawn: `live` redraws each running step in place with a spinner and a timer (a terminal, and only
 * then), `colour` paints states, marks, warnings and the error prefix. Both come from one decision, made once:
 * - as Docker Machine (personality.ts) neither: it drew plain lines, and scripts written for it read them;
 * - `--no-color` turns both off; so does `TERM=dumb`, which has no cursor movement;
 * - FORCE_COLOR asks for colour even in a pipe or a log (a CI's log viewer shows it), and `FORCE_COLOR=0` for none,
 *   ahead of NO_COLOR as in Node itself; lines stay plain, one per step end;
 * - NO_COLOR, when not empty (no-color.org), turns both off;
 * - otherwise both are on when stderr is a terminal.
 */
export interface Styling {
  live: boolean
  colour: boolean
}

/** The global flag: read from the typed line, so that even a line oclif refuses gets its error in plain text. */
export const NO_COLOR_FLAG = '--no-color'

export function stylingOf(env: NodeJS.ProcessEnv, typed: readonly string[], interactive: boolean): Styling {
  const end = typed.indexOf('--')
  const refused = personalityOf(env) === 'docker-machine' || (end === -1 ? typed : typed.slice(0, end)).includes(NO_COLOR_FLAG)
  if (refused) return {live: false, colour: false}
  const live = interactive && env.TERM !== 'dumb' && !env.NO_COLOR
  const forced = env.FORCE_COLOR
  if (forced === undefined) return {live, colour: live}
  return {live, colour: forced !== '0' && forced !== 'false'}
}

/** The few ECMA-48 styles berth uses: each a pair of codes, so no library (and nothing to load) is needed. */
const STYLES = {
  green: ['\u001b[32m', '\u001b[39m'],
  red: ['\u001b[31m', '\u001b[39m'],
  yellow: ['\u001b[33m', '\u001b[39m'],
  dim: ['\u001b[2m', '\u001b[22m'],
  bold: ['\u001b[1m', '\u001b[22m'],
} as const

export type Style = keyof typeof STYLES
export type Paint = (style: Style, text: string) => string

/** Text in a style when colour is on, as it is otherwise. */
export function painter(colour: boolean): Paint {
  return colour ? (style, text) => `${STYLES[style][0]}${text}${STYLES[style][1]}` : (_style, text) => text
}
