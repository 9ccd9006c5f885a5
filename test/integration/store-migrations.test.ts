import { test } from 'node:test'
import assert from 'node:assert/strict'
import BetterSqlite3 from 'better-sqlite3'
import { migrate } from '../../src/store/sqlite/migrations.js'

test('keys stored before key search get its index rows on upgrade', () => {
  const db = new BetterSqlite3(':memory:')
  migrate(db, 5)
  const insert = db.prepare('INSERT INTO keys (id, org_id, alias, expires, session, token_check) VALUES (?, ?, ?, ?, ?, ?)')
  insert.run('withRights', 'acme', '', 0, JSON.stringify({ is_inactive: true, access_rights: { a1: {}, a2: {} } }), '')
  insert.run('withPolicy', 'acme', '', 0, JSON.stringify({ is_inactive: false, access_rights: {} }), '')
  db.prepare('INSERT INTO key_policies (policy_id, key_id) VALUES (?, ?)').run('gold', 'withPolicy')
  insert.run('open', 'acme', '', 0, JSON.stringify({ access_rights: null }), '')
  migrate(db)
  assert.deepEqual(db.prepare('SELECT api_id, key_id FROM key_apis ORDER BY api_id').all(), [{ api_id: 'a1', key_id: 'withRights' }, { api_id: 'a2', key_id: 'withRights' }])
  assert.deepEqual(db.prepare('SELECT id, is_inactive, open_key FROM keys ORDER BY id').all(), [
    { id: 'open', is_inactive: 0, open_key: 1 },
    { id: 'withPolicy', is_inactive: 0, open_key: 0 },
    { id: 'withRights', is_inactive: 1, open_key: 0 }
  ])
})
