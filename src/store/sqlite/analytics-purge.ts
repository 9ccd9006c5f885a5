import type { Database, Statement } from 'better-sqlite3'

/** Expired analytics are deleted this often (and at start). */
const PURGE_INTERVAL_MS = 60_000
/** Rows deleted per transaction... */
const PURGE_ROWS = 200
/** ...and transactions per turn of the event loop at most for this long: traffic waits little. */
const PURGE_SLICE_MS = 5

/**
 * Deletes analytics whose retention is over (expire_analytics_after, an org's data_expires),
 * in small transactions, yielding to the event loop between slices. Queries already hide
 * expired rows, so how soon they go only matters for disk space.
 */
export class AnalyticsPurge {
  private readonly timer: NodeJS.Timeout
  private readonly purgeSome: (nowMs: number) => number
  private purging = false
  private stopped = false

  constructor (db: Database, private readonly onError: (message: string) => void) {
    const batches: Statement<[number]> = db.prepare(`DELETE FROM analytics_batches WHERE id IN (SELECT id FROM analytics_batches WHERE expires_ms <= ? LIMIT ${PURGE_ROWS})`)
    const counts: Statement<[number]> = db.prepare('DELETE FROM analytics_counts WHERE (minute, api_id, org_id, api_key, response_code) IN ' +
      `(SELECT minute, api_id, org_id, api_key, response_code FROM analytics_counts WHERE expires_ms <= ? LIMIT ${PURGE_ROWS})`)
    this.purgeSome = db.transaction((nowMs: number) => batches.run(nowMs).changes + counts.run(nowMs).changes)
    this.timer = setInterval(() => { this.purge() }, PURGE_INTERVAL_MS)
    this.timer.unref()
    setImmediate(() => { this.purge() })
  }

  /** Deletes what has expired by now; a purge already under way carries on instead. */
  purge (): void {
    if (this.purging || this.stopped) return
    this.purging = true
    this.step(Date.now())
  }

  stop (): void {
    this.stopped = true
    clearInterval(this.timer)
  }

  private step (nowMs: number): void {
    if (this.stopped) return
    const sliceEnds = performance.now() + PURGE_SLICE_MS
    try {
      while (this.purgeSome(nowMs) > 0) {
        if (performance.now() > sliceEnds) {
          setImmediate(() => { this.step(nowMs) })
          return
        }
      }
    } catch (err) {
      this.onError(`analytics purge: ${String(err)}`)
    }
    this.purging = false
  }
}
