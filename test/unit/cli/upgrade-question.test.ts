import {describe, expect, it} from 'vitest'
import {upgradeQuestion} from '../../../src/cli/upgrade-question.js'
import type {ContainerReport, RunningContainer} from '../../../src/core/upgrade/running-containers.js'

const container = (name: string, restartPolicy: string, comesBack: RunningContainer['comesBack']): RunningContainer => ({id: `${name}-id`, name, image: 'nginx:1.25', restartPolicy, comesBack})
const containers: ContainerReport = {containers: [container('web', 'always', 'yes'), container('job', '', 'no'), container('worker', 'on-failure', 'if-it-failed')]}
const dockerCe = [{name: 'docker-ce', installed: '5:20.10.24-1~debian.12~bookworm', candidate: '5:24.0.7-1~debian.12~bookworm'}]

describe('the question before an upgrade', () => {
  it('names the Docker versions, the packages, and each running container with what its restart policy does', () => {
    const asked = upgradeQuestion({kind: 'packages', machine: 'm1', manager: 'apt', packages: dockerCe, engine: {from: '20.10.24', to: '24.0.7'}, containers})
    expect(asked.question).toBe('Upgrade Docker 20.10.24 → 24.0.7 on "m1" and restart the engine? [y/N] ')
    expect(asked.action).toBe('Upgrading Docker 20.10.24 → 24.0.7 on "m1" restarts its engine')
    expect(asked.details).toBe([
      'Newer packages on "m1" (apt): docker-ce 5:20.10.24-1~debian.12~bookworm → 5:24.0.7-1~debian.12~bookworm.',
      '3 running containers stop when the engine restarts:',
      '  NAME     IMAGE        RESTART POLICY   AFTER THE RESTART',
      '  web      nginx:1.25   always           starts again',
      '  job      nginx:1.25   no               stays stopped',
      '  worker   nginx:1.25   on-failure       starts again only if it ends with an error status',
      '',
    ].join('\n'))
  })

  it('with live-restore on, says the containers keep running within one release, and that they stop across releases', () => {
    const offer = {kind: 'packages' as const, machine: 'm1', manager: 'apt', packages: dockerCe, engine: {from: '24.0.5', to: '24.0.7'}}
    expect(upgradeQuestion({...offer, containers: {...containers, liveRestore: {sameRelease: true}}}).details)
      .toContain('The engine has live-restore on: its 3 running containers keep running while it restarts (within one release).')
    const across = upgradeQuestion({...offer, containers: {...containers, liveRestore: {sameRelease: false}}}).details
    expect(across).toContain('3 running containers stop when the engine restarts:')
    expect(across).toContain('live-restore is on, but Docker keeps containers running across patch releases (YY.MM.x) only, and this upgrade changes the release.')
  })

  it('says when there are no containers, and when the engine could not be asked', () => {
    const offer = {kind: 'restart' as const, machine: 'm1', from: '20.10.24', to: '20.10.25'}
    expect(upgradeQuestion({...offer, containers: {containers: []}}).details).toBe(
      'Nothing newer is offered, but the engine on "m1" still runs the dockerd it was started from (Docker 20.10.24), which has been replaced since ' +
      '(a package upgraded without restarting it).\nNo containers run on "m1".\n')
    expect(upgradeQuestion({...offer, containers: {containers: [], unknown: 'Cannot connect to the Docker engine at tcp://10.0.0.5:2376 within 10s.'}}).details)
      .toContain('berth could not ask the engine which containers run (Cannot connect to the Docker engine at tcp://10.0.0.5:2376 within 10s.): a restart stops every running container.')
    expect(upgradeQuestion({...offer, containers: {containers: []}}).question).toBe('Restart the engine on "m1" to run the installed Docker 20.10.25? [y/N] ')
  })

  it('a new packaging of the same release, or a companion package alone, is named by its packages', () => {
    const rebuilt = [{name: 'docker.io', installed: '20.10.24+dfsg1-1+b6', candidate: '20.10.24+dfsg1-1+b7'}]
    expect(upgradeQuestion({kind: 'packages', machine: 'm1', manager: 'apt', packages: rebuilt, engine: {from: '20.10.24+dfsg1', to: '20.10.24+dfsg1'}, containers}).question)
      .toBe('Upgrade docker.io on "m1"? The engine restarts if its binary changes. [y/N] ')
    const cli = [{name: 'docker-ce-cli', installed: '5:24.0.5-1~debian.12~bookworm', candidate: '5:24.0.7-1~debian.12~bookworm'}]
    expect(upgradeQuestion({kind: 'packages', machine: 'm1', manager: 'apt', packages: cli, containers}).action).toBe('Upgrading docker-ce-cli on "m1" may restart its engine')
  })

  it('an install script: says why berth cannot tell what is newer', () => {
    const asked = upgradeQuestion({kind: 'script', machine: 'm1', url: 'https://example.com/install.sh', from: '24.0.5', containers: {containers: []}})
    expect(asked.details).toContain('berth cannot tell whether https://example.com/install.sh installs a newer engine than Docker 24.0.5 on "m1": what an install script installs is only known once it ran')
    expect(asked.question).toBe('Run https://example.com/install.sh on "m1"? The engine restarts if the script changes it. [y/N] ')
  })
})
