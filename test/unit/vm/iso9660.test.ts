import {describe, expect, it} from 'vitest'
import {BerthError} from '../../../src/core/errors.js'
import {buildIso, levelOneNames, L_PATH_TABLE_SECTOR, M_PATH_TABLE_SECTOR, PATH_TABLE_SIZE, PVD_SECTOR, ROOT_DIR_SECTOR, SECTOR, TERMINATOR_SECTOR} from '../../../src/core/vm/iso9660.js'

const DATE = new Date(Date.UTC(2024, 2, 5, 6, 7, 8, 90))

function view(image: Uint8Array): DataView {
  return new DataView(image.buffer, image.byteOffset, image.byteLength)
}

/** A both-endian 32-bit field: the little-endian and big-endian halves must agree. */
function both32(image: Uint8Array, offset: number): number {
  const v = view(image)
  const little = v.getUint32(offset, true)
  expect(v.getUint32(offset + 4, false), `both-endian field at ${offset}`).toBe(little)
  return little
}

function both16(image: Uint8Array, offset: number): number {
  const v = view(image)
  const little = v.getUint16(offset, true)
  expect(v.getUint16(offset + 2, false), `both-endian field at ${offset}`).toBe(little)
  return little
}

function text(image: Uint8Array, offset: number, length: number): string {
  return new TextDecoder().decode(image.subarray(offset, offset + length))
}

interface Record {
  offset: number
  length: number
  extent: number
  size: number
  flags: number
  id: Uint8Array
  systemUse: Uint8Array
}

/** The records of the root directory, skipping the zero padding at the end of each sector. */
function rootRecords(image: Uint8Array): Record[] {
  const pvd = PVD_SECTOR * SECTOR
  const start = both32(image, pvd + 156 + 2) * SECTOR
  const size = both32(image, pvd + 156 + 10)
  const records: Record[] = []
  for (let offset = start; offset < start + size;) {
    const length = image[offset]!
    if (length === 0) {
      offset = (Math.floor((offset - start) / SECTOR) + 1) * SECTOR + start
      continue
    }
    const idLength = image[offset + 32]!
    const suStart = offset + 33 + idLength + (idLength % 2 === 0 ? 1 : 0)
    records.push({
      offset, length,
      extent: both32(image, offset + 2),
      size: both32(image, offset + 10),
      flags: image[offset + 25]!,
      id: image.subarray(offset + 33, offset + 33 + idLength),
      systemUse: image.subarray(suStart, offset + length),
    })
    offset += length
  }
  return records
}

/** SUSP entries of one record, as [signature, body]. */
function suspEntries(systemUse: Uint8Array): Array<[string, Uint8Array]> {
  const entries: Array<[string, Uint8Array]> = []
  for (let i = 0; i + 4 <= systemUse.length;) {
    const length = systemUse[i + 2]!
    entries.push([text(systemUse, i, 2), systemUse.subarray(i, i + length)])
    i += length
  }
  return entries
}

