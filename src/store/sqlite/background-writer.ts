import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import { EXPIRE_AT_NUMBER, HIT_REF, NUMBERS_PER_HIT, REFS_PER_HIT, type HitColumns } from '../../model/analytics-record.js'

/**
 * A worker thread with its own connection to the database, for the writes that must never stall
 * the event loop:
 * - WAL checkpoints: left to itself SQLite checkpoints inside the commit that crosses the WAL
 *   limit, on the event loop (seen: p99 of key creation at 350 ms). PASSIVE checkpoints here
 *   never block writers or readers.
 * - analytics batches: serialising and inserting thousands of records took tens of ms on the
 *   event loop every flush, which showed in the gateway's p99.
 * - deleting expired analytics (expire_analytics_after, org data_expires), once a minute.
 */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.file)
db.pragma('busy_timeout = 5000')
db.pragma('synchronous = NORMAL')
const insertBatch = db.prepare("INSERT INTO analytics_batches (first_ms, last_ms, count, format, body, expires_ms) VALUES (?, ?, ?, 'columns', ?, ?)")
const addCount = db.prepare('INSERT INTO analytics_counts (minute, api_id, org_id, api_key, response_code, n, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
  'ON CONFLICT (minute, api_id, org_id, api_key, response_code) DO UPDATE SET n = n + excluded.n, expires_ms = max(expires_ms, excluded.expires_ms)')
