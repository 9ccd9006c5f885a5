import type { ApiLimit, Session } from '../model/session.js'

/** The limits that apply to one API for one key (spec gateway 2.1, 3.2). */
export interface EffectiveLimit {
  readonly rate: number
  readonly per: number
  readonly throttleInterval: number
  readonly throttleRetryLimit: number
  readonly quotaMax: number
  readonly quotaRenewalRate: number
  /** '' = the key-level counters; else the API or policy whose counters this API shares */
  readonly scope: string
}

/** True when every field of a per-API limit is zero: such a limit means "use the key's own". */
export function isEmptyLimit (limit: ApiLimit | undefined): boolean {
  return limit === undefined || ((limit.rate ?? 0) === 0 && (limit.per ?? 0) === 0 && (limit.throttle_interval ?? 0) === 0 &&
    (limit.throttle_retry_limit ?? 0) === 0 && (limit.max_query_depth ?? 0) === 0 && (limit.quota_max ?? 0) === 0 &&
    (limit.quota_renews ?? 0) === 0 && (limit.quota_remaining ?? 0) === 0 && (limit.quota_renewal_rate ?? 0) === 0)
}

/** The API's access-rights limit when it has one, else the session's root values. */
export function effectiveLimit (session: Session, apiId: string): EffectiveLimit {
  const entry = session.access_rights[apiId]
  const limit = entry?.limit
  const scope = entry?.allowance_scope ?? ''
  if (limit !== undefined && !isEmptyLimit(limit)) {
    return {
      rate: limit.rate ?? 0,
      per: limit.per ?? 0,
      throttleInterval: limit.throttle_interval ?? 0,
      throttleRetryLimit: limit.throttle_retry_limit ?? 0,
      quotaMax: limit.quota_max ?? 0,
      quotaRenewalRate: limit.quota_renewal_rate ?? 0,
      scope
    }
  }
  return {
    rate: session.rate,
    per: session.per,
    throttleInterval: session.throttle_interval,
    throttleRetryLimit: session.throttle_retry_limit,
    quotaMax: session.quota_max,
    quotaRenewalRate: session.quota_renewal_rate,
    scope
  }
}

/** Tyk's counter names (spec gateway 2.2, 3.3): quota-<scope>-<id>, rate-limit-<scope>-<id>. */
export function quotaCounterName (scope: string, keyId: string): string {
  return scope === '' ? `quota-${keyId}` : `quota-${scope}-${keyId}`
}

export function rateCounterName (scope: string, keyId: string, lastUpdated: string): string {
  // the bucket name embeds last_updated, so a key update starts a fresh window (as in Tyk)
  return (scope === '' ? `rate-limit-${keyId}` : `rate-limit-${scope}-${keyId}`) + ':' + lastUpdated
}

/** An organisation's counters; "org-" keeps them apart from any key's. */
export function orgQuotaCounterName (orgId: string): string {
  return `quota-org-${orgId}`
}

export function orgRateCounterName (orgId: string, lastUpdated: string): string {
  return `rate-limit-org-${orgId}:${lastUpdated}`
}
