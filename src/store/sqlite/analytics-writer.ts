import { promisify } from 'node:util'
import { deflateRaw } from 'node:zlib'
import type { Database, Statement } from 'better-sqlite3'
import { EXPIRE_AT_NUMBER, HIT_REF, NUMBERS_PER_HIT, REFS_PER_HIT, type HitColumns } from '../../model/analytics-record.js'
import { blobOfColumns, COMPRESSED_BLOB_MARK } from './hit-blob.js'

const deflate = promisify(deflateRaw)

/** zlib's fastest level: analytics columns repeat themselves, it already takes most bytes out. */
const COMPRESSION_LEVEL = 1

interface Waiter {
  readonly resolve: () => void
  readonly reject: (err: Error) => void
}

/** One stored row: hits of one hand-off and one retention. */
interface BatchRow {
  readonly columns: HitColumns
  readonly firstMs: number
  readonly lastMs: number
  readonly expiresMs: number
}

interface CompressedRow extends BatchRow {
  readonly blob: Buffer
}

/** Requests of one minute, status, API, org and key. */
interface MinuteCount {
  readonly minute: number
  readonly code: number
  readonly apiId: string
  readonly orgId: string
  readonly apiKey: string
  n: number
  expiresMs: number
}

/**
 * Stores analytics hand-offs through a connection of its own at synchronous=NORMAL (a crash
 * loses nothing committed, a power cut the last moments of analytics; keys keep their FULL
 * sync). Hand-offs come batched (AnalyticsQueue: 4,096 hits or a second); each becomes one row
 * per retention, compressed on libuv's thread pool (~4x smaller: less to write now and to
 * checkpoint later), then the rows and the per-minute counts go in one transaction. The event
 * loop keeps only the counting and a small insert: a worker thread would cost 16 MiB of resident
 * memory for an isolate of its own.
 */
export class AnalyticsWriter {
  private buffered: HitColumns[] = []
  private waiting: Waiter[] = []
  private scheduled = false
  /** The flush under way: flushes commit in order. */
  private writing: Promise<void> = Promise.resolve()
  private readonly insertAll: (rows: readonly CompressedRow[], counts: Iterable<MinuteCount>) => void

  constructor (private readonly db: Database) {
    const insertBatch: Statement<[number, number, number, Buffer, number]> = db.prepare("INSERT INTO analytics_batches (first_ms, last_ms, count, format, body, expires_ms) VALUES (?, ?, ?, 'columns', ?, ?)")
    const addCount: Statement<[number, string, string, string, number, number, number]> = db.prepare('INSERT INTO analytics_counts (minute, api_id, org_id, api_key, response_code, n, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
      'ON CONFLICT (minute, api_id, org_id, api_key, response_code) DO UPDATE SET n = n + excluded.n, expires_ms = max(expires_ms, excluded.expires_ms)')
    this.insertAll = db.transaction((rows: readonly CompressedRow[], counts: Iterable<MinuteCount>) => {
      for (const row of rows) insertBatch.run(Math.floor(row.firstMs), Math.ceil(row.lastMs), row.columns.count, row.blob, Math.ceil(row.expiresMs))
      for (const count of counts) addCount.run(count.minute, count.apiId, count.orgId, count.apiKey, count.code, count.n, Math.ceil(count.expiresMs))
    })
  }

  /**
   * Takes a hand-off (the caller never touches its columns again); resolves once it is
   * committed. Hand-offs of one turn of the event loop are written together, after it: the
   * request that filled a batch is answered first.
   */
  write (hits: HitColumns): Promise<void> {
    return new Promise((resolve, reject) => {
      if (hits.count > 0) this.buffered.push(hits)
      this.waiting.push({ resolve, reject })
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(() => { this.writeBuffered() })
      }
    })
  }

  /** Resolves once everything handed over is committed. */
  async close (): Promise<void> {
    this.writeBuffered()
    await this.writing
  }

  private writeBuffered (): void {
    this.scheduled = false
    if (this.waiting.length === 0) return
    const parts = this.buffered
    const waiting = this.waiting
    this.buffered = []
    this.waiting = []
    const rows = parts.flatMap(rowsOf)
    const counts = new Map<string, MinuteCount>()
    for (const part of parts) addCounts(part, counts)
    this.writing = this.writing
      .then(async () => await Promise.all(rows.map(compressed)))
      .then((compressedRows) => { if (compressedRows.length > 0 || counts.size > 0) this.insertAll(compressedRows, counts.values()) })
      .then(
        () => { for (const waiter of waiting) waiter.resolve() },
        (err: unknown) => {
          const failure = err instanceof Error ? err : new Error(String(err))
          for (const waiter of waiting) waiter.reject(failure)
        }
      )
  }
}

