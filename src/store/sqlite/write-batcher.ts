/**
 * Group commit: writes queued in one event-loop turn run in one SQLite transaction, and each
 * caller's promise settles once that transaction has committed (and, with synchronous=FULL,
 * reached the disk). One fsync then serves many acknowledged writes.
 */
interface PendingWrite {
  readonly run: () => void
  readonly resolve: () => void
  readonly reject: (err: unknown) => void
}

export class WriteBatcher {
  private queue: PendingWrite[] = []
  private scheduled = false

  /** @param transaction runs `work` (`writes` of them) in one transaction */
  constructor (private readonly transaction: (work: () => void, writes: number) => void) {}

  enqueue (run: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ run, resolve, reject })
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(() => { this.flush() })
      }
    })
  }

  /** Runs everything queued now; also used at close so nothing acknowledged is left behind. */
  flush (): void {
    this.scheduled = false
    const batch = this.queue
    if (batch.length === 0) return
    this.queue = []
    try {
      this.transaction(() => { for (const write of batch) write.run() }, batch.length)
      for (const write of batch) write.resolve()
    } catch {
      // One bad write must not sink the others: retry each in its own transaction.
      for (const write of batch) {
        try {
          this.transaction(write.run, 1)
          write.resolve()
        } catch (err) {
          write.reject(err)
        }
      }
    }
  }
}
