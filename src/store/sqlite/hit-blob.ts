import { NUMBERS_PER_HIT, REFS_PER_HIT, type HitColumns } from '../../model/analytics-record.js'

/**
 * Reads a stored analytics batch of format 'columns', as the writer thread encodes it
 * (background-writer.ts): u32 header length, header JSON {count, strings, lists}, then Float64
 * numbers at the next multiple of 8, Uint16 status, Uint32 refs at the next multiple of 4.
 */
export function columnsOfBlob (body: Buffer): HitColumns {
  const headerLength = body.readUInt32LE(0)
  const header = JSON.parse(body.toString('utf8', 4, 4 + headerLength)) as { count: number, strings: string[], lists: string[][] }
  const count = header.count
  const numbersAt = align(4 + headerLength, 8)
  const statusAt = numbersAt + count * NUMBERS_PER_HIT * 8
  const refsAt = align(statusAt + count * 2, 4)
  // copies: a Buffer from SQLite need not be aligned for typed-array views
  const slice = (from: number, bytes: number): ArrayBuffer => body.buffer.slice(body.byteOffset + from, body.byteOffset + from + bytes) as ArrayBuffer
  return {
    count,
    numbers: new Float64Array(slice(numbersAt, count * NUMBERS_PER_HIT * 8)),
    status: new Uint16Array(slice(statusAt, count * 2)),
    refs: new Uint32Array(slice(refsAt, count * REFS_PER_HIT * 4)),
    strings: header.strings,
    lists: header.lists
  }
}

function align (at: number, to: number): number {
  return Math.ceil(at / to) * to
}
