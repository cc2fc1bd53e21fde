import {BerthError} from '../errors.js'
import {writeFileAtomic} from '../store/files.js'

/**
 * An ISO 9660 (ECMA-119) image with one directory, written by berth itself so that no mkisofs is needed.
 *
 * Layout, in 2048-byte sectors: 0-15 system area (zeros), 16 primary volume descriptor, 17 volume descriptor set
 * terminator, 18 L path table, 19 M path table, then the root directory, then each file's data from a sector of
 * its own. File names are level 1 (8.3, upper case) for readers without extensions, and carried exactly by Rock
 * Ridge NM entries (RRIP 1.10): Linux's isofs, and so cloud-init, reads those, which is what keeps `user-data`
 * lower case and whole. The root's "." record holds the SUSP SP and ER entries that announce Rock Ridge.
 */

export const SECTOR = 2048
export const PVD_SECTOR = 16
export const TERMINATOR_SECTOR = 17
export const L_PATH_TABLE_SECTOR = 18
export const M_PATH_TABLE_SECTOR = 19
export const ROOT_DIR_SECTOR = 20

export interface IsoFile {
  /** The name as read back through Rock Ridge: letters, digits, '.', '_', '-'; at most 100 characters. */
  name: string
  content: string | Uint8Array
}

interface IsoVolume {
  /** The volume identifier (cloud-init's NoCloud looks for "cidata"): 1-32 of A-Z a-z 0-9 _. */
  label: string
  files: readonly IsoFile[]
  /** Recorded as the volume's and every record's date; now unless given (tests pass one to compare bytes). */
  date?: Date
}

const FILE_NAME = /^[A-Za-z0-9._-]{1,100}$/
const LABEL = /^[A-Za-z0-9_]{1,32}$/
const FILE_MODE = 0o100444
const DIR_MODE = 0o040555
const ER_ID = 'RRIP_1991A'
const ER_DESCRIPTOR = 'THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS'

interface Placed {
  name: string
  isoName: string
  data: Uint8Array
  sector: number
}

/** The image as bytes. */
export function buildIso(volume: IsoVolume): Uint8Array {
  if (!LABEL.test(volume.label)) {
    throw new BerthError(`Invalid ISO volume label ${JSON.stringify(volume.label)}: use 1-32 of A-Z a-z 0-9 _.`, {code: 'seed-image'})
  }
  const seen = new Set<string>()
  for (const file of volume.files) {
    if (!FILE_NAME.test(file.name) || file.name === '.' || file.name === '..') {
      throw new BerthError(`Invalid ISO file name ${JSON.stringify(file.name)}: use 1-100 of A-Z a-z 0-9 . _ -.`, {code: 'seed-image'})
    }
    if (seen.has(file.name)) throw new BerthError(`The ISO image would hold two files named ${JSON.stringify(file.name)}.`, {code: 'seed-image'})
    seen.add(file.name)
  }
  const date = volume.date ?? new Date()
  const isoNames = levelOneNames(volume.files.map((file) => file.name))
  // Directory records are sorted by their ISO 9660 identifiers (ECMA-119 9.3).
  const entries = volume.files
    .map((file, index) => ({name: file.name, isoName: isoNames[index]!, data: toBytes(file.content)}))
    .sort((a, b) => compareIsoNames(a.isoName, b.isoName))

  // The root directory's size depends only on its records, so lay it out once to learn it, then again with extents.
  const rootSectors = Math.ceil(directoryBytes(entries.map((entry) => ({...entry, sector: 0})), 0, date).length / SECTOR)
  let next = ROOT_DIR_SECTOR + rootSectors
  const placed: Placed[] = entries.map((entry) => {
    const sector = next
    next += Math.ceil(entry.data.length / SECTOR)
    return {...entry, sector}
  })
  const totalSectors = next
  const root = directoryBytes(placed, rootSectors, date)

  const image = new Uint8Array(totalSectors * SECTOR)
  image.set(primaryVolumeDescriptor(volume.label, totalSectors, rootSectors, date), PVD_SECTOR * SECTOR)
  image.set(terminator(), TERMINATOR_SECTOR * SECTOR)
  image.set(pathTable('L'), L_PATH_TABLE_SECTOR * SECTOR)
  image.set(pathTable('M'), M_PATH_TABLE_SECTOR * SECTOR)
  image.set(root, ROOT_DIR_SECTOR * SECTOR)
  for (const file of placed) image.set(file.data, file.sector * SECTOR)
  return image
}