// Column layout (model/analytics-record.ts HitColumns), sizes and positions from workerData.
// Stored body: u32 header length, header JSON {count, strings, lists, numbersPerHit}, then
// aligned Float64 numbers, Uint16 status, Uint32 refs (store/sqlite/hit-blob.ts reads it).
const N = workerData.numbersPerHit
const R = workerData.refsPerHit
const EXPIRES = workerData.expireAtNumber
const { api_key: KEY_REF, api_id: API_REF, org_id: ORG_REF } = workerData.hitRef
const align = (at, to) => Math.ceil(at / to) * to
const BITS17 = 131072
// One row per retention among the hits: a row goes when its newest hit's time is up.
function insertRow (numbers, status, refs, strings, lists, indexes) {
  let columns = { numbers, status, refs }
  if (indexes !== undefined) {
    columns = { numbers: new Float64Array(indexes.length * N), status: new Uint16Array(indexes.length), refs: new Uint32Array(indexes.length * R) }
    indexes.forEach((from, to) => {
      columns.numbers.set(numbers.subarray(from * N, from * N + N), to * N)
      columns.status[to] = status[from]
      columns.refs.set(refs.subarray(from * R, from * R + R), to * R)
    })
  }
  const count = columns.status.length
  let first = Infinity
  let last = -Infinity
  let expires = -Infinity
  for (let i = 0; i < count; i++) {
    const ms = columns.numbers[i * N]
    if (ms < first) first = ms
    if (ms > last) last = ms
    if (columns.numbers[i * N + EXPIRES] > expires) expires = columns.numbers[i * N + EXPIRES]
  }
  const header = Buffer.from(JSON.stringify({ count, strings, lists, numbersPerHit: N }))
  const numbersAt = align(4 + header.length, 8)
  const statusAt = numbersAt + columns.numbers.byteLength
  const refsAt = align(statusAt + columns.status.byteLength, 4)
  const body = Buffer.alloc(refsAt + columns.refs.byteLength)
  body.writeUInt32LE(header.length, 0)
  header.copy(body, 4)
  Buffer.from(columns.numbers.buffer).copy(body, numbersAt)
  Buffer.from(columns.status.buffer).copy(body, statusAt)
  Buffer.from(columns.refs.buffer).copy(body, refsAt)
  insertBatch.run(Math.floor(first), Math.ceil(last), count, body, Math.ceil(expires))
}
// Several hand-offs become one row per retention: their dictionaries merge into one, and counts
// are gathered per (minute, status) and (API, org, key) as numbers, never as strings per hit.
const insertAll = db.transaction((parts) => {
  let total = 0
  for (const part of parts) total += part.count
  const numbers = new Float64Array(total * N)
  const status = new Uint16Array(total)
  const refs = new Uint32Array(total * R)
  const strings = []
  const stringIds = new Map()
  const lists = []
  const listIds = new Map()
  const counts = new Map()
  const byRetention = new Map()
  let at = 0
  for (const part of parts) {
    const stringMap = part.strings.map((value) => {
      let id = stringIds.get(value)
      if (id === undefined) { id = strings.length; strings.push(value); stringIds.set(value, id) }
      return id
    })
    const listMap = part.lists.map((value) => {
      const key = JSON.stringify(value)
      let id = listIds.get(key)
      if (id === undefined) { id = lists.length; lists.push(value); listIds.set(key, id) }
      return id
    })
    numbers.set(part.numbers.subarray(0, part.count * N), at * N)
    status.set(part.status.subarray(0, part.count), at)
    for (let i = 0; i < part.count; i++) {
      const from = i * R
      const to = (at + i) * R
      // the last two refs point into lists (tags), the others into strings
      for (let f = 0; f < R - 2; f++) refs[to + f] = stringMap[part.refs[from + f]]
      refs[to + R - 2] = listMap[part.refs[from + R - 2]]
      refs[to + R - 1] = listMap[part.refs[from + R - 1]]
      const ms = part.numbers[i * N]
      const expires = part.numbers[i * N + EXPIRES]
      const retention = expires - ms
      let indexes = byRetention.get(retention)
      if (indexes === undefined) { indexes = []; byRetention.set(retention, indexes) }
      indexes.push(at + i)
      const outer = Math.floor(ms / 60000) * 1024 + part.status[i]
      const inner = (refs[to + API_REF] * BITS17 + refs[to + ORG_REF]) * BITS17 + refs[to + KEY_REF]
      let byWho = counts.get(outer)
      if (byWho === undefined) { byWho = new Map(); counts.set(outer, byWho) }
      const count = byWho.get(inner)
      if (count === undefined) byWho.set(inner, { n: 1, expires })
      else { count.n++; if (expires > count.expires) count.expires = expires }
    }
    at += part.count
  }
  if (total === 0) return
  for (const indexes of byRetention.values()) insertRow(numbers, status, refs, strings, lists, byRetention.size === 1 ? undefined : indexes)
  for (const [outer, byWho] of counts) {
    const minute = Math.floor(outer / 1024)
    const code = outer % 1024
    for (const [inner, count] of byWho) {
      const key = inner % BITS17
      const org = Math.floor(inner / BITS17) % BITS17
      const api = Math.floor(inner / BITS17 / BITS17)
      addCount.run(minute, strings[api], strings[org], strings[key], code, count.n, Math.ceil(count.expires))
    }
  }
})
// Expired analytics go in small transactions, so a flush of new hits waits little; a purge
// that runs out of its time slice carries on at the next turn of this thread's event loop.
const PURGE_ROWS = 500
const PURGE_SLICE_MS = 100
const purgeBatches = db.prepare('DELETE FROM analytics_batches WHERE id IN (SELECT id FROM analytics_batches WHERE expires_ms <= ? LIMIT ' + PURGE_ROWS + ')')
const purgeCounts = db.prepare('DELETE FROM analytics_counts WHERE (minute, api_id, org_id, api_key, response_code) IN ' +
  '(SELECT minute, api_id, org_id, api_key, response_code FROM analytics_counts WHERE expires_ms <= ? LIMIT ' + PURGE_ROWS + ')')
