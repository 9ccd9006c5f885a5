import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startTestGatehouse, tempDir } from '../helpers/gatehouse.js'
import { anApi, startEchoUpstream, writeJson } from '../helpers/upstream.js'
import BetterSqlite3 from 'better-sqlite3'
import { migrate } from '../../src/store/sqlite/migrations.js'
import { SqliteAnalytics } from '../../src/store/sqlite/sqlite-analytics.js'

test('every answered request is recorded, with Tyk\'s fields; records outlive their key', async (t) => {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'a.json', anApi({ api_id: 'a', org_id: 'acme', listen_path: '/a/', target: upstream.url, tags: ['edge'] }))
  writeJson(apps, 'quiet.json', anApi({ api_id: 'quiet', listen_path: '/quiet/', target: upstream.url, keyless: true, do_not_track: true }))
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => { await gh.close(); await upstream.close() })
  const created = (await gh.admin('POST', '/tyk/keys/create', { org_id: 'acme', alias: 'reporting', tags: ['gold'], rate: 2, per: 60, access_rights: { a: { api_id: 'a' } } })).json as { key: string, key_hash: string }
  const statuses: number[] = []
  const attempts: Array<Record<string, string>> = [{ authorization: created.key }, { authorization: created.key }, { authorization: created.key }, {}, { authorization: 'unknown-key' }]
  for (const headers of attempts) {
    statuses.push((await fetch(`${gh.url}/a/items?x=1`, { headers: { 'user-agent': 'analytics-test', ...headers } })).status)
  }
  assert.deepEqual(statuses, [200, 200, 429, 401, 403])
  await fetch(`${gh.url}/quiet/`)
  await fetch(`${gh.url}/no-such-api`)

  const byApi = (await gh.admin('GET', '/tyk/analytics?api_id=a')).json as { total: number, by_status: Record<string, number>, buckets: Array<{ total: number }> }
  assert.equal(byApi.total, 5)
  assert.deepEqual(byApi.by_status, { 200: 2, 401: 1, 403: 1, 429: 1 })
  assert.equal(byApi.buckets.reduce((sum, bucket) => sum + bucket.total, 0), 5)
  assert.equal(((await gh.admin('GET', '/tyk/analytics?api_id=quiet')).json as { total: number }).total, 0, 'do_not_track APIs are not recorded')

  await gh.admin('DELETE', `/tyk/keys/${created.key}`)
  const byKey = (await gh.admin('GET', `/tyk/analytics?key_hash=${created.key_hash}&resolution=day`)).json as { total: number, by_status: Record<string, number> }
  assert.deepEqual([byKey.total, byKey.by_status], [3, { 200: 2, 429: 1 }], 'kept after the key is deleted')
  assert.equal(((await gh.admin('GET', '/tyk/analytics?org_id=acme')).json as { total: number }).total, 5)

  const records = (await gh.admin('GET', `/tyk/analytics/records?key_hash=${created.key_hash}`)).json as { records: Array<Record<string, unknown>> }
  assert.deepEqual(records.records.map((r) => r.response_code), [200, 200, 429], 'every request of the key, oldest first')
  const record = records.records[0] ?? {}
  assert.equal(record.method, 'GET')
  assert.equal(record.path, '/items')
  assert.equal(record.user_agent, 'analytics-test')
  assert.equal(record.api_key, created.key_hash, 'the hash, never the raw key')
  assert.equal(record.api_version, 'Non Versioned')
  assert.equal(record.alias, 'reporting')
  assert.equal(record.org_id, 'acme')
  assert.deepEqual(record.tags, ['gold', 'edge', `key-${created.key_hash}`, 'org-acme', 'api-a'])
  assert.equal(JSON.stringify(record).includes(created.key), false)
})

