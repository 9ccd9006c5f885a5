import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

/**
 * Runs SQLite's WAL checkpoints on a worker thread with its own connection. Left to itself,
 * SQLite checkpoints inside the commit that crosses the WAL limit, on the event loop, stalling
 * every request for the time it takes to copy and sync the pages (seen: p99 of key creation at
 * 350 ms). PASSIVE checkpoints never block writers or readers.
 */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.file)
db.pragma('busy_timeout = 1000')
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)') } catch (err) { parentPort.postMessage(String(err)) }
}, workerData.intervalMs)
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close() })
`

export class Checkpointer {
  private readonly worker: Worker
  private readonly exited: Promise<void>

  constructor (file: string, intervalMs: number, onError: (message: string) => void) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3')
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs } })
    this.worker.on('message', (message: string) => { onError(message) })
    this.worker.on('error', (err) => { onError(err.message) })
    this.exited = new Promise<void>((resolve) => this.worker.once('exit', () => { resolve() }))
    this.worker.unref()
  }

  /** Stops the worker; safe to call again, and after the worker has died. */
  async close (): Promise<void> {
    this.worker.ref() // an unref'ed worker would let the event loop end before it has stopped
    this.worker.postMessage('stop')
    await this.exited
  }
}
