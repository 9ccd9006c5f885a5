import { effectiveLimit, quotaCounterName, rateCounterName, type EffectiveLimit } from '../../core/effective-limit.js'
import { isQuotaLimited, type QuotaDecision } from '../../core/quota.js'
import { isRateLimited, type RateDecision } from '../../core/rate-limit.js'
import type { ErrorCode } from '../../model/errors.js'
import type { ResolvedKey } from '../../sessions/session-resolver.js'
import type { Counters } from '../../store/ports.js'
import type { CompiledApi } from '../compiled-api.js'

/** X-RateLimit-Limit, -Remaining, -Reset as Tyk writes them by default: quota values. */
export type QuotaHeaders = readonly [limit: string, remaining: string, reset: string]

export type LimitOutcome =
  | { readonly kind: 'pass', readonly headers: QuotaHeaders }
  | { readonly kind: 'deny', readonly error: ErrorCode }

/** The limits of one key on one API, with its counter names: worked out once per cached key. */
interface LimitPlan extends EffectiveLimit {
  readonly apiId: string
  readonly rateCounter: string
  readonly quotaCounter: string
  /** an unlimited quota shows the session's numbers, which stay 0 (Limit -1, Remaining 0) */
  readonly unlimitedHeaders: QuotaHeaders
  /** X-RateLimit-Limit as text, and the last X-RateLimit-Reset made: one per quota period */
  readonly limitText: string
  readonly reset: { seconds: number, text: string }
}

/**
 * Keyed by the cached, frozen ResolvedKey: a key change makes a new one, and the plan goes with
 * it. Most keys call one API: its plan is kept as is, a Map only for a key's second API.
 */
const plans = new WeakMap<ResolvedKey, LimitPlan | Map<string, LimitPlan>>()

function limitPlanOf (api: CompiledApi, key: ResolvedKey): LimitPlan {
  const known = plans.get(key)
  if (known === undefined) {
    const plan = makePlan(api.apiId, key)
    plans.set(key, plan)
    return plan
  }
  if (!(known instanceof Map)) {
    if (known.apiId === api.apiId) return known
    const plan = makePlan(api.apiId, key)
    plans.set(key, new Map([[known.apiId, known], [api.apiId, plan]]))
    return plan
  }
  let plan = known.get(api.apiId)
  if (plan === undefined) {
    plan = makePlan(api.apiId, key)
    known.set(api.apiId, plan)
  }
  return plan
}

/**
 * A plain literal, neither spread nor frozen: `Object.freeze({ ...limits, ... })` cost ~8 µs
 * a plan against ~0.7 µs for this (bench/micro/limit-plan.ts), paid on every cache miss.
 */
function makePlan (apiId: string, key: ResolvedKey): LimitPlan {
  const limits = effectiveLimit(key.session, apiId)
  return {
    apiId,
    rate: limits.rate,
    per: limits.per,
    throttleInterval: limits.throttleInterval,
    throttleRetryLimit: limits.throttleRetryLimit,
    quotaMax: limits.quotaMax,
    quotaRenewalRate: limits.quotaRenewalRate,
    scope: limits.scope,
    rateCounter: rateCounterName(limits.scope, key.id, key.session.last_updated),
    quotaCounter: quotaCounterName(limits.scope, key.id),
    unlimitedHeaders: [String(limits.quotaMax), '0', String(key.session.quota_renews)],
    limitText: String(limits.quotaMax),
    reset: { seconds: NaN, text: '' }
  }
}

const RATE_LIMITED: LimitOutcome = Object.freeze({ kind: 'deny', error: 'RATE_LIMITED' })
const QUOTA_EXCEEDED: LimitOutcome = Object.freeze({ kind: 'deny', error: 'QUOTA_EXCEEDED' })

/**
 * Tyk's RateLimitAndQuotaCheck (spec gateway 2, 3): the key's rate limit first (a 429 consumes
 * no quota), with throttling retries when configured, then its quota (a blocked request is
 * counted, as in Tyk). Synchronous with local counters; a promise only when the counters or
 * a throttle wait need one.
 */
export function checkRateAndQuota (api: CompiledApi, key: ResolvedKey, counters: Counters, clock: () => number): LimitOutcome | Promise<LimitOutcome> {
  const limits = limitPlanOf(api, key)
  if (!api.disableRateLimit && isRateLimited(limits.rate, limits.per)) {
    const name = limits.rateCounter
    const decision = counters.rate(name, limits.rate, limits.per, clock(), false)
    if (decision instanceof Promise) {
      return decision.then((settled) => afterRate(settled, api, key, limits, name, counters, clock))
    }
    return afterRate(decision, api, key, limits, name, counters, clock)
  }
  return checkQuota(api, key, limits, counters, clock)
}

function afterRate (decision: RateDecision, api: CompiledApi, key: ResolvedKey, limits: LimitPlan, name: string, counters: Counters, clock: () => number): LimitOutcome | Promise<LimitOutcome> {
  if (decision.kind === 'allow') return checkQuota(api, key, limits, counters, clock)
  if (limits.throttleRetryLimit <= 0) return RATE_LIMITED
  return throttle(api, key, limits, name, counters, clock)
}

/** Tyk's throttling: wait and retry (dry run) up to throttle_retry_limit times before a 429. */
async function throttle (api: CompiledApi, key: ResolvedKey, limits: LimitPlan, name: string, counters: Counters, clock: () => number): Promise<LimitOutcome> {
  for (let retry = 1; retry <= limits.throttleRetryLimit; retry++) {
    if (limits.throttleInterval > 0) await new Promise((resolve) => setTimeout(resolve, limits.throttleInterval * 1000))
    const probe = await counters.rate(name, limits.rate, limits.per, clock(), true)
    if (probe.kind === 'allow') {
      const real = await counters.rate(name, limits.rate, limits.per, clock(), false)
      if (real.kind === 'allow') return await checkQuota(api, key, limits, counters, clock)
    }
  }
  return RATE_LIMITED
}

function checkQuota (api: CompiledApi, key: ResolvedKey, limits: LimitPlan, counters: Counters, clock: () => number): LimitOutcome | Promise<LimitOutcome> {
  const nowMs = clock()
  if (api.disableQuota || !isQuotaLimited(limits.quotaMax)) {
    return { kind: 'pass', headers: limits.unlimitedHeaders }
  }
  const decision = counters.quota(limits.quotaCounter, limits.quotaMax, limits.quotaRenewalRate, nowMs)
  if (decision instanceof Promise) return decision.then((settled) => quotaOutcome(limits, settled, nowMs))
  return quotaOutcome(limits, decision, nowMs)
}

function quotaOutcome (limits: LimitPlan, decision: QuotaDecision, nowMs: number): LimitOutcome {
  if (decision.kind === 'block') return QUOTA_EXCEEDED
  // a quota that never renews shows "now" as its renewal time, as Tyk does
  const resetSeconds = Math.floor((decision.periodEndMs === Infinity ? nowMs : decision.periodEndMs) / 1000)
  const reset = limits.reset
  if (reset.seconds !== resetSeconds) {
    reset.seconds = resetSeconds
    reset.text = String(resetSeconds)
  }
  return { kind: 'pass', headers: [limits.limitText, String(decision.remaining), reset.text] }
}
