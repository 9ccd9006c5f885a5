import type { Database, Statement } from 'better-sqlite3'
import type { AnalyticsQuery, AnalyticsRecord, AnalyticsSummary } from '../../model/analytics-record.js'
import type { AnalyticsSink } from '../ports.js'

const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const

interface CountRow { bucket: number, code: number, n: number }

/** Analytics in the embedded store: one row per record, indexed by API, org and key hash. */
export class SqliteAnalytics implements AnalyticsSink {
  private readonly insert: Statement<[number, string, string, string, number, string]>
  private readonly counts: Record<AnalyticsQuery['field'], Statement<[number, string, number, number], CountRow>>

  /** @param writeInBackground inserts on another thread; without it, inserts run here */
  constructor (private readonly db: Database, private readonly writeInBackground?: (records: readonly AnalyticsRecord[]) => Promise<void>) {
    this.insert = db.prepare('INSERT INTO analytics (timestamp_ms, api_id, org_id, api_key, response_code, record) VALUES (?, ?, ?, ?, ?, ?)')
    // the column is one of three fixed names, never user input
    const countsBy = (column: AnalyticsQuery['field']): Statement<[number, string, number, number], CountRow> => db.prepare(
      `SELECT CAST(timestamp_ms / ? AS INTEGER) AS bucket, response_code AS code, COUNT(*) AS n FROM analytics
       WHERE ${column} = ? AND timestamp_ms >= ? AND timestamp_ms < ?
       GROUP BY bucket, code ORDER BY bucket`
    )
    this.counts = { api_key: countsBy('api_key'), api_id: countsBy('api_id'), org_id: countsBy('org_id') }
  }

  write (records: readonly AnalyticsRecord[]): void | Promise<void> {
    if (this.writeInBackground !== undefined) return this.writeInBackground(records)
    this.db.transaction(() => {
      for (const record of records) {
        this.insert.run(Date.parse(record.timestamp), record.api_id, record.org_id, record.api_key, record.response_code, JSON.stringify(record))
      }
    })()
  }

  summarize (query: AnalyticsQuery): AnalyticsSummary {
    const bucketMs = BUCKET_MS[query.resolution]
    const rows = this.counts[query.field].all(bucketMs, query.value, query.fromMs, query.toMs)
    const byStatus: Record<string, number> = {}
    const buckets = new Map<number, { start: string, total: number, by_status: Record<string, number> }>()
    let total = 0
    for (const row of rows) {
      const code = String(row.code)
      total += row.n
      byStatus[code] = (byStatus[code] ?? 0) + row.n
      let bucket = buckets.get(row.bucket)
      if (bucket === undefined) {
        bucket = { start: new Date(row.bucket * bucketMs).toISOString(), total: 0, by_status: {} }
        buckets.set(row.bucket, bucket)
      }
      bucket.total += row.n
      bucket.by_status[code] = (bucket.by_status[code] ?? 0) + row.n
    }
    return { from: new Date(query.fromMs).toISOString(), to: new Date(query.toMs).toISOString(), resolution: query.resolution, total, by_status: byStatus, buckets: [...buckets.values()] }
  }
}
