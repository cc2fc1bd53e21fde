/** What the docker client would talk to right now, as far as "active" is concerned. */
interface ClientTarget {
  /** $DOCKER_HOST; the docker CLI lets it override any context, so it decides when set. */
  dockerHost: string | undefined
  /** The docker CLI's current context; pass it only when that context is berth's (see DockerContextStore). */
  currentContext: string | undefined
}

/** Whether the docker client is pointed at this machine: by $DOCKER_HOST, or else by its docker context. */
export function isActive(machine: {url: string; name: string}, client: ClientTarget): boolean {
  if (client.dockerHost !== undefined && client.dockerHost !== '') return client.dockerHost === machine.url
  return client.currentContext === machine.name
}
