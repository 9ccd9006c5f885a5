import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import BetterSqlite3 from 'better-sqlite3'
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/gatehouse.js'
import { anApi, startEchoUpstream, writeJson } from '../helpers/upstream.js'
import { EXPIRE_AT_NUMBER, KEPT_FOR_GOOD_MS, NUMBERS_PER_HIT } from '../../src/model/analytics-record.js'
import { columnsOfBlob } from '../../src/store/sqlite/hit-blob.js'

interface StoredRecord { timestamp: string, expireAt: string, api_id: string }

async function recordsOf (gh: TestGatehouse, apiId: string): Promise<StoredRecord[]> {
  const res = await gh.admin('GET', `/tyk/analytics/records?api_id=${apiId}&limit=1000`)
  assert.equal(res.status, 200, res.text)
  return (res.json as { records: StoredRecord[] }).records
}

async function totalOf (gh: TestGatehouse, apiId: string): Promise<number> {
  return ((await gh.admin('GET', `/tyk/analytics?api_id=${apiId}`)).json as { total: number }).total
}

/** How long each record is kept: its expireAt minus its timestamp, in ms. */
function retentionsOf (records: readonly StoredRecord[]): number[] {
  return records.map((record) => Date.parse(record.expireAt) - Date.parse(record.timestamp))
}

function rowsIn (dataDir: string): { batches: number, expiredBatches: number, counts: number, expiredCounts: number } {
  const db = new BetterSqlite3(join(dataDir, 'gatehouse.db'), { readonly: true })
  try {
    const now = Date.now()
    const count = (sql: string, ...params: number[]): number => (db.prepare(sql).get(...params) as { n: number }).n
    return {
      batches: count('SELECT COUNT(*) AS n FROM analytics_batches'),
      expiredBatches: count('SELECT COUNT(*) AS n FROM analytics_batches WHERE expires_ms <= ?', now),
      counts: count('SELECT COUNT(*) AS n FROM analytics_counts'),
      expiredCounts: count('SELECT COUNT(*) AS n FROM analytics_counts WHERE expires_ms <= ?', now)
    }
  } finally {
    db.close()
  }
}

test('expire_analytics_after: records carry Tyk\'s expireAt, leave the queries once it passes, and are deleted from the store', async (t) => {
  const upstream = await startEchoUpstream()
  const dir = tempDir()
  const apps = join(dir, 'apps')
  const dataDir = join(dir, 'data')
  writeJson(apps, 'short.json', anApi({ api_id: 'short', listen_path: '/short/', target: upstream.url, keyless: true, expire_analytics_after: 1 }))
  writeJson(apps, 'kept.json', anApi({ api_id: 'kept', listen_path: '/kept/', target: upstream.url, keyless: true }))
  t.after(async () => { await upstream.close() })

  let gh = await startTestGatehouse({ app_path: apps }, { dataDir })
  for (const path of ['/short/a', '/short/b', '/kept/a', '/kept/b']) assert.equal((await fetch(`${gh.url}${path}`)).status, 200)
  assert.deepEqual(retentionsOf(await recordsOf(gh, 'short')), [1000, 1000], 'recording time + expire_analytics_after seconds')
  assert.deepEqual(retentionsOf(await recordsOf(gh, 'kept')), [KEPT_FOR_GOOD_MS, KEPT_FOR_GOOD_MS], '0 keeps them for good: Tyk\'s 100 years')
  assert.equal(await totalOf(gh, 'short'), 2)

  await sleep(1100)
  assert.deepEqual(await recordsOf(gh, 'short'), [], 'expired records are no longer returned')
  assert.equal(await totalOf(gh, 'short'), 0, 'nor counted')
  assert.equal((await recordsOf(gh, 'kept')).length, 2)
  assert.equal(await totalOf(gh, 'kept'), 2)
  await gh.close()

  const before = rowsIn(dataDir)
  assert.ok(before.expiredBatches >= 1 && before.expiredCounts >= 1, `expired rows wait for the purge: ${JSON.stringify(before)}`)
  // the writer purges at start (and every minute)
  gh = await startTestGatehouse({ app_path: apps }, { dataDir })
  t.after(async () => { await gh.close() })
  let after = rowsIn(dataDir)
  for (let i = 0; i < 50 && (after.expiredBatches > 0 || after.expiredCounts > 0); i++) {
    await sleep(100)
    after = rowsIn(dataDir)
  }
  assert.deepEqual({ expiredBatches: after.expiredBatches, expiredCounts: after.expiredCounts }, { expiredBatches: 0, expiredCounts: 0 }, 'expired rows are deleted')
  assert.ok(after.batches >= 1 && after.counts >= 1, 'rows kept for good stay')
  assert.equal((await recordsOf(gh, 'kept')).length, 2)
})

