import type { Database, Statement } from 'better-sqlite3'
import type { AnalyticsHit, AnalyticsQuery, AnalyticsSummary } from '../../model/analytics-record.js'
import type { AnalyticsSink } from '../ports.js'

const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const

interface CountRow { bucket: number, code: number, n: number }

/** Analytics in the embedded store: one row per record, indexed by API, org and key hash. */
export class SqliteAnalytics implements AnalyticsSink {
  private readonly counts: Record<AnalyticsQuery['field'], Statement<[number, string, number, number], CountRow>>

  /** @param writeInBackground expands and inserts the hits on the writer thread */
  constructor (db: Database, private readonly writeInBackground: (hits: readonly AnalyticsHit[]) => Promise<void>) {
    // the column is one of three fixed names, never user input
    const countsBy = (column: AnalyticsQuery['field']): Statement<[number, string, number, number], CountRow> => db.prepare(
      `SELECT CAST(timestamp_ms / ? AS INTEGER) AS bucket, response_code AS code, COUNT(*) AS n FROM analytics
       WHERE ${column} = ? AND timestamp_ms >= ? AND timestamp_ms < ?
       GROUP BY bucket, code ORDER BY bucket`
    )
    this.counts = { api_key: countsBy('api_key'), api_id: countsBy('api_id'), org_id: countsBy('org_id') }
  }

  write (hits: readonly AnalyticsHit[]): Promise<void> {
    return this.writeInBackground(hits)
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
