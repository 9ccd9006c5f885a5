import type { Database, Statement } from 'better-sqlite3'
import { EXPIRE_AT_NUMBER, HIT_REF, NUMBERS_PER_HIT, REFS_PER_HIT, type HitColumns } from '../../model/analytics-record.js'
import { blobOfColumns } from './hit-blob.js'

/** The writer commits what it was handed at least this often... */
const BATCH_INTERVAL_MS = 250
/** ...or as soon as this many hits are waiting. */
const BATCH_SIZE = 4000
/**
 * Hits merged into one row at most: 12 strings a hit keep (API, org, key) ids, combined into one
 * number, below 2^53. A hand-off holds at most 4,096 hits.
 */
const MAX_HITS_PER_ROW = 8192
const STATUS_SLOTS = 1024

interface Waiter {
  readonly resolve: () => void
  readonly reject: (err: Error) => void
}

interface MinuteCount { n: number, expiresMs: number }

/**
 * Stores analytics hand-offs on the event loop's thread, with a connection of its own at
 * synchronous=NORMAL (a crash loses nothing committed, a power cut the last moments of
 * analytics; keys keep their FULL sync on the store's connection). Hand-offs are gathered and
 * written at most four times a second as one row per retention: one transaction of a few
 * inserts (about a millisecond for 4,000 hits), where a worker thread would cost 16 MiB of
 * resident memory for an isolate of its own.
 */
export class AnalyticsWriter {
  private buffered: HitColumns[] = []
  private bufferedCount = 0
  private waiting: Waiter[] = []
  private readonly timer: NodeJS.Timeout
  private readonly insertAll: (parts: readonly HitColumns[]) => void
  private readonly statements: {
    readonly insertBatch: Statement<[number, number, number, Buffer, number]>
    readonly addCount: Statement<[number, string, string, string, number, number, number]>
  }

  constructor (private readonly db: Database) {
    this.statements = {
      insertBatch: db.prepare("INSERT INTO analytics_batches (first_ms, last_ms, count, format, body, expires_ms) VALUES (?, ?, ?, 'columns', ?, ?)"),
      addCount: db.prepare('INSERT INTO analytics_counts (minute, api_id, org_id, api_key, response_code, n, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (minute, api_id, org_id, api_key, response_code) DO UPDATE SET n = n + excluded.n, expires_ms = max(expires_ms, excluded.expires_ms)')
    }
    this.insertAll = db.transaction((parts: readonly HitColumns[]) => { this.insertParts(parts) })
    this.timer = setInterval(() => { this.writeBuffered() }, BATCH_INTERVAL_MS)
    this.timer.unref()
  }

