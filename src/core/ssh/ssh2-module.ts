/**
 * ssh2, loaded by the first connection: it costs a start-up about 50 ms, and most commands (env, ls, stop on a cloud
 * or VM driver) never open one.
 */
export async function loadSsh2(): Promise<typeof import('ssh2')> {
  return (await import('ssh2')).default
}
