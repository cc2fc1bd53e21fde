export type InitSystem = 'systemd' | 'sysvinit' | 'openrc'

/** How berth configures, restarts and reads the engine under one init system. */
interface InitSystemWay {
  /** systemd reads berth's own drop-in; the init scripts source an option file whose DOCKER_OPTS berth adds to. */
  config: 'drop-in' | 'option-file'
  /** The file berth writes to configure dockerd: its drop-in, or the option file it keeps a part of. */
  configPath: string
  /** The template of berth's file, or of its part of the option file (templates/engine/). */
  configTemplate: string
  /** OpenRC passes DOCKER_OPTS through eval, so each word is quoted once more. */
  evaluatesOptions: boolean
  /** Applies the configuration and (re)starts dockerd once (templates/provision/). */
  restartScript: string
  /** The tail of the daemon's log when it fails to start. */
  logScript: string
  /** rm --clean-host's restart: systemd needs its socket unit restarted too; the others restart as provisioning does. */
  cleanHostRestartScript: string
}

export const INIT_SYSTEMS: Readonly<Record<InitSystem, InitSystemWay>> = {
  systemd: {
    config: 'drop-in',
    configPath: '/etc/systemd/system/docker.service.d/10-berth.conf',
    configTemplate: 'engine/systemd-drop-in.conf',
    evaluatesOptions: false,
    restartScript: 'provision/restart-engine-systemd.sh',
    logScript: 'provision/engine-log-journal.sh',
    cleanHostRestartScript: 'provision/clean-host-restart-systemd.sh',
  },
  sysvinit: {
    config: 'option-file',
    configPath: '/etc/default/docker',
    configTemplate: 'engine/sysvinit-default',
    evaluatesOptions: false,
    restartScript: 'provision/restart-engine-sysvinit.sh',
    logScript: 'provision/engine-log-file.sh',
    cleanHostRestartScript: 'provision/restart-engine-sysvinit.sh',
  },
  openrc: {
    config: 'option-file',
    configPath: '/etc/conf.d/docker',
    configTemplate: 'engine/openrc-conf',
    evaluatesOptions: true,
    restartScript: 'provision/restart-engine-openrc.sh',
    logScript: 'provision/engine-log-file.sh',
    cleanHostRestartScript: 'provision/restart-engine-openrc.sh',
  },
}

export function isInitSystem(name: string | undefined): name is InitSystem {
  return name !== undefined && Object.hasOwn(INIT_SYSTEMS, name)
}

/** Every file berth writes to configure dockerd, one per init system. */
export const ENGINE_CONFIG_PATHS: readonly string[] = [...new Set(Object.values(INIT_SYSTEMS).map((way) => way.configPath))]

/** The files the init scripts source for DOCKER_OPTS. */
export const OPTION_FILES: readonly string[] = Object.values(INIT_SYSTEMS).filter((way) => way.config === 'option-file').map((way) => way.configPath)
