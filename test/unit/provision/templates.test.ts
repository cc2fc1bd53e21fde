import {spawnSync} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {BerthError} from '../../../src/core/errors.js'
import {renderTemplate} from '../../../src/core/provision/templates.js'

const TEMPLATES = new URL('../../../templates/', import.meta.url)

/** Every template file, as renderTemplate names it ("provision/facts.sh"). */
const templateNames = (['engine', 'provision', 'vm'] as const).flatMap((dir) => readdirSync(new URL(`${dir}/`, TEMPLATES)).map((file) => `${dir}/${file}`)).sort()

/** The {{placeholders}} a template has, each once. */
function placeholders(name: string): string[] {
  return [...new Set([...readFileSync(new URL(name, TEMPLATES), 'utf8').matchAll(/\{\{(\w+)\}\}/g)].map((match) => match[1]!))]
}

describe('renderTemplate', () => {
  it('puts each value in its placeholder, as given', async () => {
    const script = await renderTemplate('provision/set-hostname.sh', {name: '\'web-1\''})
    expect(script).toContain('name=\'web-1\'\n')
    expect(script).not.toMatch(/\{\{|\}\}/)
  })

  it('renders a template without placeholders from no values', async () => {
    expect(await renderTemplate('provision/restart-engine-systemd.sh', {})).toBe(readFileSync(new URL('provision/restart-engine-systemd.sh', TEMPLATES), 'utf8'))
  })

  it('fails on a placeholder without a value, naming both', async () => {
    const rendering = renderTemplate('provision/set-hostname.sh', {})
    await expect(rendering).rejects.toBeInstanceOf(BerthError)
    await expect(rendering).rejects.toThrow('Template provision/set-hostname.sh needs a value for {{name}}.')
  })

  it('fails on a value without a placeholder, naming them all', async () => {
    const rendering = renderTemplate('provision/set-hostname.sh', {name: 'web-1', hostname: 'x', extra: 'y'})
    await expect(rendering).rejects.toBeInstanceOf(BerthError)
    await expect(rendering).rejects.toThrow('Template provision/set-hostname.sh has no place for hostname, extra.')
    await expect(renderTemplate('provision/restart-engine-openrc.sh', {name: 'web-1'})).rejects.toThrow('has no place for name')
  })

  it('does not expand placeholders or replacement patterns inside values', async () => {
    const script = await renderTemplate('provision/set-hostname.sh', {name: '{{name}} $& $1 $$ $`'})
    expect(script).toContain('name={{name}} $& $1 $$ $`\n')
  })

  it('fills every placeholder of a template each time it appears', async () => {
    const rendered = await renderTemplate('engine/sysvinit-default', {start: '# >>> berth', end: '# <<< berth', dockerOpts: '\'-D\'', environment: 'export A=b'})
    expect(rendered).toBe('# >>> berth: berth\'s engine settings, read by /etc/init.d/docker (TLS on the network). berth rewrites this part; the lines above it are yours.\nDOCKER_OPTS="${DOCKER_OPTS:+$DOCKER_OPTS }"\'-D\'\nexport A=b\n# <<< berth\n')
  })

  it('lists every template in templates/README.md', () => {
    const readme = readFileSync(new URL('README.md', TEMPLATES), 'utf8')
    // The table names some files with shell-style braces: restart-engine-{systemd,sysvinit,openrc}.sh.
    const listed = [...readme.matchAll(/^\| ([^ |]+) \|/gm)].map((match) => match[1]!).filter((name) => name !== 'file')
      .flatMap((name) => {
        const braces = /^(.*)\{([^}]+)\}(.*)$/.exec(name)
        return braces === null ? [name] : braces[2]!.split(',').map((part) => `${braces[1]}${part}${braces[3]}`)
      })
    expect(listed.sort()).toEqual(templateNames)
  })

  it.each(templateNames.filter((name) => name.endsWith('.sh')))('renders %s into a script sh can parse', async (name) => {
    const values = Object.fromEntries(placeholders(name).map((key) => [key, '\'value\'']))
    const script = await renderTemplate(name, values)
    const result = spawnSync('sh', ['-n'], {input: script, encoding: 'utf8'})
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })
})
