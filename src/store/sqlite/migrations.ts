import type { Database } from 'better-sqlite3'
import { KEPT_FOR_GOOD_MS } from '../../model/analytics-record.js'

/**
 * Versioned schema changes, applied in order at start. PRAGMA user_version records how many
 * ran. Never edit a shipped step: add a new one.
 */
const MIGRATIONS: readonly string[] = [
  // keys is a rowid table: its rows (~1 KB of session JSON) are too big for WITHOUT ROWID,
  // which made point reads 4x slower (measured: 23 us vs 5.5 us).
  `CREATE TABLE keys (
     id TEXT NOT NULL UNIQUE,
     org_id TEXT NOT NULL,
     alias TEXT NOT NULL,
     expires INTEGER NOT NULL,
     session TEXT NOT NULL,
     token_check TEXT NOT NULL
   );
   CREATE INDEX keys_by_org ON keys (org_id, id);
   CREATE INDEX keys_by_alias ON keys (alias) WHERE alias <> '';
   CREATE TABLE key_policies (
     policy_id TEXT NOT NULL,
     key_id TEXT NOT NULL,
     PRIMARY KEY (policy_id, key_id)
   ) WITHOUT ROWID;
   CREATE INDEX key_policies_by_key ON key_policies (key_id);
   CREATE TABLE key_tags (
     tag TEXT NOT NULL,
     key_id TEXT NOT NULL,
     PRIMARY KEY (tag, key_id)
   ) WITHOUT ROWID;
   CREATE INDEX key_tags_by_key ON key_tags (key_id);`,
  // Policies written through the API when no policy_path folder is configured, and org sessions.
  `CREATE TABLE policies (
     id TEXT PRIMARY KEY,
     org_id TEXT NOT NULL,
     policy TEXT NOT NULL
   );
   CREATE TABLE orgs (
     id TEXT PRIMARY KEY,
     session TEXT NOT NULL
   );`,
  // Quota counters, flushed from memory about once a second.
  `CREATE TABLE quota_counters (
     name TEXT PRIMARY KEY,
     used INTEGER NOT NULL,
     period_end_ms REAL NOT NULL
   ) WITHOUT ROWID;`,
  // Analytics: raw records; no link to keys, so deleting a key keeps its history.
  `CREATE TABLE analytics (
     id INTEGER PRIMARY KEY,
     timestamp_ms INTEGER NOT NULL,
     api_id TEXT NOT NULL,
     org_id TEXT NOT NULL,
     api_key TEXT NOT NULL,
     response_code INTEGER NOT NULL,
     record TEXT NOT NULL
   );
   CREATE INDEX analytics_by_api ON analytics (api_id, timestamp_ms);
   CREATE INDEX analytics_by_org ON analytics (org_id, timestamp_ms);
   CREATE INDEX analytics_by_key ON analytics (api_key, timestamp_ms) WHERE api_key <> '';`,
  // Analytics, cheaper per request: a row per written batch (the compact hits as a JSON array,
  // expanded to Tyk records when read) and request counts per minute, API, org, key and status
  // for the summaries. A row and three index entries per request cost ~20 us of CPU each.
  // Rows of the table above move over as batches of finished records.
  `CREATE TABLE analytics_batches (
     id INTEGER PRIMARY KEY,
     first_ms INTEGER NOT NULL,
     last_ms INTEGER NOT NULL,
     count INTEGER NOT NULL,
     format TEXT NOT NULL CHECK (format IN ('hits', 'records')),
     body TEXT NOT NULL
   );
   CREATE INDEX analytics_batches_by_time ON analytics_batches (last_ms, first_ms);
   CREATE TABLE analytics_counts (
     minute INTEGER NOT NULL,
     api_id TEXT NOT NULL,
     org_id TEXT NOT NULL,
     api_key TEXT NOT NULL,
     response_code INTEGER NOT NULL,
     n INTEGER NOT NULL,
     PRIMARY KEY (minute, api_id, org_id, api_key, response_code)
   ) WITHOUT ROWID;
   CREATE INDEX analytics_counts_by_api ON analytics_counts (api_id, minute);
   CREATE INDEX analytics_counts_by_org ON analytics_counts (org_id, minute);
   CREATE INDEX analytics_counts_by_key ON analytics_counts (api_key, minute) WHERE api_key <> '';
   INSERT INTO analytics_counts (minute, api_id, org_id, api_key, response_code, n)
     SELECT timestamp_ms / 60000, api_id, org_id, api_key, response_code, COUNT(*) FROM analytics
     GROUP BY timestamp_ms / 60000, api_id, org_id, api_key, response_code;
   INSERT INTO analytics_batches (first_ms, last_ms, count, format, body)
     SELECT MIN(timestamp_ms), MAX(timestamp_ms), COUNT(*), 'records', json_group_array(json(record))
     FROM (SELECT * FROM analytics ORDER BY id) GROUP BY id / 1000;
   DROP TABLE analytics;`,
  // Key search (GET /tyk/keys?org_id=&policy_id=&tag=&api_id=&inactive=&expires_before=...):
  // every search walks one of these in id order. key_apis holds the APIs of a key's own
  // access_rights; open_key marks keys with neither rights nor policies (master keys). The alias
  // index gains the id so "alias = ? AND id > ? ORDER BY id" walks it (a partial index on
  // alias <> '' cannot serve a bound parameter).
  `ALTER TABLE keys ADD COLUMN is_inactive INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE keys ADD COLUMN open_key INTEGER NOT NULL DEFAULT 0;
   UPDATE keys SET is_inactive = CASE WHEN json_extract(session, '$.is_inactive') THEN 1 ELSE 0 END;
   CREATE TABLE key_apis (
     api_id TEXT NOT NULL,
     key_id TEXT NOT NULL,
     PRIMARY KEY (api_id, key_id)
   ) WITHOUT ROWID;
   CREATE INDEX key_apis_by_key ON key_apis (key_id);
   INSERT OR IGNORE INTO key_apis (api_id, key_id)
     SELECT rights.key, keys.id FROM keys, json_each(keys.session, '$.access_rights') AS rights;
   UPDATE keys SET open_key = 1
     WHERE NOT EXISTS (SELECT 1 FROM key_apis WHERE key_id = keys.id)
       AND NOT EXISTS (SELECT 1 FROM key_policies WHERE key_id = keys.id);
   CREATE INDEX keys_inactive ON keys (id) WHERE is_inactive = 1;
   CREATE INDEX keys_open ON keys (id) WHERE open_key = 1;
   CREATE INDEX keys_by_expires ON keys (expires, id) WHERE expires > 0;
   DROP INDEX keys_by_alias;
   CREATE INDEX keys_by_alias ON keys (alias, id);`,
  // Analytics batches stored as binary columns (format 'columns', store/sqlite/hit-blob.ts):
  // a quarter of the bytes of JSON hits and no serialising per hit. SQLite cannot widen a CHECK
  // in place, so the table is copied; older 'hits' and 'records' batches stay readable.
  `CREATE TABLE analytics_batches_v7 (
     id INTEGER PRIMARY KEY,
     first_ms INTEGER NOT NULL,
     last_ms INTEGER NOT NULL,
     count INTEGER NOT NULL,
     format TEXT NOT NULL CHECK (format IN ('columns', 'hits', 'records')),
     body BLOB NOT NULL
   );
   INSERT INTO analytics_batches_v7 (id, first_ms, last_ms, count, format, body)
     SELECT id, first_ms, last_ms, count, format, body FROM analytics_batches;
   DROP TABLE analytics_batches;
   ALTER TABLE analytics_batches_v7 RENAME TO analytics_batches;
   CREATE INDEX analytics_batches_by_time ON analytics_batches (last_ms, first_ms);`,
  // Analytics retention (expire_analytics_after, org data_expires): when each batch and each
  // count may go. A batch holds hits of one retention only. Rows written before were kept for
  // good: Tyk's 100 years.
  `ALTER TABLE analytics_batches ADD COLUMN expires_ms INTEGER NOT NULL DEFAULT 0;
   UPDATE analytics_batches SET expires_ms = last_ms + ${KEPT_FOR_GOOD_MS};
   CREATE INDEX analytics_batches_by_expiry ON analytics_batches (expires_ms);
   ALTER TABLE analytics_counts ADD COLUMN expires_ms INTEGER NOT NULL DEFAULT 0;
   UPDATE analytics_counts SET expires_ms = (minute + 1) * 60000 + ${KEPT_FOR_GOOD_MS};
   CREATE INDEX analytics_counts_by_expiry ON analytics_counts (expires_ms);`
]

/** Brings the schema up to `target` steps (all of them unless a test stops earlier). */
export function migrate (db: Database, target = MIGRATIONS.length): void {
  const applied = db.pragma('user_version', { simple: true }) as number
  if (applied > MIGRATIONS.length) {
    throw new Error(`database schema version ${applied} is newer than this Gatehouse (${MIGRATIONS.length}); upgrade Gatehouse`)
  }
  for (let version = applied; version < Math.min(target, MIGRATIONS.length); version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] ?? '')
      db.pragma(`user_version = ${version + 1}`)
    })()
  }
}