test('many hand-offs merged into one stored batch keep every hit, its key, path and status exact', async (t) => {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'a.json', anApi({ api_id: 'a', org_id: 'acme', listen_path: '/a/', target: upstream.url }))
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => { await gh.close(); await upstream.close() })
  const keys: Array<{ key: string, key_hash: string }> = []
  for (const tag of ['k0', 'k1', 'k2']) {
    keys.push((await gh.admin('POST', '/tyk/keys/create', { org_id: 'acme', tags: [tag], access_rights: { a: { api_id: 'a' } } })).json as { key: string, key_hash: string })
  }
  // 900 requests: more than three hand-offs of 256 hits, each with its own string dictionary
  const expected = new Map<string, string[]>()
  for (let round = 0; round < 30; round++) {
    await Promise.all(Array.from({ length: 30 }, async (_, i) => {
      const key = keys[i % 3]
      if (key === undefined) return
      const path = `/p${round}-${i}`
      const res = await fetch(`${gh.url}/a${path}`, { headers: { authorization: i % 10 === 9 ? 'nobody-key' : key.key } })
      await res.arrayBuffer()
      if (i % 10 !== 9) expected.set(key.key_hash, [...(expected.get(key.key_hash) ?? []), path])
    }))
  }
  const total = (await gh.admin('GET', '/tyk/analytics?api_id=a')).json as { total: number, by_status: Record<string, number> }
  assert.deepEqual([total.total, total.by_status], [900, { 200: 810, 403: 90 }])
  for (const [index, key] of keys.entries()) {
    const records = (await gh.admin('GET', `/tyk/analytics/records?key_hash=${key.key_hash}&limit=1000`)).json as { records: Array<{ path: string, response_code: number, tags: string[], api_key: string }> }
    assert.deepEqual(records.records.map((record) => record.path).sort(), (expected.get(key.key_hash) ?? []).sort(), `every path of key ${index}`)
    assert.ok(records.records.every((record) => record.response_code === 200 && record.api_key === key.key_hash && record.tags[0] === `k${index}`))
    const counted = (await gh.admin('GET', `/tyk/analytics?key_hash=${key.key_hash}`)).json as { total: number }
    assert.equal(counted.total, records.records.length)
  }
})

test('/tyk/analytics refuses bad queries with a clear error', async (t) => {
  const gh = await startTestGatehouse()
  t.after(() => gh.close())
  for (const query of ['', '?api_id=a&org_id=b', '?api_id=a&from=yesterday', '?api_id=a&resolution=minute', '?api_id=a&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', '?api_id=a&from=0&to=2000000000']) {
    const res = await gh.admin('GET', `/tyk/analytics${query}`)
    assert.equal(res.status, 400, query)
    assert.equal((res.json as { message: string }).message, 'Request malformed')
  }
  for (const query of ['', '?api_id=a&limit=0', '?api_id=a&limit=10001', '?api_id=a&limit=ten', '?key_hash=k&api_id=a']) {
    const res = await gh.admin('GET', `/tyk/analytics/records${query}`)
    assert.equal(res.status, 400, query)
    assert.match((res.json as { detail: string }).detail, /limit|exactly one/, query)
  }
  assert.equal((await gh.admin('GET', '/tyk/analytics?api_id=a', undefined, { secret: 'wrong' })).status, 403)
})

test('records and counts written before analytics were batched are migrated, not lost', () => {
  const db = new BetterSqlite3(':memory:')
  migrate(db, 4)
  const old = db.prepare('INSERT INTO analytics (timestamp_ms, api_id, org_id, api_key, response_code, record) VALUES (?, ?, ?, ?, ?, ?)')
  const at = Date.parse('2026-03-01T10:15:00Z')
  for (const [offset, code] of [[0, 200], [1000, 200], [61_000, 429]] as const) {
    old.run(at + offset, 'a', 'acme', 'hash1', code, JSON.stringify({ method: 'GET', response_code: code, api_id: 'a', org_id: 'acme', api_key: 'hash1', timestamp: new Date(at + offset).toISOString() }))
  }
  migrate(db)
  const analytics = new SqliteAnalytics(db, { write: async () => {} })
  const summary = analytics.summarize({ field: 'api_key', value: 'hash1', fromMs: at - 3_600_000, toMs: at + 3_600_000, resolution: 'hour' })
  assert.deepEqual([summary.total, summary.by_status], [3, { 200: 2, 429: 1 }])
  const records = analytics.records({ field: 'org_id', value: 'acme', fromMs: at, toMs: at + 60_000, limit: 10 })
  assert.deepEqual(records.map((r) => r.response_code), [200, 200], 'the time range applies to each record')
  assert.equal((db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'analytics'").get() as { n: number }).n, 0, 'the old table is gone')
})
