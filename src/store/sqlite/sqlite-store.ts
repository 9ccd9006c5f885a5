import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3'
import type { Policy } from '../../model/policy.js'
import type { Session } from '../../model/session.js'
import { policyIdsOf } from '../../core/policy-merge.js'
import type { KeyIndex, Store, StoredKey } from '../ports.js'
import { AnalyticsPurge } from './analytics-purge.js'
import { AnalyticsWriter } from './analytics-writer.js'
import { sizeCaches } from './cache-sizing.js'
import { migrate } from './migrations.js'
import { WalCheckpoints } from './wal-checkpoints.js'
import { WriteBatcher } from './write-batcher.js'

export interface SqliteStoreOptions {
  /** Folder holding gatehouse.db; created if missing. ':memory:' for a throwaway database. */
  readonly path: string
  /** Parsed keys kept in memory (0 turns the cache off). */
  readonly cachedKeys?: number
  /** ...and at most about this many bytes of them (estimated from the stored JSON). */
  readonly cachedKeyBytes?: number
  /** Told when a WAL checkpoint or an analytics purge fails. */
  readonly onHousekeepingError?: (message: string) => void
}

/**
 * Heap a parsed key takes beyond its JSON's length: a parsed session took about its JSON's
 * length (measured with --expose-gc over 20k 1 KB sessions: 963 bytes each; JSON.parse shares
 * property names and empty strings), plus the token check (64 chars) and the wrapper objects.
 */
const PARSED_KEY_OVERHEAD_BYTES = 200
/** Writes between two re-sizings of SQLite's page cache as the database grows. */
const RESIZE_EVERY_WRITES = 10_000

/** The embedded store: one SQLite file in WAL mode, writes group-committed with a full sync. */
export class SqliteStore implements Store {
  readonly db: Database
  private readonly batcher: WriteBatcher
  /**
   * Parsed keys by id, most recent last. This process is the only writer of its database, so
   * updating the entry on every write keeps it exact; a read hit skips SQL and JSON.parse.
   */
  private readonly cache = new Map<string, { readonly key: StoredKey, readonly bytes: number }>()
  private readonly cachedKeys: number
  private readonly cachedKeyBytes: number
  private cacheBytes = 0
  private writesSinceResize = 0
  /** Stores analytics through a second connection (synchronous=NORMAL); absent for ':memory:'. */
  readonly analyticsWriter: AnalyticsWriter | undefined
  private readonly housekeeping: { readonly db: Database, readonly purge: AnalyticsPurge, readonly checkpoints: WalCheckpoints } | undefined
  private readonly statements: {
    readonly get: Statement<[string], { session: string, token_check: string }>
    readonly upsert: Statement<[string, string, string, number, string, string, number, number]>
    readonly delete: Statement<[string]>
    readonly deletePolicies: Statement<[string]>
    readonly deleteTags: Statement<[string]>
    readonly insertPolicy: Statement<[string, string]>
    readonly insertTag: Statement<[string, string]>
    readonly deleteApis: Statement<[string]>
    readonly insertApi: Statement<[string, string]>
    readonly idsAfter: Record<Exclude<KeyIndex['by'], 'expires_before'>, Statement<[string, string, number], { id: string }>>
    readonly idsExpiringAfter: Statement<[number, string, number], { id: string }>
    readonly listAll: Statement<[], { id: string }>
    readonly listRange: Statement<[string, string], { id: string }>
    readonly listPolicies: Statement<[], { policy: string }>
    readonly putPolicy: Statement<[string, string, string]>
    readonly deletePolicy: Statement<[string]>
    readonly getOrg: Statement<[string], { session: string }>
    readonly putOrg: Statement<[string, string]>
    readonly deleteOrg: Statement<[string]>
    readonly listOrgs: Statement<[string, string], { id: string }>
  }

