import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { LocalCounters } from '../../src/store/sqlite/local-counters.js'
import { tempDir } from '../helpers/gatehouse.js'

test('quota counters: exact in memory, flushed to SQLite, reset by tombstones, back after a restart', async (t) => {
  const dir = tempDir()
  let nowMs = Date.parse('2026-06-01T00:00:00Z')
  const clock = (): number => nowMs
  const store = new SqliteStore({ path: dir })
  const counters = new LocalCounters(store.db, clock, 60_000) // no timer flush during the test
  t.after(async () => { await store.close() })

  for (let i = 0; i < 3; i++) counters.quota('quota-a', 5, 3600, nowMs)
  assert.deepEqual(counters.quota('quota-a', 5, 3600, nowMs), { kind: 'allow', remaining: 1, periodEndMs: nowMs + 3600_000 })
  counters.quota('quota-b', 5, 3600, nowMs)
  await counters.resetQuotas(['quota-b', 'quota-never-used'])
  assert.equal(counters.quotaState('quota-b', nowMs), undefined, 'a reset is visible at once')
  counters.flush()
  const rows = store.db.prepare('SELECT name, used FROM quota_counters ORDER BY name').all()
  assert.deepEqual(rows, [{ name: 'quota-a', used: 4 }], 'the reset reached SQLite with the flush')

  // a new process reads what was flushed
  const reopened = new LocalCounters(store.db, clock, 60_000)
  assert.equal(reopened.quotaState('quota-a', nowMs)?.used, 4)
  assert.deepEqual(reopened.quota('quota-a', 5, 3600, nowMs).kind, 'allow')
  assert.deepEqual(reopened.quota('quota-a', 5, 3600, nowMs).kind, 'block', 'the sixth request of five')
  nowMs += 3600_000
  assert.deepEqual(reopened.quota('quota-a', 5, 3600, nowMs), { kind: 'allow', remaining: 4, periodEndMs: nowMs + 3600_000 }, 'a new period after renewal')
  await reopened.close()
  await counters.close()
})

test('rate buckets: floor(rate) per window from the first request; dry runs take nothing', async () => {
  const store = new SqliteStore({ path: tempDir() })
  const counters = new LocalCounters(store.db, Date.now, 60_000)
  const now = 1_000_000
  assert.equal(counters.rate('r', 2, 10, now, true).kind, 'allow')
  assert.equal(counters.rate('r', 2, 10, now, false).kind, 'allow')
  assert.equal(counters.rate('r', 2, 10, now + 1, false).kind, 'allow')
  assert.equal(counters.rate('r', 2, 10, now + 2, false).kind, 'block')
  assert.equal(counters.rate('r', 2, 10, now + 10_001, false).kind, 'allow', 'the window refilled')
  assert.equal(counters.rate('half', 0.5, 1, now, false).kind, 'allow', 'a rate below 1 still allows one')
  await counters.close()
  await store.close()
})

test('issue 15: rate buckets are dropped by a reset, and idle ones are evicted even when no quota is counted', async (t) => {
  const store = new SqliteStore({ path: tempDir() })
  let nowMs = Date.parse('2026-06-01T00:00:00Z')
  const counters = new LocalCounters(store.db, () => nowMs, 5) // the timer runs every 5 ms
  t.after(async () => { await counters.close(); await store.close() })
  assert.equal(counters.rate('rate-limit-k:1', 1, 60, nowMs, false).kind, 'allow')
  assert.equal(counters.rate('rate-limit-k:1', 1, 60, nowMs, false).kind, 'block')
  await counters.resetRates(['rate-limit-k:1', 'rate-limit-never-used:1'])
  assert.equal(counters.rate('rate-limit-k:1', 1, 60, nowMs, false).kind, 'allow', 'a fresh window after the reset')
  counters.rate('rate-limit-other:1', 1, 60, nowMs, false)
  assert.equal(counters.rateBucketCount, 2)
  // both windows end in a minute; ten minutes after that they are of no use to anyone
  nowMs += 60_000 + 10 * 60_000 + 1
  const deadline = Date.now() + 5000
  while (counters.rateBucketCount > 0 && Date.now() < deadline) await sleep(2)
  assert.equal(counters.rateBucketCount, 0, 'evicted by the timer, with no quota traffic at all')
})

test('issue 16: memory stays bounded over many keys: buckets go once their window ends, quota entries past 50,000 once flushed', async (t) => {
  const store = new SqliteStore({ path: tempDir() })
  let nowMs = Date.parse('2026-06-01T00:00:00Z')
  const counters = new LocalCounters(store.db, () => nowMs, 5) // the timer runs every 5 ms
  t.after(async () => { await counters.close(); await store.close() })
  counters.rate('rate-limit-a:1', 1, 1, nowMs, false)
  assert.equal(counters.quota('quota-counted', 10, 3600, nowMs).kind, 'allow')
  for (let i = 0; i < 60_000; i++) counters.quotaState(`quota-unused-${i}`, nowMs)
  assert.ok(counters.quotaEntryCount > 60_000)
  // the one-second window ended (and a sweep is due): the bucket is worth no more than a fresh one
  nowMs += 5_001
  const deadline = Date.now() + 5000
  while ((counters.rateBucketCount > 0 || counters.quotaEntryCount > 50_000) && Date.now() < deadline) await sleep(2)
  assert.equal(counters.rateBucketCount, 0)
  assert.ok(counters.quotaEntryCount <= 50_000, `${counters.quotaEntryCount} quota entries`)
  // the counted quota was flushed before it was dropped: it reads back from SQLite
  assert.equal(counters.quotaState('quota-counted', nowMs)?.used, 1)
})
