import type { Database, Statement } from 'better-sqlite3'

/** A quiet database is checkpointed this often: each costs two fsyncs (~1 ms here)... */
const QUIET_INTERVAL_MS = 1000
/** ...a busy one this often, so each checkpoint copies little (~15 µs a page here). */
const BUSY_INTERVAL_MS = 250
/** WAL frames (pages) found at a checkpoint that make the database busy. */
const BUSY_FRAMES = 1000

/**
 * Checkpoints the WAL on a timer, PASSIVE (never waits for readers or writers), so each copies
 * little: left to itself SQLite checkpoints inside the commit that crosses the WAL limit, which
 * stalled the event loop for up to a second at 5,000 key creates/s with a 40 MB limit. Under
 * proxied traffic alone (analytics and quota counters) a checkpoint a second copies a few hundred
 * pages in 2-5 ms; a burst of key writes brings the interval down to 250 ms.
 */
export class WalCheckpoints {
  private timer: NodeJS.Timeout | undefined
  private readonly statement: Statement<[], { busy: number, log: number, checkpointed: number }>

  constructor (private readonly db: Database, private readonly onError: (message: string) => void) {
    this.statement = db.prepare('PRAGMA wal_checkpoint(PASSIVE)')
    this.schedule(QUIET_INTERVAL_MS)
  }

  stop (): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private schedule (delayMs: number): void {
    this.timer = setTimeout(() => { this.checkpoint() }, delayMs)
    this.timer.unref()
  }

  private checkpoint (): void {
    if (!this.db.open) return
    let frames = 0
    try {
      frames = this.statement.get()?.log ?? 0
    } catch (err) {
      this.onError(`WAL checkpoint: ${String(err)}`)
    }
    if (this.timer !== undefined) this.schedule(frames > BUSY_FRAMES ? BUSY_INTERVAL_MS : QUIET_INTERVAL_MS)
  }
}