  constructor (options: SqliteStoreOptions) {
    this.cachedKeys = options.cachedKeys ?? 50_000
    // The session resolver above keeps its own cache of effective sessions: this one mostly
    // serves management reads and resolver misses. Without a byte bound, 50k keys with large
    // meta_data or many access_rights could hold hundreds of MB.
    this.cachedKeyBytes = options.cachedKeyBytes ?? 16 * 1024 * 1024
    const file = options.path === ':memory:' ? ':memory:' : join(options.path, 'gatehouse.db')
    if (file !== ':memory:') mkdirSync(options.path, { recursive: true })
    this.db = new BetterSqlite3(file)
    this.db.pragma('journal_mode = WAL')
    // FULL: an acknowledged write survives power loss too, not only a process crash.
    // Group commit (WriteBatcher) keeps the number of fsyncs low.
    this.db.pragma('synchronous = FULL')
    this.db.pragma('busy_timeout = 5000')
    migrate(this.db)
    sizeCaches(this.db)
    if (file !== ':memory:') {
      // Checkpoints run on a timer (WalCheckpoints); the commit-time one is only a
      // safety valve now, at ~200 MB of WAL.
      this.db.pragma('wal_autocheckpoint = 50000')
      const onError = options.onHousekeepingError ?? (() => {})
      // analytics may lose their last moments to a power cut (never to a crash), so their
      // commits skip the fsync that keys pay for
      const db = new BetterSqlite3(file)
      db.pragma('busy_timeout = 5000')
      db.pragma('synchronous = NORMAL')
      db.pragma('wal_autocheckpoint = 0')
      this.analyticsWriter = new AnalyticsWriter(db)
      this.housekeeping = { db, purge: new AnalyticsPurge(db, onError), checkpoints: new WalCheckpoints(db, onError) }
    }
    this.statements = {
      get: this.db.prepare('SELECT session, token_check FROM keys WHERE id = ?'),
      upsert: this.db.prepare(`INSERT INTO keys (id, org_id, alias, expires, session, token_check, is_inactive, open_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET org_id = excluded.org_id, alias = excluded.alias,
        expires = excluded.expires, session = excluded.session, token_check = excluded.token_check,
        is_inactive = excluded.is_inactive, open_key = excluded.open_key`),
      delete: this.db.prepare('DELETE FROM keys WHERE id = ?'),
      deletePolicies: this.db.prepare('DELETE FROM key_policies WHERE key_id = ?'),
      deleteTags: this.db.prepare('DELETE FROM key_tags WHERE key_id = ?'),
      insertPolicy: this.db.prepare('INSERT OR IGNORE INTO key_policies (policy_id, key_id) VALUES (?, ?)'),
      insertTag: this.db.prepare('INSERT OR IGNORE INTO key_tags (tag, key_id) VALUES (?, ?)'),
      deleteApis: this.db.prepare('DELETE FROM key_apis WHERE key_id = ?'),
      insertApi: this.db.prepare('INSERT OR IGNORE INTO key_apis (api_id, key_id) VALUES (?, ?)'),
      // each walks one index in id order; the first parameter is the index value ('' when none)
      idsAfter: {
        all: this.db.prepare("SELECT id FROM keys WHERE ? = '' AND id > ? ORDER BY id LIMIT ?"),
        org: this.db.prepare('SELECT id FROM keys WHERE org_id = ? AND id > ? ORDER BY id LIMIT ?'),
        alias: this.db.prepare('SELECT id FROM keys WHERE alias = ? AND id > ? ORDER BY id LIMIT ?'),
        policy: this.db.prepare('SELECT key_id AS id FROM key_policies WHERE policy_id = ? AND key_id > ? ORDER BY key_id LIMIT ?'),
        tag: this.db.prepare('SELECT key_id AS id FROM key_tags WHERE tag = ? AND key_id > ? ORDER BY key_id LIMIT ?'),
        api: this.db.prepare('SELECT key_id AS id FROM key_apis WHERE api_id = ? AND key_id > ? ORDER BY key_id LIMIT ?'),
        inactive: this.db.prepare("SELECT id FROM keys WHERE ? = '' AND is_inactive = 1 AND id > ? ORDER BY id LIMIT ?"),
        open: this.db.prepare("SELECT id FROM keys WHERE ? = '' AND open_key = 1 AND id > ? ORDER BY id LIMIT ?")
      },
      idsExpiringAfter: this.db.prepare('SELECT id FROM keys WHERE expires > 0 AND expires < ? AND id > ? ORDER BY id LIMIT ?'),
      listAll: this.db.prepare('SELECT id FROM keys ORDER BY id'),
      // prefix match as a range, so the primary key index serves it
      listRange: this.db.prepare('SELECT id FROM keys WHERE id >= ? AND id < ? ORDER BY id'),
      listPolicies: this.db.prepare('SELECT policy FROM policies ORDER BY id'),
      putPolicy: this.db.prepare('INSERT INTO policies (id, org_id, policy) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET org_id = excluded.org_id, policy = excluded.policy'),
      deletePolicy: this.db.prepare('DELETE FROM policies WHERE id = ?'),
      getOrg: this.db.prepare('SELECT session FROM orgs WHERE id = ?'),
      putOrg: this.db.prepare('INSERT INTO orgs (id, session) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET session = excluded.session'),
      deleteOrg: this.db.prepare('DELETE FROM orgs WHERE id = ?'),
      listOrgs: this.db.prepare('SELECT id FROM orgs WHERE id >= ? AND id < ? ORDER BY id')
    }
    const runInTransaction = this.db.transaction((work: () => void) => { work() })
    this.batcher = new WriteBatcher((work, writes) => {
      runInTransaction(work)
      this.housekeeping?.checkpoints.noteWrites(writes)
      this.writesSinceResize += writes
      if (this.writesSinceResize >= RESIZE_EVERY_WRITES) {
        this.writesSinceResize = 0
        sizeCaches(this.db)
      }
    })
  }

