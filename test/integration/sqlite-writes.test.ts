import assert from 'node:assert/strict'
import { test } from 'node:test'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { HitBatch, type HitValues } from '../../src/analytics/hit-batch.js'
import { SqliteAnalytics } from '../../src/store/sqlite/sqlite-analytics.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { aSession } from '../helpers/builders.js'
import { tempDir } from '../helpers/gatehouse.js'

const MINUTE_MS = 60_000
const DAY_MS = 86_400_000

function hitOf (i: number, nowMs: number, retentionMs: number): HitValues {
  return {
    nowMs,
    status: i % 7 === 0 ? 429 : 200,
    totalMs: 1,
    upstreamMs: 0.5,
    method: 'GET',
    rawPath: `/p${i}`,
    host: 'example.test',
    userAgent: 'test',
    contentLength: -1,
    clientIp: '127.0.0.1',
    apiKey: `key${i % 5}`,
    apiId: 'a',
    orgId: 'acme',
    apiName: 'A',
    apiVersion: 'Default',
    alias: '',
    oauthId: '',
    keyTags: [],
    apiTags: [],
    expireAtMs: nowMs + retentionMs
  }
}

test('the analytics writer stores each hand-off as one compressed row per retention, counts exact across hand-offs; close writes what is buffered', async (t) => {
  const dir = tempDir()
  const store = new SqliteStore({ path: dir })
  t.after(() => store.close())
  const writer = store.analyticsWriter
  assert.ok(writer !== undefined)
  const startMs = Date.now() - 10 * MINUTE_MS
  // three full hand-offs (12,288 hits) in one turn, each with its own dictionary and two retentions
  const written: Array<Promise<void>> = []
  for (let part = 0; part < 3; part++) {
    const batch = new HitBatch(4096)
    for (let j = 0; j < 4096; j++) {
      const i = part * 4096 + j
      batch.add(hitOf(i, startMs + i * 10, i % 2 === 0 ? DAY_MS : 2 * DAY_MS))
    }
    written.push(writer.write(batch.columns()))
  }
  await writer.close()
  await Promise.all(written)
  const db = new BetterSqlite3(`${dir}/gatehouse.db`, { readonly: true })
  t.after(() => db.close())
  const rows = db.prepare('SELECT count, expires_ms AS expiresMs, last_ms AS lastMs, body FROM analytics_batches').all() as Array<{ count: number, expiresMs: number, lastMs: number, body: Buffer }>
  assert.equal(rows.reduce((sum, row) => sum + row.count, 0), 3 * 4096)
  assert.equal(rows.length, 6, 'one row per hand-off and retention')
  const storedBytes = rows.reduce((sum, row) => sum + row.body.length, 0)
  assert.ok(storedBytes < 3 * 4096 * 40, `compressed: ${storedBytes / (3 * 4096)} bytes a hit (98 uncompressed)`)
  assert.ok(rows.every((row) => [DAY_MS, 2 * DAY_MS].some((retention) => Math.abs(row.expiresMs - row.lastMs - retention) <= 1)), 'each row expires with its newest hit')

  const analytics = new SqliteAnalytics(store.db, writer)
  const range = { fromMs: startMs - MINUTE_MS, toMs: Date.now() + MINUTE_MS }
  const summary = analytics.summarize({ field: 'api_id', value: 'a', ...range, resolution: 'hour' })
  const refused = Math.ceil(3 * 4096 / 7)
  assert.deepEqual([summary.total, summary.by_status], [3 * 4096, { 200: 3 * 4096 - refused, 429: refused }])
  const ofKey3 = analytics.records({ field: 'api_key', value: 'key3', ...range, limit: 10_000 })
  const expectedPaths = Array.from({ length: 3 * 4096 }, (_, i) => i).filter((i) => i % 5 === 3).map((i) => `/p${i}`)
  assert.deepEqual(ofKey3.map((record) => record.path).sort(), expectedPaths.sort())
  assert.equal(analytics.summarize({ field: 'api_key', value: 'key3', ...range, resolution: 'day' }).total, expectedPaths.length)
})

test('the WAL is checkpointed into the database file soon after a burst of key writes, not left to grow', async (t) => {
  const dir = tempDir()
  const store = new SqliteStore({ path: dir })
  t.after(() => store.close())
  const sizeOf = (file: string): number => existsSync(file) ? statSync(file).size : 0
  const dbFile = join(dir, 'gatehouse.db')
  const before = sizeOf(dbFile)
  await Promise.all(Array.from({ length: 600 }, async (_, i) => { await store.putKey(`burst-${i}`, { session: aSession({ alias: `a${i}`, tags: ['burst'] }), tokenCheck: '' }) }))
  assert.ok(sizeOf(join(dir, 'gatehouse.db-wal')) > 100_000, 'the writes are in the WAL first')
  const deadline = Date.now() + 2000
  while (sizeOf(dbFile) <= before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
  assert.ok(sizeOf(dbFile) > before + 100_000, `pages copied into the database file: ${before} -> ${sizeOf(dbFile)} bytes`)
})
