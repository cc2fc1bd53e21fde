import {shellQuote} from '../ssh/shell-quote.js'

/**
 * The docker client flags `berth config` prints, one per line, in Docker Machine's order and form
 * (`--tlscacert="…"`). They are used two ways: through `docker $(berth config m1) ps`, where the shell only splits
 * the output into words (nothing in it is expanded or run, and the docker CLI strips one pair of quotes around its
 * TLS path flags), and pasted into a shell or given to eval, where the shell reads the quotes. A path with a
 * character that a shell expands inside double quotes (`$`, a backtick, `"`, a backslash, `!`) is single-quoted
 * instead, so that pasting it never runs anything; it still works through `docker $(...)` unless it also holds a
 * single quote. A path with whitespace works pasted and through eval, but `docker $(...)` splits it.
 */
export function dockerClientFlags(files: {caCert: string; clientCert: string; clientKey: string}, url: string): string[] {
  return [
    '--tlsverify',
    `--tlscacert=${pathValue(files.caCert)}`,
    `--tlscert=${pathValue(files.clientCert)}`,
    `--tlskey=${pathValue(files.clientKey)}`,
    `-H=${shellQuote(url)}`,
  ]
}

function pathValue(path: string): string {
  return /[$`"\\!]/.test(path) ? shellQuote(path) : `"${path}"`
}
