import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { AnalyticsHit } from '../../model/analytics-record.js'

/**
 * A worker thread with its own connection to the database, for the writes that must never stall
 * the event loop:
 * - WAL checkpoints: left to itself SQLite checkpoints inside the commit that crosses the WAL
 *   limit, on the event loop (seen: p99 of key creation at 350 ms). PASSIVE checkpoints here
 *   never block writers or readers.
 * - analytics batches: serialising and inserting thousands of records took tens of ms on the
 *   event loop every flush, which showed in the gateway's p99.
 */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.file)
db.pragma('busy_timeout = 5000')
db.pragma('synchronous = NORMAL')
const insertBatch = db.prepare("INSERT INTO analytics_batches (first_ms, last_ms, count, format, body) VALUES (?, ?, ?, 'hits', ?)")
const addCount = db.prepare('INSERT INTO analytics_counts (minute, api_id, org_id, api_key, response_code, n) VALUES (?, ?, ?, ?, ?, ?) ' +
  'ON CONFLICT (minute, api_id, org_id, api_key, response_code) DO UPDATE SET n = n + excluded.n')
// One row for the batch, and one count per (minute, API, org, key, status) it touches.
// Hit fields by position (model/analytics-record.ts): 0 nowMs, 1 status, 10 apiKey, 11 apiId, 12 orgId.
const insertAll = db.transaction((hits) => {
  let first = Infinity
  let last = -Infinity
  const counts = new Map()
  for (const hit of hits) {
    if (hit[0] < first) first = hit[0]
    if (hit[0] > last) last = hit[0]
    const group = Math.floor(hit[0] / 60000) + '\\u0000' + hit[11] + '\\u0000' + hit[12] + '\\u0000' + hit[10] + '\\u0000' + hit[1]
    const count = counts.get(group)
    if (count === undefined) counts.set(group, [Math.floor(hit[0] / 60000), hit[11], hit[12], hit[10], hit[1], 1])
    else count[5]++
  }
  insertBatch.run(Math.floor(first), Math.ceil(last), hits.length, JSON.stringify(hits))
  for (const count of counts.values()) addCount.run(count)
})
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
    if (parts.length > 0) insertAll(parts.length === 1 ? parts[0] : parts.flat())
  } catch (err) {
    error = String(err)
  }
  for (const seq of seqs) parentPort.postMessage(error === undefined ? { kind: 'written', seq } : { kind: 'written', seq, error })
}
const checkpoints = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)') } catch (err) { parentPort.postMessage({ kind: 'error', message: String(err) }) }
}, workerData.checkpointIntervalMs)
const batches = setInterval(writeBuffered, workerData.batchIntervalMs)
parentPort.on('message', (message) => {
  if (message.kind === 'stop') { clearInterval(checkpoints); clearInterval(batches); writeBuffered(); db.close(); parentPort.close(); return }
  if (message.records.length > 0) {
    buffered.push(message.records)
    bufferedCount += message.records.length
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
      workerData: { file, driver, checkpointIntervalMs, batchIntervalMs: ANALYTICS_BATCH_INTERVAL_MS, batchSize: ANALYTICS_BATCH_SIZE },
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
  writeAnalytics (records: readonly AnalyticsHit[], now: boolean): Promise<void> {
    const seq = ++this.seq
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject })
      this.worker.ref() // keep the process alive until the batch is written
      this.worker.postMessage({ kind: 'analytics', seq, records, now })
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