  getKey (id: string): StoredKey | undefined {
    const cached = this.cache.get(id)
    if (cached !== undefined) return cached.key
    const row = this.statements.get.get(id)
    if (row === undefined) return undefined
    // Only the top level is frozen: walking ~100 nested nodes per miss cost as much as the SQL.
    // Readers never change a stored key (they copy, or merge into a clone).
    const key: StoredKey = Object.freeze({ session: Object.freeze(JSON.parse(row.session) as Session), tokenCheck: row.token_check })
    this.remember(id, key, row.session.length + PARSED_KEY_OVERHEAD_BYTES)
    return key
  }

  /** Parsed keys held now and their estimated bytes (for tests and diagnostics). */
  get cachedKeyStats (): { readonly keys: number, readonly bytes: number } {
    return { keys: this.cache.size, bytes: this.cacheBytes }
  }

  private remember (id: string, key: StoredKey, bytes: number): void {
    if (this.cachedKeys === 0 || bytes > this.cachedKeyBytes) return
    while (this.cache.size >= this.cachedKeys || this.cacheBytes + bytes > this.cachedKeyBytes) {
      const oldest = this.cache.keys().next()
      if (oldest.done === true) break
      this.forget(oldest.value)
    }
    this.cache.set(id, { key, bytes })
    this.cacheBytes += bytes
  }

  private forget (id: string): void {
    const entry = this.cache.get(id)
    if (entry === undefined) return
    this.cache.delete(id)
    this.cacheBytes -= entry.bytes
  }

  putKey (id: string, key: StoredKey): Promise<void> {
    const { session } = key
    const json = JSON.stringify(session)
    return this.batcher.enqueue(() => {
      this.forget(id) // the next read parses what was committed
      const s = this.statements
      const policyIds = policyIdsOf(session)
      const apiIds = Object.keys(session.access_rights ?? {})
      const open = policyIds.length === 0 && apiIds.length === 0
      s.upsert.run(id, session.org_id, session.alias, session.expires, json, key.tokenCheck, session.is_inactive ? 1 : 0, open ? 1 : 0)
      s.deletePolicies.run(id)
      s.deleteTags.run(id)
      s.deleteApis.run(id)
      for (const policyId of policyIds) s.insertPolicy.run(policyId, id)
      for (const tag of session.tags) s.insertTag.run(tag, id)
      for (const apiId of apiIds) s.insertApi.run(apiId, id)
    })
  }

  async deleteSession (id: string): Promise<boolean> {
    let deleted = false
    await this.batcher.enqueue(() => {
      this.forget(id)
      deleted = this.statements.delete.run(id).changes > 0
      this.statements.deletePolicies.run(id)
      this.statements.deleteTags.run(id)
      this.statements.deleteApis.run(id)
    })
    return deleted
  }

  listSessionIds (prefix: string): string[] {
    const rows = prefix === ''
      ? this.statements.listAll.all()
      : this.statements.listRange.all(prefix, prefix + '\u{10FFFF}')
    return rows.map((row) => row.id)
  }

  keyIdsAfter (index: KeyIndex, after: string, limit: number): string[] {
    const rows = index.by === 'expires_before'
      ? this.statements.idsExpiringAfter.all(index.value, after, limit)
      : this.statements.idsAfter[index.by].all('value' in index ? index.value : '', after, limit)
    return rows.map((row) => row.id)
  }

  listPolicies (): Policy[] {
    return this.statements.listPolicies.all().map((row) => JSON.parse(row.policy) as Policy)
  }

  putPolicy (policy: Policy): Promise<void> {
    const json = JSON.stringify(policy)
    return this.batcher.enqueue(() => { this.statements.putPolicy.run(policy.id, policy.org_id, json) })
  }

  async deletePolicy (id: string): Promise<boolean> {
    let deleted = false
    await this.batcher.enqueue(() => { deleted = this.statements.deletePolicy.run(id).changes > 0 })
    return deleted
  }

  getOrgSession (orgId: string): Session | undefined {
    const row = this.statements.getOrg.get(orgId)
    return row === undefined ? undefined : JSON.parse(row.session) as Session
  }

  putOrgSession (orgId: string, session: Session): Promise<void> {
    const json = JSON.stringify(session)
    return this.batcher.enqueue(() => { this.statements.putOrg.run(orgId, json) })
  }

  async deleteOrgSession (orgId: string): Promise<boolean> {
    let deleted = false
    await this.batcher.enqueue(() => { deleted = this.statements.deleteOrg.run(orgId).changes > 0 })
    return deleted
  }

  listOrgIds (prefix: string): string[] {
    return this.statements.listOrgs.all(prefix, prefix + '\u{10FFFF}').map((row) => row.id)
  }

  async close (): Promise<void> {
    this.batcher.flush()
    await this.analyticsWriter?.close()
    if (this.housekeeping !== undefined) {
      this.housekeeping.purge.stop()
      this.housekeeping.checkpoints.stop()
      this.housekeeping.db.close()
    }
    this.db.close()
  }
}
