/**
 * Tyk's quota arithmetic (spec gateway 3.4): a counter of requests in the current period,
 * renewed lazily when the period has ended. Blocked requests count too. Pure.
 */
export interface QuotaCounter {
  used: number
  /** end of the period, ms since the epoch; Infinity when the quota never renews */
  periodEndMs: number
}

export type QuotaDecision =
  | { readonly kind: 'allow', readonly remaining: number, readonly periodEndMs: number }
  | { readonly kind: 'block', readonly periodEndMs: number }

/** quota_max <= 0 (both 0 and -1) means unlimited at request time. */
export function isQuotaLimited (quotaMax: number): boolean {
  return quotaMax > 0
}

/** A new period starting now; `renewalSeconds <= 0` never ends. */
export function newQuotaPeriod (renewalSeconds: number, nowMs: number): QuotaCounter {
  return { used: 0, periodEndMs: renewalSeconds > 0 ? nowMs + renewalSeconds * 1000 : Infinity }
}

/** Counts one request against `counter` (renewing it first if its period is over). */
export function countQuota (counter: QuotaCounter, quotaMax: number, renewalSeconds: number, nowMs: number): QuotaDecision {
  if (nowMs >= counter.periodEndMs && renewalSeconds > 0) {
    counter.used = 0
    counter.periodEndMs = nowMs + renewalSeconds * 1000
  }
  counter.used += 1
  if (counter.used > quotaMax) return { kind: 'block', periodEndMs: counter.periodEndMs }
  return { kind: 'allow', remaining: quotaMax - counter.used, periodEndMs: counter.periodEndMs }
}

/** What GET /tyk/keys shows: requests left, never below 0. */
export function quotaRemaining (quotaMax: number, counter: QuotaCounter | undefined, nowMs: number): number | undefined {
  if (counter === undefined || nowMs >= counter.periodEndMs) return undefined
  return Math.max(0, quotaMax - counter.used)
}
