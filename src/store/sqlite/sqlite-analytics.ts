import type { Database, Statement } from 'better-sqlite3'
import { EXPIRE_AT_NUMBER, HIT_REF, hitAt, NUMBERS_PER_HIT, REFS_PER_HIT, type AnalyticsHit, type AnalyticsQuery, type AnalyticsRecord, type AnalyticsSummary, type HitColumns, type RecordsQuery } from '../../model/analytics-record.js'
import type { AnalyticsWriter } from './analytics-writer.js'
import { columnsOfBlob } from './hit-blob.js'
import { toTykRecord } from '../../core/tyk-analytics-record.js'
import type { AnalyticsSink } from '../ports.js'

const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const
const MINUTE_MS = 60_000
/** Where apiKey, apiId and orgId sit in an AnalyticsHit (model/analytics-record.ts). */
const HIT_FIELD = { api_key: 10, api_id: 11, org_id: 12 } as const
/** Batches read by one records query at most (each holds up to a flush of hits). */
const MAX_BATCHES_READ = 10_000

interface CountRow { bucket: number, code: number, n: number }
/** 'columns': what the writer stores now; 'hits' and 'records': older batches, JSON */
interface BatchRow { format: 'columns' | 'hits' | 'records', body: string | Buffer }

/**
 * Analytics in the embedded store (written by AnalyticsWriter): the hits of each flush as one
 * row, and request counts per minute, API, org, key hash and status for the summaries.
 */
export class SqliteAnalytics implements AnalyticsSink {
  private readonly counts: Record<AnalyticsQuery['field'], Statement<[number, string, number, number, number], CountRow>>
  private readonly batches: Statement<[number, number, number, number], BatchRow>

  constructor (db: Database, private readonly writer: Pick<AnalyticsWriter, 'write'>) {
    // the column is one of three fixed names, never user input
    const countsBy = (column: AnalyticsQuery['field']): Statement<[number, string, number, number, number], CountRow> => db.prepare(
      `SELECT CAST(minute * ${MINUTE_MS} / ? AS INTEGER) AS bucket, response_code AS code, SUM(n) AS n FROM analytics_counts
       WHERE ${column} = ? AND minute >= ? AND minute < ? AND expires_ms > ?
       GROUP BY bucket, code ORDER BY bucket`
    )
    this.counts = { api_key: countsBy('api_key'), api_id: countsBy('api_id'), org_id: countsBy('org_id') }
    // a batch spans at most a flush interval or so, but bound the scan by its id order too;
    // expired rows not yet purged (AnalyticsPurge does, once a minute) are left out
    this.batches = db.prepare('SELECT format, body FROM analytics_batches WHERE last_ms >= ? AND first_ms < ? AND expires_ms > ? ORDER BY id LIMIT ?')
  }

  /**
   * Tyk records of one key, API or org, oldest first, at most `limit`. Reads the batches of the
   * time range and filters them: an export, not a hot path.
   */
  records (query: RecordsQuery): AnalyticsRecord[] {
    const out: AnalyticsRecord[] = []
    const nowMs = Date.now()
    const keep = (at: number, value: string): boolean => at >= query.fromMs && at < query.toMs && value === query.value
    for (const row of this.batches.iterate(query.fromMs, query.toMs, nowMs, MAX_BATCHES_READ)) {
      if (row.format === 'columns') {
        const columns = columnsOfBlob(row.body as Buffer)
        // hits are filtered on their columns before they are expanded: most of a batch is someone else's
        const field = HIT_REF[query.field]
        for (let i = 0; i < columns.count; i++) {
          if ((columns.numbers[i * NUMBERS_PER_HIT + EXPIRE_AT_NUMBER] ?? 0) <= nowMs) continue
          if (!keep(columns.numbers[i * NUMBERS_PER_HIT] ?? 0, columns.strings[columns.refs[i * REFS_PER_HIT + field] ?? 0] ?? '')) continue
          out.push(toTykRecord(hitAt(columns, i)))
          if (out.length >= query.limit) return out
        }
        continue
      }
      for (const item of JSON.parse(String(row.body)) as unknown[]) {
        const hit = row.format === 'hits' ? item as AnalyticsHit : undefined
        const old = item as AnalyticsRecord
        if (!keep(hit?.[0] ?? Date.parse(old.timestamp), hit === undefined ? old[query.field] : hit[HIT_FIELD[query.field]])) continue
        out.push(hit === undefined ? old : toTykRecord(hit))
        if (out.length >= query.limit) return out
      }
    }
    return out
  }

  write (hits: HitColumns): Promise<void> {
    return this.writer.write(hits)
  }

  summarize (query: AnalyticsQuery): AnalyticsSummary {
    const bucketMs = BUCKET_MS[query.resolution]
    // counts are kept per minute: a range starts and ends on whole minutes
    const rows = this.counts[query.field].all(bucketMs, query.value, Math.floor(query.fromMs / MINUTE_MS), Math.ceil(query.toMs / MINUTE_MS), Date.now())
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