test('enforce_org_data_age: the org\'s data_expires overrides the API\'s retention, live; an org without a session keeps 7 days', async (t) => {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  for (const org of ['acme', 'zero', 'nosession']) {
    writeJson(apps, `${org}.json`, anApi({ api_id: org, org_id: org, listen_path: `/${org}/`, target: upstream.url, keyless: true, expire_analytics_after: 100 }))
  }
  const gh = await startTestGatehouse({ app_path: apps, enforce_org_data_age: true })
  t.after(async () => { await gh.close(); await upstream.close() })
  assert.equal((await gh.admin('POST', '/tyk/org/keys/acme', { org_id: 'acme', data_expires: 3600 })).status, 200)
  assert.equal((await gh.admin('POST', '/tyk/org/keys/zero', { org_id: 'zero', data_expires: 0 })).status, 200)

  for (const org of ['acme', 'zero', 'nosession']) assert.equal((await fetch(`${gh.url}/${org}/x`)).status, 200)
  assert.deepEqual(retentionsOf(await recordsOf(gh, 'acme')), [3_600_000])
  assert.deepEqual(retentionsOf(await recordsOf(gh, 'zero')), [100_000], 'data_expires 0: the API\'s expire_analytics_after')
  assert.deepEqual(retentionsOf(await recordsOf(gh, 'nosession')), [604_800_000], 'no org session: 7 days, as Tyk')

  assert.equal((await gh.admin('PUT', '/tyk/org/keys/acme', { org_id: 'acme', data_expires: 60 })).status, 200)
  assert.equal((await fetch(`${gh.url}/acme/y`)).status, 200)
  assert.deepEqual(retentionsOf(await recordsOf(gh, 'acme')), [3_600_000, 60_000], 'an org change applies to the next request')
})

test('without enforce_org_data_age the org\'s data_expires is ignored', async (t) => {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'acme.json', anApi({ api_id: 'acme', org_id: 'acme', listen_path: '/acme/', target: upstream.url, keyless: true, expire_analytics_after: 100 }))
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => { await gh.close(); await upstream.close() })
  await gh.admin('POST', '/tyk/org/keys/acme', { org_id: 'acme', data_expires: 3600 })
  assert.equal((await fetch(`${gh.url}/acme/x`)).status, 200)
  assert.deepEqual(retentionsOf(await recordsOf(gh, 'acme')), [100_000])
})

test('column batches stored before retention (4 numbers a hit) read back as kept for good', () => {
  const header = Buffer.from(JSON.stringify({ count: 2, strings: ['GET'], lists: [[]] }))
  const numbersAt = Math.ceil((4 + header.length) / 8) * 8
  const numbers = new Float64Array([1000, 5, 2, -1, 2000, 6, 3, 10])
  const statusAt = numbersAt + numbers.byteLength
  const refsAt = Math.ceil((statusAt + 4) / 4) * 4
  const body = Buffer.alloc(refsAt + 2 * 14 * 4)
  body.writeUInt32LE(header.length, 0)
  header.copy(body, 4)
  Buffer.from(numbers.buffer).copy(body, numbersAt)
  Buffer.from(new Uint16Array([200, 404]).buffer).copy(body, statusAt)
  const columns = columnsOfBlob(body)
  assert.deepEqual([...columns.status], [200, 404])
  assert.deepEqual([...columns.numbers], [1000, 5, 2, -1, 1000 + KEPT_FOR_GOOD_MS, 2000, 6, 3, 10, 2000 + KEPT_FOR_GOOD_MS])
  assert.equal(columns.numbers[NUMBERS_PER_HIT + EXPIRE_AT_NUMBER], 2000 + KEPT_FOR_GOOD_MS)
})
