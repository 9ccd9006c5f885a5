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
const insert = db.prepare('INSERT INTO analytics (timestamp_ms, api_id, org_id, api_key, response_code, record) VALUES (?, ?, ?, ?, ?, ?)')
const HUNDRED_YEARS_MS = 100 * 365 * 86400000
// An AnalyticsHit (model/analytics-record.ts) into Tyk's analytics record (spec gateway 7.2, 7.3).
function expand (hit) {
  const [nowMs, status, totalMs, upstreamMs, method, rawPath, host, userAgent, contentLength, clientIp,
    apiKey, apiId, orgId, apiName, apiVersion, alias, oauthId, keyTags, apiTags] = hit
  const now = new Date(nowMs)
  const tags = keyTags.concat(apiTags)
  if (apiKey !== '') tags.push('key-' + apiKey)
  if (orgId !== '') tags.push('org-' + orgId)
  tags.push('api-' + apiId)
  const total = Math.round(totalMs)
  return {
    method, host, path: rawPath, raw_path: rawPath, content_length: contentLength, user_agent: userAgent,
    day: now.getDate(), month: now.getMonth() + 1, year: now.getFullYear(), hour: now.getHours(),
    response_code: status, api_key: apiKey, timestamp: now.toISOString(), api_version: apiVersion,
    api_name: apiName, api_id: apiId, org_id: orgId, oauth_id: oauthId, request_time: total,
    latency: { total, upstream: Math.round(upstreamMs) }, raw_request: '', raw_response: '',
    ip_address: clientIp, tags, alias, track_path: false, expireAt: new Date(nowMs + HUNDRED_YEARS_MS).toISOString()
  }
}
const insertAll = db.transaction((hits) => {
  for (const hit of hits) insert.run(hit[0], hit[11], hit[12], hit[10], hit[1], JSON.stringify(expand(hit)))
})
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)') } catch (err) { parentPort.postMessage({ kind: 'error', message: String(err) }) }
}, workerData.checkpointIntervalMs)
parentPort.on('message', (message) => {
  if (message.kind === 'stop') { clearInterval(timer); db.close(); parentPort.close(); return }
  try {
    insertAll(message.records)
    parentPort.postMessage({ kind: 'written', seq: message.seq })
  } catch (err) {
    parentPort.postMessage({ kind: 'written', seq: message.seq, error: String(err) })
  }
})
`

type WorkerMessage = { kind: 'error', message: string } | { kind: 'written', seq: number, error?: string }

export class BackgroundWriter {
  private readonly worker: Worker
  private readonly exited: Promise<void>
  private readonly pending = new Map<number, { resolve: () => void, reject: (err: Error) => void }>()
  private seq = 0

  constructor (file: string, checkpointIntervalMs: number, private readonly onError: (message: string) => void) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3')
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, checkpointIntervalMs } })
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
   * Expands the hits into Tyk records and inserts them; resolves once committed
   * (synchronous=NORMAL: a power cut may lose the last moments of analytics, a crash does not).
   */
  writeAnalytics (records: readonly AnalyticsHit[]): Promise<void> {
    const seq = ++this.seq
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject })
      this.worker.ref() // keep the process alive until the batch is written
      this.worker.postMessage({ kind: 'analytics', seq, records })
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