describe('ISO 9660 layout', () => {
  const files = [
    {name: 'user-data', content: '#cloud-config\n'},
    {name: 'meta-data', content: 'instance-id: a\n'},
    {name: 'network-config', content: new Uint8Array(2049).fill(1)},
  ]
  const image = buildIso({label: 'cidata', files, date: DATE})

  it('is a whole number of sectors with an empty system area', () => {
    expect(image.length % SECTOR).toBe(0)
    expect(image.subarray(0, 16 * SECTOR).every((byte) => byte === 0)).toBe(true)
  })

  it('has a primary volume descriptor with the label, sizes and path table places', () => {
    const pvd = PVD_SECTOR * SECTOR
    expect(image[pvd]).toBe(1)
    expect(text(image, pvd + 1, 5)).toBe('CD001')
    expect(image[pvd + 6]).toBe(1)
    expect(text(image, pvd + 40, 32)).toBe('cidata'.padEnd(32, ' '))
    expect(both32(image, pvd + 80)).toBe(image.length / SECTOR)
    expect(both16(image, pvd + 120)).toBe(1)
    expect(both16(image, pvd + 124)).toBe(1)
    expect(both16(image, pvd + 128)).toBe(SECTOR)
    expect(both32(image, pvd + 132)).toBe(PATH_TABLE_SIZE)
    expect(view(image).getUint32(pvd + 140, true)).toBe(L_PATH_TABLE_SECTOR)
    expect(view(image).getUint32(pvd + 148, false)).toBe(M_PATH_TABLE_SECTOR)
    // The root directory record, 34 bytes, identifier 0x00.
    expect(image[pvd + 156]).toBe(34)
    expect(both32(image, pvd + 156 + 2)).toBe(ROOT_DIR_SECTOR)
    expect(both32(image, pvd + 156 + 10)).toBe(SECTOR)
    expect(image[pvd + 156 + 25]).toBe(2)
    expect(image[pvd + 156 + 32]).toBe(1)
    expect(image[pvd + 156 + 33]).toBe(0)
    expect(text(image, pvd + 813, 16)).toBe('2024030506070809')
    expect(text(image, pvd + 847, 16)).toBe('0'.repeat(16))
    expect(image[pvd + 881]).toBe(1)
  })

  it('ends the descriptor set with a terminator', () => {
    const t = TERMINATOR_SECTOR * SECTOR
    expect(image[t]).toBe(255)
    expect(text(image, t + 1, 5)).toBe('CD001')
    expect(image[t + 6]).toBe(1)
  })

  it('has L and M path tables naming the root, in their own byte orders', () => {
    const l = L_PATH_TABLE_SECTOR * SECTOR
    const m = M_PATH_TABLE_SECTOR * SECTOR
    expect([image[l], image[l + 1], image[l + 8]]).toEqual([1, 0, 0])
    expect(view(image).getUint32(l + 2, true)).toBe(ROOT_DIR_SECTOR)
    expect(view(image).getUint16(l + 6, true)).toBe(1)
    expect([image[m], image[m + 1], image[m + 8]]).toEqual([1, 0, 0])
    expect(view(image).getUint32(m + 2, false)).toBe(ROOT_DIR_SECTOR)
    expect(view(image).getUint16(m + 6, false)).toBe(1)
  })

  it('announces Rock Ridge in the root "." record and names every file with NM', () => {
    const [dot, dotdot, ...rest] = rootRecords(image)
    expect(Array.from(dot!.id)).toEqual([0])
    expect(Array.from(dotdot!.id)).toEqual([1])
    const dotEntries = suspEntries(dot!.systemUse)
    expect(dotEntries.map(([sig]) => sig)).toEqual(['SP', 'PX', 'ER'])
    expect(Array.from(dotEntries[0]![1])).toEqual([0x53, 0x50, 7, 1, 0xbe, 0xef, 0])
    const er = dotEntries[2]![1]
    expect(text(er, 8, er[4]!)).toBe('RRIP_1991A')
    const names = rest.map((record) => {
      const nm = suspEntries(record.systemUse).find(([sig]) => sig === 'NM')![1]
      return [new TextDecoder().decode(record.id), text(nm, 5, nm[2]! - 5)]
    })
    // Sorted by ISO identifier, each a level 1 name.
    expect(names).toEqual([['META_DAT.;1', 'meta-data'], ['NETWORK_.;1', 'network-config'], ['USER_DAT.;1', 'user-data']])
  })

  it('puts each file at the start of a sector of its own, after the directory, with its exact size', () => {
    const records = rootRecords(image).slice(2)
    const byName = new Map(records.map((record) => [new TextDecoder().decode(record.id), record]))
    let expectedNext = ROOT_DIR_SECTOR + 1
    for (const record of records) {
      expect(record.extent).toBe(expectedNext)
      expectedNext += Math.ceil(record.size / SECTOR)
    }
    expect(expectedNext * SECTOR).toBe(image.length)
    const network = byName.get('NETWORK_.;1')!
    expect(network.size).toBe(2049)
    expect(image.subarray(network.extent * SECTOR, network.extent * SECTOR + 2049).every((byte) => byte === 1)).toBe(true)
    expect(image[network.extent * SECTOR + 2049]).toBe(0)
    const user = byName.get('USER_DAT.;1')!
    expect(text(image, user.extent * SECTOR, user.size)).toBe('#cloud-config\n')
    expect(image[user.offset + 18]).toBe(124) // years since 1900
  })

  it('never lets a directory record cross a sector boundary', () => {
    const many = buildIso({label: 'X', files: Array.from({length: 60}, (_, i) => ({name: `a-rather-long-file-name-${i}`, content: 'x'})), date: DATE})
    const records = rootRecords(many)
    expect(records).toHaveLength(62)
    const rootSize = both32(many, PVD_SECTOR * SECTOR + 156 + 10)
    expect(rootSize % SECTOR).toBe(0)
    expect(rootSize).toBeGreaterThan(SECTOR)
    for (const record of records) {
      expect(Math.floor(record.offset / SECTOR)).toBe(Math.floor((record.offset + record.length - 1) / SECTOR))
    }
    // "." and ".." give the whole directory's size.
    expect(records[0]!.size).toBe(rootSize)
    expect(records[1]!.size).toBe(rootSize)
  })

  it('gives colliding short names distinct level 1 identifiers', () => {
    expect(levelOneNames(['network-config', 'network-config-2', 'a.b.tar.gz', 'x'])).toEqual(['NETWORK_.;1', 'NETWORK1.;1', 'A_B_TAR.GZ;1', 'X.;1'])
  })

  it('is the same bytes for the same input', () => {
    expect(Buffer.from(buildIso({label: 'cidata', files, date: DATE})).equals(Buffer.from(image))).toBe(true)
  })

  it('refuses labels and names it cannot record', () => {
    expect(() => buildIso({label: 'has space', files: []})).toThrow(BerthError)
    expect(() => buildIso({label: 'x'.repeat(33), files: []})).toThrow(/volume label/)
    expect(() => buildIso({label: 'ok', files: [{name: 'a/b', content: ''}]})).toThrow(/file name "a\/b"/)
    expect(() => buildIso({label: 'ok', files: [{name: '..', content: ''}]})).toThrow(/file name/)
    expect(() => buildIso({label: 'ok', files: [{name: 'a', content: ''}, {name: 'a', content: 'b'}]})).toThrow(/two files named "a"/)
  })
})
