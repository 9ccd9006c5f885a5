import type { QuotaCounter, QuotaDecision } from '../core/quota.js'
import type { RateDecision } from '../core/rate-limit.js'
import type { AnalyticsQuery, AnalyticsRecord, AnalyticsSummary, HitColumns, RecordsQuery } from '../model/analytics-record.js'
import type { Policy } from '../model/policy.js'
import type { Session } from '../model/session.js'

/**
 * Where sessions live. The `id` is the storage name Tyk would use after `apikey-`: the token's
 * hash when hashing is on, else the token itself. Adapters never see a raw key when hashing is on.
 * Reads may answer synchronously (SQLite, memory) so the hot path awaits only real promises.
 */
export interface StoredKey {
  readonly session: Session
  /**
   * sha256 of the token, or '' when unknown (a key imported by its hash). Tyk's legacy murmur32
   * storage names collide easily; comparing this check tells two tokens with one name apart.
   */
  readonly tokenCheck: string
}

/**
 * The indexes of stored keys: by org, alias, policy, tag, API of the key's own access rights,
 * own is_inactive flag, keys with neither rights nor policies (open), and expiry before a time.
 */
export type KeyIndex =
  | { readonly by: 'all' | 'inactive' | 'open' }
  | { readonly by: 'org' | 'alias' | 'policy' | 'tag' | 'api', readonly value: string }
  | { readonly by: 'expires_before', readonly value: number }

export interface Store {
  getKey: (id: string) => StoredKey | undefined | Promise<StoredKey | undefined>
  /** Resolves once the write is durable (committed and synced). */
  putKey: (id: string, key: StoredKey) => Promise<void>
  /** Resolves true when something was deleted. */
  deleteSession: (id: string) => Promise<boolean>
  /** Ids starting with `prefix` (all when empty), in id order. */
  listSessionIds: (prefix: string) => string[] | Promise<string[]>
  /** Up to `limit` ids of one index after `after`, in id order: what key search walks. */
  keyIdsAfter: (index: KeyIndex, after: string, limit: number) => string[] | Promise<string[]>

  /** Policies written through the management API (when they do not live in files). */
  listPolicies: () => Policy[] | Promise<Policy[]>
  putPolicy: (policy: Policy) => Promise<void>
  deletePolicy: (id: string) => Promise<boolean>

  /** Organisation sessions, by org id. */
  getOrgSession: (orgId: string) => Session | undefined | Promise<Session | undefined>
  putOrgSession: (orgId: string, session: Session) => Promise<void>
  deleteOrgSession: (orgId: string) => Promise<boolean>
  /** Org ids starting with `prefix`, in order. */
  listOrgIds: (prefix: string) => string[] | Promise<string[]>

  close: () => Promise<void>
}

/** What changed, so every node drops exactly the cached state it affects. */
export type ChangeEvent =
  | { readonly kind: 'key', readonly id: string }
  | { readonly kind: 'policy', readonly id: string }
  | { readonly kind: 'org', readonly id: string }
  | { readonly kind: 'reload' }

/** Tells every node (this one included) what changed. Local in one process, pub/sub in a cluster. */
export interface Bus {
  publish: (event: ChangeEvent) => Promise<void>
  subscribe: (listener: (event: ChangeEvent) => void) => void
}

/** Where policies written through the management API are kept: a folder of files or the store. */
export interface PolicyWrites {
  /** Everything written so far, loaded with the file sources on start and reload. */
  list: () => Policy[] | Promise<Policy[]>
  put: (policy: Policy) => Promise<void>
  /** Resolves false when there was nothing to delete. */
  delete: (id: string) => Promise<boolean>
}

/**
 * Rate and quota counters, consulted per request. The local adapter answers synchronously;
 * a shared (Redis) one returns promises, which the gateway awaits only when it gets one.
 */
export interface Counters {
  rate: (name: string, rate: number, per: number, nowMs: number, dryRun: boolean) => RateDecision | Promise<RateDecision>
  quota: (name: string, quotaMax: number, renewalSeconds: number, nowMs: number) => QuotaDecision | Promise<QuotaDecision>
  /** The current period of a quota counter, undefined when none is running. */
  quotaState: (name: string, nowMs: number) => QuotaCounter | undefined | Promise<QuotaCounter | undefined>
  /** Deletes quota counters: the next request starts a fresh period. */
  resetQuotas: (names: readonly string[]) => Promise<void>
  /** Deletes rate buckets: the next request opens a fresh window. */
  resetRates: (names: readonly string[]) => Promise<void>
  close: () => Promise<void>
}

/** Where analytics records go, in batches, off the request path. */
export interface AnalyticsSink {
  /** Settles once these hits, and every hand-off before them, are stored. */
  write: (hits: HitColumns) => void | Promise<void>
  summarize: (query: AnalyticsQuery) => AnalyticsSummary | Promise<AnalyticsSummary>
  records: (query: RecordsQuery) => AnalyticsRecord[] | Promise<AnalyticsRecord[]>
}
