import type { AnalyticsSink } from '../store/ports.js'
import { HitBatch, type HitValues } from './hit-batch.js'

export interface AnalyticsQueueOptions {
  readonly sink: AnalyticsSink
  /** Hits handed off but not yet stored; past this, new hits are dropped and counted. */
  readonly maxPending?: number
  /** Hand off at least this often... */
  readonly flushIntervalMs?: number
  /** ...or as soon as this many hits are waiting (at most 4,096: see HitBatch). */
  readonly batchSize?: number
  readonly onError: (err: unknown) => void
}

/**
 * Analytics leave the request path here: `record` writes a hit into the current column batch.
 * Full batches (4,096 hits) go to the sink at once and the rest once a second; the columns are
 * typed arrays, so what waits costs the garbage collector nothing. When the sink falls behind,
 * hits are dropped and counted instead of blocking traffic.
 */
export class AnalyticsQueue {
  private batch: HitBatch
  private readonly batchSize: number
  private readonly maxPending: number
  private pending = 0
  private readonly timer: NodeJS.Timeout
  /** Hits dropped because the sink fell behind or failed. */
  dropped = 0

  constructor (private readonly options: AnalyticsQueueOptions) {
    this.batchSize = Math.min(options.batchSize ?? 4096, 4096)
    this.maxPending = options.maxPending ?? 100_000
    this.batch = new HitBatch(this.batchSize)
    this.timer = setInterval(() => { this.handOff() }, options.flushIntervalMs ?? 1000)
    this.timer.unref()
  }

  record (hit: HitValues): void {
    if (this.pending >= this.maxPending) {
      this.dropped++
      return
    }
    this.batch.add(hit)
    if (this.batch.full) this.handOff()
  }

  /** Everything recorded so far is stored when this resolves. */
  async flush (): Promise<void> {
    await this.send(true)
  }

  async close (): Promise<void> {
    clearInterval(this.timer)
    await this.flush()
  }

  private handOff (): void {
    this.send(false).catch(this.options.onError)
  }

  /** Not async: nothing may hold the batch while the write is pending. */
  private send (evenWhenEmpty: boolean): Promise<void> {
    // an asked-for flush goes even when empty: it settles after every earlier hand-off
    if (this.batch.count === 0 && !evenWhenEmpty) return Promise.resolve()
    const columns = this.batch.columns()
    this.batch = new HitBatch(this.batchSize)
    let written: void | Promise<void>
    try {
      written = this.options.sink.write(columns)
    } catch (err) {
      written = Promise.reject(err)
    }
    return this.settle(written, columns.count)
  }

  private async settle (written: void | Promise<void>, count: number): Promise<void> {
    this.pending += count
    try {
      await written
    } catch (err) {
      this.dropped += count
      this.options.onError(err)
    } finally {
      this.pending -= count
    }
  }
}