/** Write the image to a file, atomically (readers never see half an image). */
export async function writeIso(path: string, volume: IsoVolume, mode = 0o600): Promise<void> {
  await writeFileAtomic(path, buildIso(volume), mode)
}

function toBytes(content: string | Uint8Array): Uint8Array {
  return typeof content === 'string' ? new TextEncoder().encode(content) : content
}

/**
 * Level 1 identifiers: at most 8 d-characters, a dot, at most 3, then ";1". Names that collide once shortened
 * get a number in place of their last characters.
 */
export function levelOneNames(names: readonly string[]): string[] {
  const used = new Set<string>()
  return names.map((name) => {
    const dot = name.lastIndexOf('.')
    const clean = (part: string): string => part.toUpperCase().replace(/[^A-Z0-9_]/g, '_')
    const base = clean(dot > 0 ? name.slice(0, dot) : name) || '_'
    const ext = clean(dot > 0 ? name.slice(dot + 1) : '').slice(0, 3)
    let candidate = `${base.slice(0, 8)}.${ext}`
    for (let n = 1; used.has(candidate); n++) {
      const suffix = String(n)
      candidate = `${base.slice(0, 8 - suffix.length)}${suffix}.${ext}`
    }
    used.add(candidate)
    return `${candidate};1`
  })
}

/** ECMA-119 9.3: by name, then extension, the shorter padded with spaces. */
function compareIsoNames(a: string, b: string): number {
  const split = (id: string): [string, string] => {
    const [name = '', ext = ''] = id.replace(/;1$/, '').split('.')
    return [name, ext]
  }
  const [an, ae] = split(a)
  const [bn, be] = split(b)
  const pad = (x: string, y: string): [string, string] => [x.padEnd(y.length, ' '), y.padEnd(x.length, ' ')]
  const [pa, pb] = pad(an, bn)
  if (pa !== pb) return pa < pb ? -1 : 1
  const [qa, qb] = pad(ae, be)
  return qa === qb ? 0 : qa < qb ? -1 : 1
}

/** The root directory's extent: ".", "..", then one record per file; no record crosses a sector boundary. */
function directoryBytes(files: readonly Placed[], rootSectors: number, date: Date): Uint8Array {
  const rootSize = rootSectors * SECTOR
  const dot = directoryRecord({
    id: Uint8Array.of(0),
    sector: ROOT_DIR_SECTOR,
    size: rootSize,
    directory: true,
    date,
    systemUse: concat([spEntry(), pxEntry(DIR_MODE, 2), erEntry()]),
  })
  const dotdot = directoryRecord({id: Uint8Array.of(1), sector: ROOT_DIR_SECTOR, size: rootSize, directory: true, date, systemUse: pxEntry(DIR_MODE, 2)})
  const records = [dot, dotdot]
  for (const file of files) {
    records.push(directoryRecord({
      id: new TextEncoder().encode(file.isoName),
      sector: file.data.length === 0 ? 0 : file.sector,
      size: file.data.length,
      directory: false,
      date,
      systemUse: concat([pxEntry(FILE_MODE, 1), nmEntry(file.name)]),
    }))
  }
  const out: number[] = []
  for (const record of records) {
    const used = out.length % SECTOR
    if (used + record.length > SECTOR) for (let i = used; i < SECTOR; i++) out.push(0)
    out.push(...record)
  }
  while (out.length % SECTOR !== 0 || out.length === 0) out.push(0)
  return Uint8Array.from(out)
}

interface RecordFields {
  id: Uint8Array
  sector: number
  size: number
  directory: boolean
  date: Date
  systemUse: Uint8Array
}

/** ECMA-119 9.1. */
function directoryRecord(fields: RecordFields): Uint8Array {
  const idPad = fields.id.length % 2 === 0 ? 1 : 0
  const length = 33 + fields.id.length + idPad + fields.systemUse.length
  if (length > 255) throw new BerthError(`An ISO directory record would be ${length} bytes; at most 255 fit.`, {code: 'seed-image'})
  const record = new Uint8Array(length)
  const view = new DataView(record.buffer)
  record[0] = length
  record[1] = 0 // extended attribute record length
  both32(view, 2, fields.sector)
  both32(view, 10, fields.size)
  record.set(recordDate(fields.date), 18)
  record[25] = fields.directory ? 0x02 : 0x00
  record[26] = 0 // file unit size
  record[27] = 0 // interleave gap
  both16(view, 28, 1) // volume sequence number
  record[32] = fields.id.length
  record.set(fields.id, 33)
  record.set(fields.systemUse, 33 + fields.id.length + idPad)
  return record
}

