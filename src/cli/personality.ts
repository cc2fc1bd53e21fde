import {homedir} from 'node:os'
import {basename, join} from 'node:path'

/**
 * Who berth speaks as. Under its own name berth keeps its own wording; run as `docker-machine` (a link to its bin)
 * or with BERTH_PERSONALITY=docker-machine, it reads Docker Machine's variables and words what scripts match as
 * Docker Machine did. Chosen once, at start (bin/run.cjs), and read from the environment by each renderer.
 */
/** Also the program its messages name: what the user typed to run berth. */
export type Personality = 'berth' | 'docker-machine'

const PERSONALITY_VARIABLE = 'BERTH_PERSONALITY'

/** Docker Machine's variables, each with the berth variable it stands for. */
const MACHINE_VARIABLES: Readonly<Record<string, string>> = {
  MACHINE_STORAGE_PATH: 'BERTH_STORAGE_PATH',
  MACHINE_DEBUG: 'BERTH_DEBUG',
  MACHINE_TLS_CA_CERT: 'BERTH_TLS_CA_CERT',
  MACHINE_TLS_CA_KEY: 'BERTH_TLS_CA_KEY',
  MACHINE_TLS_CLIENT_CERT: 'BERTH_TLS_CLIENT_CERT',
  MACHINE_TLS_CLIENT_KEY: 'BERTH_TLS_CLIENT_KEY',
  MACHINE_NATIVE_SSH: 'BERTH_NATIVE_SSH',
  MACHINE_DRIVER: 'BERTH_DRIVER',
  MACHINE_DOCKER_INSTALL_URL: 'BERTH_DOCKER_INSTALL_URL',
}

export function personalityOf(env: NodeJS.ProcessEnv): Personality {
  return env[PERSONALITY_VARIABLE] === 'docker-machine' ? 'docker-machine' : 'berth'
}

/**
 * At start: the personality the program's name or BERTH_PERSONALITY asks for, written into env so that both start-up
 * paths and every renderer read the same choice. As Docker Machine, berth reads Docker Machine's variables where it
 * reads its own (its own are then ignored, so a script's environment means what it meant to Docker Machine), and its
 * store defaults to Docker Machine's ~/.docker/machine.
 */
export function adoptPersonality(program: string | undefined, env: NodeJS.ProcessEnv): Personality {
  if (program !== undefined && /^docker-machine(\.exe)?$/.test(basename(program))) env[PERSONALITY_VARIABLE] = 'docker-machine'
  const personality = personalityOf(env)
  if (personality === 'docker-machine') {
    for (const [machine, berth] of Object.entries(MACHINE_VARIABLES)) {
      if (env[machine] === undefined) delete env[berth]
      else env[berth] = env[machine]
    }
    env.BERTH_STORAGE_PATH ||= join(env.HOME || homedir(), '.docker', 'machine')
  }
  return personality
}
