import assert from 'node:assert/strict'
import { test } from 'node:test'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { aSession } from '../helpers/builders.js'
import { tempDir } from '../helpers/gatehouse.js'

const MIB = 1024 * 1024

test('the page cache is sized from the database (an eighth, 16000 KiB at least) and memory mapping is off', async (t) => {
  const dir = tempDir()
  t.after(() => { rmSync(dir, { recursive: true, force: true }) })
  const small = new SqliteStore({ path: dir })
  assert.equal(small.db.pragma('cache_size', { simple: true }), -16000)
  assert.equal(small.db.pragma('mmap_size', { simple: true }), 0)
  await small.close()

  // grow the file to ~144 MiB, then open it again
  const raw = new BetterSqlite3(join(dir, 'gatehouse.db'))
  raw.exec('CREATE TABLE filler (body BLOB)')
  raw.prepare('INSERT INTO filler (body) VALUES (zeroblob(?))').run(144 * MIB)
  raw.close()
  const large = new SqliteStore({ path: dir })
  t.after(async () => { await large.close() })
  const cacheKib = -(large.db.pragma('cache_size', { simple: true }) as number)
  assert.ok(cacheKib >= 18 * 1024 && cacheKib < 19 * 1024, `cache_size ${cacheKib} KiB for a ~144 MiB file`)
  assert.equal(large.db.pragma('mmap_size', { simple: true }), 0)
})

test('the parsed-key cache stays within its byte budget, and keys read past it are still right', async (t) => {
  const store = new SqliteStore({ path: ':memory:', cachedKeys: 1000, cachedKeyBytes: 10_000 })
  t.after(async () => { await store.close() })
  const padding = 'x'.repeat(1000)
  for (let i = 0; i < 30; i++) {
    await store.putKey(`k${i}`, { session: aSession({ org_id: 'acme', meta_data: { i, padding } }), tokenCheck: '' })
  }
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 30; i++) assert.equal(store.getKey(`k${i}`)?.session.meta_data.i, i)
  }
  const { keys, bytes } = store.cachedKeyStats
  assert.ok(bytes <= 10_000, `${bytes} bytes cached`)
  assert.ok(keys > 0 && keys < 30, `${keys} keys cached`)

  // a key larger than the whole budget is read but never cached
  await store.putKey('huge', { session: aSession({ org_id: 'acme', meta_data: { padding: 'y'.repeat(20_000) } }), tokenCheck: '' })
  assert.equal(store.getKey('huge')?.session.meta_data.padding, 'y'.repeat(20_000))
  assert.ok(store.cachedKeyStats.bytes <= 10_000)
})
