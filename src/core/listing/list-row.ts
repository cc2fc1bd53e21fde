/**
 * One machine as `ls --format` templates see it: Docker Machine's HostListItem, field for field, so
 * templates written for docker-machine keep working.
 */
export interface ListRow {
  readonly Name: string
  /** `*` when this is the active machine, `* (swarm)` for the active swarm master, `-` otherwise. */
  readonly Active: string
  readonly ActiveHost: boolean
  readonly ActiveSwarm: boolean
  readonly DriverName: string
  readonly State: string
  readonly URL: string
  /** The swarm master's name, with ` (master)` on the master itself; empty outside a swarm. */
  readonly Swarm: string
  readonly SwarmOptions: unknown
  readonly EngineOptions: unknown
  readonly Error: string
  /** `v<engine version>`, or `Unknown` when the engine could not be asked. */
  readonly DockerVersion: string
  /** How long the state and version queries took, as a Go duration: `4ms`, `0s`. */
  readonly ResponseTime: string
}
