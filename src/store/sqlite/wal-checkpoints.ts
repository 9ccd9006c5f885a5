import type { Database, Statement } from 'better-sqlite3'

/** How often the timer looks at what was written. */
const TICK_MS = 250
/** A checkpoint at least this often; each costs two fsyncs (~1 ms here)... */
const QUIET_INTERVAL_MS = 5000
/** ...and at least this often while keys, policies or orgs are being written... */
const WRITING_INTERVAL_MS = 1000
/** ...and at the next tick once this many have been, so each copies little (~15 µs a page here). */
const BUSY_WRITES = 500

/**
 * Checkpoints the WAL on a timer, PASSIVE (never waits for readers or writers), so each copies
 * little: left to itself SQLite checkpoints inside the commit that crosses the WAL limit, which
 * stalled the event loop for up to a second at 5,000 key creates/s with a 40 MB limit. Under
 * proxied traffic alone (compressed analytics, quota counters) one every 5 s: each costs a few
 * ms (2.7 ms measured at one a second, mostly two fsyncs), and rarer stalls stay out of the p99.
 * Key writes (`noteWrites`) bring checkpoints closer, down to every 250 ms during a burst.
 */
export class WalCheckpoints {
  private readonly timer: NodeJS.Timeout
  private readonly statement: Statement<[], { busy: number, log: number, checkpointed: number }>
  private writes = 0
  private lastMs = performance.now()

  constructor (private readonly db: Database, private readonly onError: (message: string) => void) {
    this.statement = db.prepare('PRAGMA wal_checkpoint(PASSIVE)')
    this.timer = setInterval(() => { this.tick() }, TICK_MS)
    this.timer.unref()
  }

  /** Told after each commit of keys, policies or orgs, with how many writes it held. */
  noteWrites (count: number): void {
    this.writes += count
  }

  stop (): void {
    clearInterval(this.timer)
  }

  private tick (): void {
    const sinceMs = performance.now() - this.lastMs
    const due = this.writes >= BUSY_WRITES || (this.writes > 0 && sinceMs >= WRITING_INTERVAL_MS) || sinceMs >= QUIET_INTERVAL_MS
    if (due) this.checkpoint()
  }

  private checkpoint (): void {
    if (!this.db.open) return
    this.writes = 0
    this.lastMs = performance.now()
    try {
      this.statement.get()
    } catch (err) {
      this.onError(`WAL checkpoint: ${String(err)}`)
    }
  }
}