/** SUSP "SP": marks the use of the System Use Sharing Protocol; only in the root's "." record. */
function spEntry(): Uint8Array {
  return Uint8Array.of(0x53, 0x50, 7, 1, 0xbe, 0xef, 0)
}

/** SUSP "ER": names the extension in use, Rock Ridge. */
function erEntry(): Uint8Array {
  const id = new TextEncoder().encode(ER_ID)
  const descriptor = new TextEncoder().encode(ER_DESCRIPTOR)
  const header = Uint8Array.of(0x45, 0x52, 8 + id.length + descriptor.length, 1, id.length, descriptor.length, 0, 1)
  return concat([header, id, descriptor])
}

/** RRIP "PX" (1.10 form, 36 bytes): mode, links, uid 0, gid 0. */
function pxEntry(mode: number, links: number): Uint8Array {
  const entry = new Uint8Array(36)
  const view = new DataView(entry.buffer)
  entry.set([0x50, 0x58, 36, 1])
  both32(view, 4, mode)
  both32(view, 12, links)
  both32(view, 20, 0)
  both32(view, 28, 0)
  return entry
}

/** RRIP "NM": the file's name as POSIX sees it. */
function nmEntry(name: string): Uint8Array {
  const bytes = new TextEncoder().encode(name)
  return concat([Uint8Array.of(0x4e, 0x4d, 5 + bytes.length, 1, 0), bytes])
}

/** ECMA-119 8.4. */
function primaryVolumeDescriptor(label: string, totalSectors: number, rootSectors: number, date: Date): Uint8Array {
  const pvd = new Uint8Array(SECTOR)
  const view = new DataView(pvd.buffer)
  pvd[0] = 1
  pvd.set(ascii('CD001'), 1)
  pvd[6] = 1
  pvd.set(padded('LINUX', 32), 8) // system identifier
  pvd.set(padded(label, 32), 40) // volume identifier
  both32(view, 80, totalSectors) // volume space size
  both16(view, 120, 1) // volume set size
  both16(view, 124, 1) // volume sequence number
  both16(view, 128, SECTOR) // logical block size
  both32(view, 132, PATH_TABLE_SIZE)
  view.setUint32(140, L_PATH_TABLE_SECTOR, true)
  view.setUint32(144, 0, true) // no optional L path table
  view.setUint32(148, M_PATH_TABLE_SECTOR, false)
  view.setUint32(152, 0, false) // no optional M path table
  pvd.set(directoryRecord({id: Uint8Array.of(0), sector: ROOT_DIR_SECTOR, size: rootSectors * SECTOR, directory: true, date, systemUse: new Uint8Array(0)}), 156)
  pvd.set(padded('', 128), 190) // volume set identifier
  pvd.set(padded('', 128), 318) // publisher
  pvd.set(padded('', 128), 446) // data preparer
  pvd.set(padded('BERTH', 128), 574) // application
  pvd.set(padded('', 37), 702) // copyright file
  pvd.set(padded('', 37), 739) // abstract file
  pvd.set(padded('', 37), 776) // bibliographic file
  pvd.set(volumeDate(date), 813) // creation
  pvd.set(volumeDate(date), 830) // modification
  pvd.set(volumeDate(undefined), 847) // expiration: none
  pvd.set(volumeDate(undefined), 864) // effective: at once
  pvd[881] = 1 // file structure version
  return pvd
}

function terminator(): Uint8Array {
  const sector = new Uint8Array(SECTOR)
  sector[0] = 255
  sector.set(ascii('CD001'), 1)
  sector[6] = 1
  return sector
}

/** One record, the root: identifier length 1, the root's extent, parent 1, identifier 0x00, one pad byte. */
export const PATH_TABLE_SIZE = 10

/** ECMA-119 9.4: L holds numbers little-endian, M big-endian. */
function pathTable(kind: 'L' | 'M'): Uint8Array {
  const table = new Uint8Array(SECTOR)
  const view = new DataView(table.buffer)
  const little = kind === 'L'
  table[0] = 1
  table[1] = 0
  view.setUint32(2, ROOT_DIR_SECTOR, little)
  view.setUint16(6, 1, little)
  table[8] = 0
  table[9] = 0
  return table
}