async function compressed (row: BatchRow): Promise<CompressedRow> {
  const deflated = await deflate(blobOfColumns(row.columns), { level: COMPRESSION_LEVEL })
  return { ...row, blob: Buffer.concat([COMPRESSED_BLOB_MARK, deflated]) }
}

/** A hand-off's rows: one per retention among its hits (a row goes when its newest hit's time is up). */
function rowsOf (part: HitColumns): BatchRow[] {
  const byRetention = new Map<number, number[]>()
  for (let i = 0; i < part.count; i++) {
    const n = i * NUMBERS_PER_HIT
    const retention = (part.numbers[n + EXPIRE_AT_NUMBER] ?? 0) - (part.numbers[n] ?? 0)
    let indexes = byRetention.get(retention)
    if (indexes === undefined) {
      indexes = []
      byRetention.set(retention, indexes)
    }
    indexes.push(i)
  }
  return [...byRetention.values()].map((indexes) => rowOf(byRetention.size === 1 ? part : subset(part, indexes)))
}

function rowOf (columns: HitColumns): BatchRow {
  let firstMs = Infinity
  let lastMs = -Infinity
  let expiresMs = -Infinity
  for (let i = 0; i < columns.count; i++) {
    const ms = columns.numbers[i * NUMBERS_PER_HIT] ?? 0
    if (ms < firstMs) firstMs = ms
    if (ms > lastMs) lastMs = ms
    expiresMs = Math.max(expiresMs, columns.numbers[i * NUMBERS_PER_HIT + EXPIRE_AT_NUMBER] ?? 0)
  }
  return { columns, firstMs, lastMs, expiresMs }
}

/** The hits at `indexes`, with the same dictionaries. */
function subset (columns: HitColumns, indexes: readonly number[]): HitColumns {
  const numbers = new Float64Array(indexes.length * NUMBERS_PER_HIT)
  const status = new Uint16Array(indexes.length)
  const refs = new Uint32Array(indexes.length * REFS_PER_HIT)
  indexes.forEach((from, to) => {
    numbers.set(columns.numbers.subarray(from * NUMBERS_PER_HIT, (from + 1) * NUMBERS_PER_HIT), to * NUMBERS_PER_HIT)
    status[to] = columns.status[from] ?? 0
    refs.set(columns.refs.subarray(from * REFS_PER_HIT, (from + 1) * REFS_PER_HIT), to * REFS_PER_HIT)
  })
  return { count: indexes.length, numbers, status, refs, strings: columns.strings, lists: columns.lists }
}

/**
 * Adds a hand-off's requests to `counts`. Hits are counted by their dictionary ids as one number
 * (a hand-off holds fewer than 2^17 strings: the product stays below 2^53), and strings are made
 * once per distinct minute, status, API, org and key.
 */
function addCounts (part: HitColumns, counts: Map<string, MinuteCount>): void {
  const ids = Math.max(part.strings.length, 1)
  const byId = new Map<number, Map<number, { n: number, expiresMs: number }>>()
  for (let i = 0; i < part.count; i++) {
    const n = i * NUMBERS_PER_HIT
    const r = i * REFS_PER_HIT
    const expiresMs = part.numbers[n + EXPIRE_AT_NUMBER] ?? 0
    const when = Math.floor((part.numbers[n] ?? 0) / 60_000) * 1024 + (part.status[i] ?? 0)
    const who = ((part.refs[r + HIT_REF.api_id] ?? 0) * ids + (part.refs[r + HIT_REF.org_id] ?? 0)) * ids + (part.refs[r + HIT_REF.api_key] ?? 0)
    let byWho = byId.get(when)
    if (byWho === undefined) {
      byWho = new Map()
      byId.set(when, byWho)
    }
    const count = byWho.get(who)
    if (count === undefined) byWho.set(who, { n: 1, expiresMs })
    else {
      count.n++
      if (expiresMs > count.expiresMs) count.expiresMs = expiresMs
    }
  }
  for (const [when, byWho] of byId) {
    for (const [who, { n, expiresMs }] of byWho) {
      const minute = Math.floor(when / 1024)
      const code = when % 1024
      const apiId = part.strings[Math.floor(who / ids / ids)] ?? ''
      const orgId = part.strings[Math.floor(who / ids) % ids] ?? ''
      const apiKey = part.strings[who % ids] ?? ''
      const name = `${minute}\n${code}\n${apiId}\n${orgId}\n${apiKey}`
      const known = counts.get(name)
      if (known === undefined) counts.set(name, { minute, code, apiId, orgId, apiKey, n, expiresMs })
      else {
        known.n += n
        if (expiresMs > known.expiresMs) known.expiresMs = expiresMs
      }
    }
  }
}
