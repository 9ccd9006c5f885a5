import { Type, type Static } from '@sinclair/typebox'

/** Tyk's analytics record (tyk-pump analytics.AnalyticsRecord), the fields a gateway fills. */
export const AnalyticsRecordSchema = Type.Object({
  method: Type.String(),
  host: Type.String(),
  path: Type.String(),
  raw_path: Type.String(),
  content_length: Type.Integer(),
  user_agent: Type.String(),
  day: Type.Integer(),
  month: Type.Integer(),
  year: Type.Integer(),
  hour: Type.Integer(),
  response_code: Type.Integer(),
  api_key: Type.String({ description: 'the key hash (the token when hashing is off); empty for keyless APIs' }),
  timestamp: Type.String({ description: 'RFC 3339' }),
  api_version: Type.String(),
  api_name: Type.String(),
  api_id: Type.String(),
  org_id: Type.String(),
  oauth_id: Type.String(),
  request_time: Type.Integer({ description: 'total latency, ms' }),
  latency: Type.Object({ total: Type.Integer(), upstream: Type.Integer() }),
  raw_request: Type.String(),
  raw_response: Type.String(),
  ip_address: Type.String(),
  tags: Type.Array(Type.String()),
  alias: Type.String(),
  track_path: Type.Boolean(),
  expireAt: Type.String()
})

export type AnalyticsRecord = Static<typeof AnalyticsRecordSchema>

/**
 * What the request path hands over for one record: primitives in a fixed order, cheap to make
 * and to hand to the store, which expands it into an AnalyticsRecord when read.
 */
export type AnalyticsHit = readonly [
  nowMs: number,
  status: number,
  totalMs: number,
  upstreamMs: number,
  method: string,
  rawPath: string,
  host: string,
  userAgent: string,
  contentLength: number,
  clientIp: string,
  apiKey: string,
  apiId: string,
  orgId: string,
  apiName: string,
  apiVersion: string,
  alias: string,
  oauthId: string,
  /** pol-*, dev-* and the key's own tags, in Tyk's order */
  keyTags: readonly string[],
  apiTags: readonly string[],
  /** when the record may be deleted (spec gateway 7.2 expireAt); absent in hits stored before retention */
  expireAtMs?: number
]

/** Counts of requests by status, overall and per time bucket, for one key, API or org. */
export const AnalyticsSummarySchema = Type.Object({
  from: Type.String(),
  to: Type.String(),
  resolution: Type.Union([Type.Literal('hour'), Type.Literal('day')]),
  total: Type.Integer(),
  by_status: Type.Record(Type.String(), Type.Integer()),
  buckets: Type.Array(Type.Object({
    start: Type.String(),
    total: Type.Integer(),
    by_status: Type.Record(Type.String(), Type.Integer())
  }))
})

export type AnalyticsSummary = Static<typeof AnalyticsSummarySchema>

/** Tyk records of one key (by hash), API or org over [fromMs, toMs), oldest first. */
export interface RecordsQuery {
  readonly field: 'api_key' | 'api_id' | 'org_id'
  readonly value: string
  readonly fromMs: number
  readonly toMs: number
  readonly limit: number
}

export interface AnalyticsQuery {
  readonly field: 'api_key' | 'api_id' | 'org_id'
  readonly value: string
  readonly fromMs: number
  readonly toMs: number
  readonly resolution: 'hour' | 'day'
}

/**
 * Hits as columns: how the request path hands them to the analytics writer and how the embedded
 * store keeps them. Hit i is:
 * - numbers[i * 5 + 0..4]: nowMs, totalMs, upstreamMs, contentLength, expireAtMs
 * - status[i]
 * - refs[i * 14 + 0..13]: method, rawPath, host, userAgent, clientIp, apiKey, apiId, orgId,
 *   apiName, apiVersion, alias, oauthId (indexes into `strings`), keyTags, apiTags (into `lists`)
 * store/sqlite/analytics-writer.ts and hit-blob.ts read this layout too.
 */
export const NUMBERS_PER_HIT = 5
/** Where expireAtMs sits among a hit's numbers. */
export const EXPIRE_AT_NUMBER = 4
export const REFS_PER_HIT = 14
/** Tyk's expireAt for a record kept for good (an expire_analytics_after of 0): 100 years on. */
export const KEPT_FOR_GOOD_MS = 100 * 365 * 86_400_000

/** Where the fields that counts and record queries filter on sit among a hit's refs. */
export const HIT_REF = { api_key: 5, api_id: 6, org_id: 7 } as const

export interface HitColumns {
  readonly count: number
  readonly numbers: Float64Array
  readonly status: Uint16Array
  readonly refs: Uint16Array | Uint32Array
  readonly strings: readonly string[]
  readonly lists: ReadonlyArray<readonly string[]>
}

/** Hit `i` of `columns` as an AnalyticsHit (for reading back). */
export function hitAt (columns: HitColumns, i: number): AnalyticsHit {
  const { numbers, refs, strings, lists } = columns
  const n = i * NUMBERS_PER_HIT
  const r = i * REFS_PER_HIT
  const text = (at: number): string => strings[refs[r + at] ?? 0] ?? ''
  const list = (at: number): readonly string[] => lists[refs[r + at] ?? 0] ?? []
  return [
    numbers[n] ?? 0, columns.status[i] ?? 0, numbers[n + 1] ?? 0, numbers[n + 2] ?? 0,
    text(0), text(1), text(2), text(3), numbers[n + 3] ?? 0, text(4),
    text(5), text(6), text(7), text(8), text(9), text(10), text(11), list(12), list(13), numbers[n + 4] ?? 0
  ]
}