/** ECMA-119 9.1.5: years since 1900, month, day, hour, minute, second, offset from GMT in 15 minutes; in UTC. */
function recordDate(date: Date): Uint8Array {
  return Uint8Array.of(date.getUTCFullYear() - 1900, date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), 0)
}

/** ECMA-119 8.4.26.1: "YYYYMMDDHHMMSScc" then the GMT offset; all zeros for "not specified". */
function volumeDate(date: Date | undefined): Uint8Array {
  if (date === undefined) return concat([ascii('0'.repeat(16)), Uint8Array.of(0)])
  const two = (n: number): string => String(n).padStart(2, '0')
  const text = `${String(date.getUTCFullYear()).padStart(4, '0')}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}` +
    `${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}${two(Math.floor(date.getUTCMilliseconds() / 10))}`
  return concat([ascii(text), Uint8Array.of(0)])
}

function both16(view: DataView, offset: number, value: number): void {
  view.setUint16(offset, value, true)
  view.setUint16(offset + 2, value, false)
}

function both32(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value, true)
  view.setUint32(offset + 4, value, false)
}

function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

function padded(text: string, length: number): Uint8Array {
  return ascii(text.padEnd(length, ' ').slice(0, length))
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

interface IsoContents {
  label: string
  /** The root directory's files by name: the Rock Ridge name where there is one, else the ISO 9660 name without ";1". */
  files: Map<string, Uint8Array>
}

/**
 * Read the root directory of an ISO 9660 image (berth's, or one made by genisoimage/xorriso): what a simulated
 * hypervisor needs to boot a test host from a seed. Subdirectories, multi-extent files and continuation areas
 * (CE) are not followed.
 */
export function readIso(image: Uint8Array): IsoContents {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength)
  const pvd = PVD_SECTOR * SECTOR
  const decoder = new TextDecoder()
  if (image.length < pvd + SECTOR || image[pvd] !== 1 || decoder.decode(image.subarray(pvd + 1, pvd + 6)) !== 'CD001') {
    throw new BerthError('Not an ISO 9660 image: no primary volume descriptor at sector 16.', {code: 'seed-image'})
  }
  const label = decoder.decode(image.subarray(pvd + 40, pvd + 72)).trimEnd()
  const rootStart = view.getUint32(pvd + 156 + 2, true) * SECTOR
  const rootSize = view.getUint32(pvd + 156 + 10, true)
  const files = new Map<string, Uint8Array>()
  for (let offset = rootStart; offset < rootStart + rootSize && offset < image.length;) {
    const length = image[offset]!
    if (length === 0) {
      // The rest of this sector is padding.
      offset = rootStart + (Math.floor((offset - rootStart) / SECTOR) + 1) * SECTOR
      continue
    }
    const idLength = image[offset + 32]!
    const id = image.subarray(offset + 33, offset + 33 + idLength)
    const isDirectory = (image[offset + 25]! & 0x02) !== 0
    if (!isDirectory) {
      const systemUse = image.subarray(offset + 33 + idLength + (idLength % 2 === 0 ? 1 : 0), offset + length)
      const name = rockRidgeName(systemUse) ?? decoder.decode(id).replace(/;\d+$/, '').replace(/\.$/, '')
      const extent = view.getUint32(offset + 2, true) * SECTOR
      const size = view.getUint32(offset + 10, true)
      if (extent + size > image.length) throw new BerthError(`The ISO image is cut short: ${name} lies past its end.`, {code: 'seed-image'})
      files.set(name, image.slice(extent, extent + size))
    }
    offset += length
  }
  return {label, files}
}

/** The name in a record's Rock Ridge NM entries (joined when split), if it has any. */
function rockRidgeName(systemUse: Uint8Array): string | undefined {
  let name: string | undefined
  for (let i = 0; i + 4 <= systemUse.length;) {
    const length = systemUse[i + 2]!
    if (length < 4) break
    if (systemUse[i] === 0x4e && systemUse[i + 1] === 0x4d && length >= 5) {
      name = (name ?? '') + new TextDecoder().decode(systemUse.subarray(i + 5, i + length))
    }
    i += length
  }
  return name
}
