import type { AnalyticsHit } from '../model/analytics-record.js'
import type { AnalyticsSink } from '../store/ports.js'

export interface AnalyticsQueueOptions {
  readonly sink: AnalyticsSink
  /** Records kept while waiting; past this, new records are dropped and counted. */
  readonly maxQueued?: number
  /** Flush at least this often... */
  readonly flushIntervalMs?: number
  /** ...or as soon as this many are waiting. */
  readonly batchSize?: number
  readonly onError: (err: unknown) => void
}

/**
 * Analytics leave the request path here: `record` only pushes to an array. Batches go to the
 * sink on a timer or when full; a full queue drops (and counts) instead of blocking traffic.
 */
export class AnalyticsQueue {
  private queue: AnalyticsHit[] = []
  private readonly maxQueued: number
  private readonly batchSize: number
  private readonly timer: NodeJS.Timeout
  private flushScheduled = false
  /** Records dropped because the queue was full or the sink failed. */
  dropped = 0

  constructor (private readonly options: AnalyticsQueueOptions) {
    this.maxQueued = options.maxQueued ?? 100_000
    this.batchSize = options.batchSize ?? 2_000
    this.timer = setInterval(() => { this.flushInBackground() }, options.flushIntervalMs ?? 250)
    this.timer.unref()
  }

  record (hit: AnalyticsHit): void {
    if (this.queue.length >= this.maxQueued) {
      this.dropped++
      return
    }
    this.queue.push(hit)
    if (this.queue.length >= this.batchSize && !this.flushScheduled) {
      this.flushScheduled = true
      setImmediate(() => { this.flushInBackground() })
    }
  }

  async flush (): Promise<void> {
    this.flushScheduled = false
    if (this.queue.length === 0) return
    const batch = this.queue
    this.queue = []
    try {
      await this.options.sink.write(batch)
    } catch (err) {
      this.dropped += batch.length
      this.options.onError(err)
    }
  }

  async close (): Promise<void> {
    clearInterval(this.timer)
    await this.flush()
  }

  private flushInBackground (): void {
    this.flush().catch(this.options.onError)
  }
}
