import { inflateRawSync } from 'node:zlib'
import { EXPIRE_AT_NUMBER, KEPT_FOR_GOOD_MS, NUMBERS_PER_HIT, REFS_PER_HIT, type HitColumns } from '../../model/analytics-record.js'

/*
 * A stored analytics batch of format 'columns': u32 header length, header JSON {count, strings,
 * lists, numbersPerHit}, then Float64 numbers at the next multiple of 8, Uint16 status, Uint32
 * refs at the next multiple of 4. Batches from before retention have 4 numbers per hit and were
 * kept for good.
 */

/** The stored form of `columns` (refs always as 32 bits, the layout readers expect). */
export function blobOfColumns (columns: HitColumns): Buffer {
  const { count } = columns
  const header = Buffer.from(JSON.stringify({ count, strings: columns.strings, lists: columns.lists, numbersPerHit: NUMBERS_PER_HIT }))
  const numbersAt = align(4 + header.length, 8)
  const statusAt = numbersAt + count * NUMBERS_PER_HIT * 8
  const refsAt = align(statusAt + count * 2, 4)
  const body = Buffer.alloc(refsAt + count * REFS_PER_HIT * 4)
  body.writeUInt32LE(header.length, 0)
  header.copy(body, 4)
  copyInto(body, numbersAt, columns.numbers.subarray(0, count * NUMBERS_PER_HIT))
  copyInto(body, statusAt, columns.status.subarray(0, count))
  const refs = columns.refs instanceof Uint32Array ? columns.refs.subarray(0, count * REFS_PER_HIT) : Uint32Array.from(columns.refs.subarray(0, count * REFS_PER_HIT))
  copyInto(body, refsAt, refs)
  return body
}

function copyInto (body: Buffer, at: number, values: Float64Array | Uint16Array | Uint32Array): void {
  body.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), at)
}

/**
 * Marks a blob whose rest is blobOfColumns' bytes, deflated (AnalyticsWriter): no plain blob
 * starts so, its header would be 4 GiB long.
 */
export const COMPRESSED_BLOB_MARK = Buffer.from([0xff, 0xff, 0xff, 0xff])

/** Reads what blobOfColumns stored, compressed or not (and the older 4-number layout). */
export function columnsOfBlob (row: Buffer): HitColumns {
  const body = row.subarray(0, COMPRESSED_BLOB_MARK.length).equals(COMPRESSED_BLOB_MARK) ? inflateRawSync(row.subarray(COMPRESSED_BLOB_MARK.length)) : row
  const headerLength = body.readUInt32LE(0)
  const header = JSON.parse(body.toString('utf8', 4, 4 + headerLength)) as { count: number, strings: string[], lists: string[][], numbersPerHit?: number }
  const count = header.count
  const stored = header.numbersPerHit ?? 4
  const numbersAt = align(4 + headerLength, 8)
  const statusAt = numbersAt + count * stored * 8
  const refsAt = align(statusAt + count * 2, 4)
  // copies: a Buffer from SQLite need not be aligned for typed-array views
  const slice = (from: number, bytes: number): ArrayBuffer => body.buffer.slice(body.byteOffset + from, body.byteOffset + from + bytes) as ArrayBuffer
  return {
    count,
    numbers: widened(new Float64Array(slice(numbersAt, count * stored * 8)), count, stored),
    status: new Uint16Array(slice(statusAt, count * 2)),
    refs: new Uint32Array(slice(refsAt, count * REFS_PER_HIT * 4)),
    strings: header.strings,
    lists: header.lists
  }
}

/** Numbers stored `stored` to a hit, as NUMBERS_PER_HIT to a hit; a missing expiry is for good. */
function widened (numbers: Float64Array, count: number, stored: number): Float64Array {
  if (stored === NUMBERS_PER_HIT) return numbers
  const out = new Float64Array(count * NUMBERS_PER_HIT)
  for (let i = 0; i < count; i++) {
    out.set(numbers.subarray(i * stored, i * stored + Math.min(stored, NUMBERS_PER_HIT)), i * NUMBERS_PER_HIT)
    if (stored <= EXPIRE_AT_NUMBER) out[i * NUMBERS_PER_HIT + EXPIRE_AT_NUMBER] = (numbers[i * stored] ?? 0) + KEPT_FOR_GOOD_MS
  }
  return out
}

function align (at: number, to: number): number {
  return Math.ceil(at / to) * to
}
