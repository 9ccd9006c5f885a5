import type { Database, Statement } from 'better-sqlite3'
import { countQuota, newQuotaPeriod, type QuotaCounter, type QuotaDecision } from '../../core/quota.js'
import { newBucket, takeFromBucket, type RateBucket, type RateDecision } from '../../core/rate-limit.js'
import type { Counters } from '../ports.js'

/**
 * How often ended windows are looked for: a sweep visits every bucket. A bucket whose window
 * ended is worth exactly a fresh one (takeFromBucket refills it), so it goes at the next sweep;
 * kept for 10 minutes as Tyk does, requests spread over 1M keys held ~1M buckets (issue 16).
 */
const EVICTION_INTERVAL_MS = 5 * 1000
/**
 * Quota counters (and "no counter" marks) kept in memory past a flush; older ones are dropped
 * then and re-read from SQLite when needed (it holds every flushed value). Unbounded, reads and
 * key writes over 1M keys kept an entry for each.
 */
const MAX_KNOWN_QUOTAS = 50_000

/**
 * Counters of one gateway node, exact and in memory: a request never waits for I/O. Quota
 * counters are written to SQLite about once a second (`flushIntervalMs`), so a crash loses at
 * most that much counted traffic; a clean stop loses nothing. Rate buckets are not persisted
 * (a window is seconds long; Tyk keeps them in memory too).
 */
export class LocalCounters implements Counters {
  private readonly buckets = new Map<string, RateBucket>()
  /** null: known to have no counter (so reads of unused keys cost no SQL) */
  private readonly quotas = new Map<string, QuotaCounter | null>()
  /** changed since the last flush: written, or deleted when the map holds null */
  private readonly dirty = new Set<string>()
  private readonly timer: NodeJS.Timeout
  private lastEvictionMs: number
  private readonly statements: {
    readonly get: Statement<[string], { used: number, period_end_ms: number }>
    readonly put: Statement<[string, number, number]>
    readonly delete: Statement<[string]>
  }

  constructor (private readonly db: Database, private readonly clock: () => number, flushIntervalMs = 1000) {
    this.statements = {
      get: db.prepare('SELECT used, period_end_ms FROM quota_counters WHERE name = ?'),
      put: db.prepare('INSERT INTO quota_counters (name, used, period_end_ms) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET used = excluded.used, period_end_ms = excluded.period_end_ms'),
      delete: db.prepare('DELETE FROM quota_counters WHERE name = ?')
    }
    this.lastEvictionMs = clock()
    this.timer = setInterval(() => { this.tick() }, flushIntervalMs)
    this.timer.unref()
  }

  rate (name: string, rate: number, per: number, nowMs: number, dryRun: boolean): RateDecision {
    let bucket = this.buckets.get(name)
    if (bucket === undefined) {
      bucket = newBucket(rate, per, nowMs)
      if (!dryRun) this.buckets.set(name, bucket)
    }
    return takeFromBucket(bucket, rate, per, nowMs, dryRun)
  }

  quota (name: string, quotaMax: number, renewalSeconds: number, nowMs: number): QuotaDecision {
    let counter = this.load(name)
    if (counter === undefined) {
      counter = newQuotaPeriod(renewalSeconds, nowMs)
      this.quotas.set(name, counter)
    }
    this.dirty.add(name)
    return countQuota(counter, quotaMax, renewalSeconds, nowMs)
  }

  quotaState (name: string, nowMs: number): QuotaCounter | undefined {
    const counter = this.load(name)
    // the live counter itself: callers only read it
    return counter === undefined || nowMs >= counter.periodEndMs ? undefined : counter
  }

  /** Takes effect at once in memory; reaches SQLite with the next flush, like every count. */
  async resetQuotas (names: readonly string[]): Promise<void> {
    for (const name of names) {
      if (this.quotas.get(name) === null) continue // nothing to reset
      this.quotas.set(name, null)
      this.dirty.add(name)
    }
  }

  /**
   * A key update drops its old windows (issue 15): a bucket is named by the session's
   * last_updated, which only has whole seconds, so an update within the second would otherwise
   * find its old window under the same name; and the old name would sit unused until evicted.
   */
  async resetRates (names: readonly string[]): Promise<void> {
    for (const name of names) this.buckets.delete(name)
  }

  /** How many quota counters (and "no counter" marks) are held in memory. */
  get quotaEntryCount (): number {
    return this.quotas.size
  }

  /** How many rate windows are held in memory. */
  get rateBucketCount (): number {
    return this.buckets.size
  }

  /** Writes every counter changed since the last flush, in one transaction. */
  flush (): void {
    if (this.dirty.size === 0) return
    const names = [...this.dirty]
    this.dirty.clear()
    this.db.transaction(() => {
      for (const name of names) {
        const counter = this.quotas.get(name)
        if (counter === null) this.statements.delete.run(name)
        else if (counter !== undefined) this.statements.put.run(name, counter.used, counter.periodEndMs === Infinity ? Number.MAX_VALUE : counter.periodEndMs)
      }
    })()
  }

  /**
   * The timer's work: the flush, and now and then the idle buckets, whether or not any quota
   * was counted (a rate-limited key without a quota writes nothing, and its buckets would stay).
   */
  private tick (): void {
    this.flush()
    this.forgetFlushedQuotas()
    const nowMs = this.clock()
    if (nowMs - this.lastEvictionMs < EVICTION_INTERVAL_MS) return
    this.lastEvictionMs = nowMs
    this.evictIdleBuckets(nowMs)
  }

  async close (): Promise<void> {
    clearInterval(this.timer)
    this.flush()
  }

  private load (name: string): QuotaCounter | undefined {
    const cached = this.quotas.get(name)
    if (cached !== undefined) return cached ?? undefined
    const row = this.statements.get.get(name)
    if (row === undefined) {
      this.quotas.set(name, null)
      return undefined
    }
    const counter = { used: row.used, periodEndMs: row.period_end_ms >= Number.MAX_VALUE ? Infinity : row.period_end_ms }
    this.quotas.set(name, counter)
    return counter
  }

  /** Buckets whose window ended: one request there would open a new one anyway. */
  private evictIdleBuckets (nowMs: number): void {
    for (const [name, bucket] of this.buckets) {
      if (bucket.resetAtMs < nowMs) this.buckets.delete(name)
    }
  }

  /** Right after a flush nothing is dirty: the oldest entries past the cap can go. */
  private forgetFlushedQuotas (): void {
    for (const name of this.quotas.keys()) {
      if (this.quotas.size <= MAX_KNOWN_QUOTAS) return
      if (!this.dirty.has(name)) this.quotas.delete(name)
    }
  }
}