const purgeSome = db.transaction((now) => purgeBatches.run(now).changes + purgeCounts.run(now).changes)
let purging = false
let stopped = false
function purgeExpired () {
  if (purging || stopped) return
  purging = true
  const now = Date.now()
  const sliceEnds = performance.now() + PURGE_SLICE_MS
  const step = () => {
    if (stopped) return
    try {
      while (purgeSome(now) > 0) {
        if (performance.now() > sliceEnds) { setImmediate(step); return }
      }
    } catch (err) {
      parentPort.postMessage({ kind: 'error', message: 'analytics purge: ' + String(err) })
    }
    purging = false
  }
  step()
}
// Hits arrive in small hand-offs (the event loop keeps few of them alive) and are written here
// in large batches: one transaction per flush interval, or sooner when a batch is full or a
// flush is asked for. A hand-off is acknowledged once the batch holding it is committed.
let buffered = []
let bufferedCount = 0
let waiting = []
function writeBuffered () {
  if (waiting.length === 0) return
  const parts = buffered
  const seqs = waiting
  buffered = []
  bufferedCount = 0
  waiting = []
  let error
  try {
    if (parts.length > 0) insertAll(parts)
  } catch (err) {
    error = String(err)
  }
  for (const seq of seqs) parentPort.postMessage(error === undefined ? { kind: 'written', seq } : { kind: 'written', seq, error })
}
const checkpoints = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)') } catch (err) { parentPort.postMessage({ kind: 'error', message: String(err) }) }
}, workerData.checkpointIntervalMs)
const batches = setInterval(writeBuffered, workerData.batchIntervalMs)
const purges = setInterval(purgeExpired, workerData.purgeIntervalMs)
purgeExpired()
parentPort.on('message', (message) => {
  if (message.kind === 'stop') { stopped = true; clearInterval(checkpoints); clearInterval(batches); clearInterval(purges); writeBuffered(); db.close(); parentPort.close(); return }
  if (message.hits.count > 0) {
    buffered.push(message.hits)
    bufferedCount += message.hits.count
  }
  waiting.push(message.seq)
  if (message.now || bufferedCount >= workerData.batchSize) writeBuffered()
})
`

/** The writer commits what it was handed at least this often... */
const ANALYTICS_BATCH_INTERVAL_MS = 250
/** ...or as soon as this many hits are waiting. */
const ANALYTICS_BATCH_SIZE = 4000
const WORKER_YOUNG_GENERATION_MB = 8
/** Expired analytics are deleted this often (and at start). */
const ANALYTICS_PURGE_INTERVAL_MS = 60_000

type WorkerMessage = { kind: 'error', message: string } | { kind: 'written', seq: number, error?: string }

export class BackgroundWriter {
  private readonly worker: Worker
  private readonly exited: Promise<void>
  private readonly pending = new Map<number, { resolve: () => void, reject: (err: Error) => void }>()
  private seq = 0

  constructor (file: string, checkpointIntervalMs: number, private readonly onError: (message: string) => void) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3')
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        file,
        driver,
        checkpointIntervalMs,
        batchIntervalMs: ANALYTICS_BATCH_INTERVAL_MS,
        batchSize: ANALYTICS_BATCH_SIZE,
        purgeIntervalMs: ANALYTICS_PURGE_INTERVAL_MS,
        numbersPerHit: NUMBERS_PER_HIT,
        expireAtNumber: EXPIRE_AT_NUMBER,
        refsPerHit: REFS_PER_HIT,
        hitRef: HIT_REF
      },
      // its garbage is batches of small arrays: a small young generation keeps its memory down
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB }
    })
    this.worker.on('message', (message: WorkerMessage) => { this.onMessage(message) })
    this.worker.on('error', (err) => { this.onError(err.message) })
    this.exited = new Promise<void>((resolve) => this.worker.once('exit', () => {
      for (const { reject } of this.pending.values()) reject(new Error('the background writer stopped'))
      this.pending.clear()
      resolve()
    }))
    this.worker.unref()
  }

  /**
   * Hands hits to the writer, which stores them with others as one batch and adds them to the
   * per-minute counts; resolves once committed, at most a batch interval later, at once with
   * `now` (synchronous=NORMAL: a power cut may lose the last moments of analytics, a crash does not).
   */
  writeAnalytics (hits: HitColumns, now: boolean): Promise<void> {
    const seq = ++this.seq
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject })
      this.worker.ref() // keep the process alive until the batch is written
      // the columns move to the writer: the caller never touches them again
      this.worker.postMessage({ kind: 'analytics', seq, hits, now }, [hits.numbers.buffer as ArrayBuffer, hits.status.buffer as ArrayBuffer, hits.refs.buffer as ArrayBuffer])
    })
  }

  /** Stops the worker after what was sent; safe to call again, and after the worker has died. */
  async close (): Promise<void> {
    this.worker.ref() // an unref'ed worker would let the event loop end before it has stopped
    this.worker.postMessage({ kind: 'stop' })
    await this.exited
  }

  private onMessage (message: WorkerMessage): void {
    if (message.kind === 'error') {
      this.onError(message.message)
      return
    }
    const waiter = this.pending.get(message.seq)
    this.pending.delete(message.seq)
    if (this.pending.size === 0) this.worker.unref()
    if (message.error === undefined) waiter?.resolve()
    else waiter?.reject(new Error(message.error))
  }
}