  /**
   * Takes a hand-off (the caller never touches its columns again); resolves once it is
   * committed, at most a batch interval later, on the next turn of the event loop with `now`.
   */
  write (hits: HitColumns, now: boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      if (hits.count > 0) {
        this.buffered.push(hits)
        this.bufferedCount += hits.count
      }
      this.waiting.push({ resolve, reject })
      // never inside the caller's turn: the request that filled a batch is answered first
      if (now || this.bufferedCount >= BATCH_SIZE) setImmediate(() => { this.writeBuffered() })
    })
  }

  /** Writes what is buffered and stops; the connection stays the caller's to close. */
  close (): void {
    clearInterval(this.timer)
    this.writeBuffered()
  }

  private writeBuffered (): void {
    if (this.waiting.length === 0) return
    const parts = this.buffered
    const waiting = this.waiting
    this.buffered = []
    this.bufferedCount = 0
    this.waiting = []
    let failure: Error | undefined
    try {
      if (this.db.open) for (const chunk of chunksOf(parts)) this.insertAll(chunk)
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err))
    }
    for (const waiter of waiting) {
      if (failure === undefined) waiter.resolve()
      else waiter.reject(failure)
    }
  }

  /**
   * Hand-offs become one set of columns with one dictionary; counts are gathered per
   * (minute, status) and (API, org, key) as numbers, never as strings per hit.
   */
  private insertParts (parts: readonly HitColumns[]): void {
    const merged = mergeParts(parts)
    if (merged.count === 0) return
    const byRetention = new Map<number, number[]>()
    const counts = new Map<number, Map<number, MinuteCount>>()
    const { numbers, status, refs } = merged
    const ids = Math.max(merged.strings.length, 1)
    for (let i = 0; i < merged.count; i++) {
      const ms = numbers[i * NUMBERS_PER_HIT] ?? 0
      const expiresMs = numbers[i * NUMBERS_PER_HIT + EXPIRE_AT_NUMBER] ?? 0
      const retention = expiresMs - ms
      let indexes = byRetention.get(retention)
      if (indexes === undefined) {
        indexes = []
        byRetention.set(retention, indexes)
      }
      indexes.push(i)
      const r = i * REFS_PER_HIT
      const outer = Math.floor(ms / 60_000) * STATUS_SLOTS + (status[i] ?? 0)
      const inner = ((refs[r + HIT_REF.api_id] ?? 0) * ids + (refs[r + HIT_REF.org_id] ?? 0)) * ids + (refs[r + HIT_REF.api_key] ?? 0)
      let byWho = counts.get(outer)
      if (byWho === undefined) {
        byWho = new Map()
        counts.set(outer, byWho)
      }
      const count = byWho.get(inner)
      if (count === undefined) byWho.set(inner, { n: 1, expiresMs })
      else {
        count.n++
        if (expiresMs > count.expiresMs) count.expiresMs = expiresMs
      }
    }
    // one row per retention among the hits: a row goes when its newest hit's time is up
    for (const indexes of byRetention.values()) this.insertRow(byRetention.size === 1 ? merged : subset(merged, indexes))
    const strings = merged.strings
    for (const [outer, byWho] of counts) {
      const minute = Math.floor(outer / STATUS_SLOTS)
      const code = outer % STATUS_SLOTS
      for (const [inner, count] of byWho) {
        const key = inner % ids
        const org = Math.floor(inner / ids) % ids
        const api = Math.floor(inner / ids / ids)
        this.statements.addCount.run(minute, strings[api] ?? '', strings[org] ?? '', strings[key] ?? '', code, count.n, Math.ceil(count.expiresMs))
      }
    }
  }

  private insertRow (columns: HitColumns): void {
    let firstMs = Infinity
    let lastMs = -Infinity
    let expiresMs = -Infinity
    for (let i = 0; i < columns.count; i++) {
      const ms = columns.numbers[i * NUMBERS_PER_HIT] ?? 0
      if (ms < firstMs) firstMs = ms
      if (ms > lastMs) lastMs = ms
      expiresMs = Math.max(expiresMs, columns.numbers[i * NUMBERS_PER_HIT + EXPIRE_AT_NUMBER] ?? 0)
    }
    this.statements.insertBatch.run(Math.floor(firstMs), Math.ceil(lastMs), columns.count, blobOfColumns(columns), Math.ceil(expiresMs))
  }
}

/** Hand-offs in runs of at most MAX_HITS_PER_ROW hits (or one larger hand-off). */
function * chunksOf (parts: readonly HitColumns[]): Generator<HitColumns[]> {
  let chunk: HitColumns[] = []
  let hits = 0
  for (const part of parts) {
    if (chunk.length > 0 && hits + part.count > MAX_HITS_PER_ROW) {
      yield chunk
      chunk = []
      hits = 0
    }
    chunk.push(part)
    hits += part.count
  }
  if (chunk.length > 0) yield chunk
}

/** Several hand-offs as one set of columns: their dictionaries merge into one. */
function mergeParts (parts: readonly HitColumns[]): HitColumns {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0]
  let total = 0
  for (const part of parts) total += part.count
  const numbers = new Float64Array(total * NUMBERS_PER_HIT)
  const status = new Uint16Array(total)
  const refs = new Uint32Array(total * REFS_PER_HIT)
  const strings: string[] = []
  const stringIds = new Map<string, number>()
  const lists: Array<readonly string[]> = []
  const listIds = new Map<string, number>()
  let at = 0
  for (const part of parts) {
    const stringMap = part.strings.map((value) => idIn(stringIds, strings, value, value))
    const listMap = part.lists.map((value) => idIn(listIds, lists, JSON.stringify(value), value))
    numbers.set(part.numbers.subarray(0, part.count * NUMBERS_PER_HIT), at * NUMBERS_PER_HIT)
    status.set(part.status.subarray(0, part.count), at)
    for (let i = 0; i < part.count; i++) {
      const from = i * REFS_PER_HIT
      const to = (at + i) * REFS_PER_HIT
      // the last two refs point into lists (tags), the others into strings
      for (let f = 0; f < REFS_PER_HIT - 2; f++) refs[to + f] = stringMap[part.refs[from + f] ?? 0] ?? 0
      refs[to + REFS_PER_HIT - 2] = listMap[part.refs[from + REFS_PER_HIT - 2] ?? 0] ?? 0
      refs[to + REFS_PER_HIT - 1] = listMap[part.refs[from + REFS_PER_HIT - 1] ?? 0] ?? 0
    }
    at += part.count
  }
  return { count: total, numbers, status, refs, strings, lists }
}

function idIn<T> (ids: Map<string, number>, values: T[], key: string, value: T): number {
  let id = ids.get(key)
  if (id === undefined) {
    id = values.length
    values.push(value)
    ids.set(key, id)
  }
  return id
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
