// A limit plan per cache miss: node --import tsx bench/micro/limit-plan.ts
// What checkRateAndQuota's first call for a freshly resolved key costs (rate-and-quota.ts
// limitPlanOf): the plan as it was made (spread + freeze, a Map per key in the WeakMap) and as
// it is made now (a plain literal, kept in the WeakMap as is).
import { effectiveLimit, quotaCounterName, rateCounterName } from '../../src/core/effective-limit.js'
import type { Session } from '../../src/model/session.js'
import { aSession } from '../../test/helpers/builders.js'

const KEYS = 200_000
const session = Object.freeze(aSession({ org_id: 'org1', rate: 100, per: 60, quota_max: 1000, access_rights: { api1: { api_id: 'api1', api_name: 'api 1', versions: ['Default'] } } })) as Session
const keys = Array.from({ length: KEYS }, (_, n) => Object.freeze({ id: n.toString(16).padStart(16, '0'), session }))

function spreadPlan (key: (typeof keys)[number]): object {
  const limits = effectiveLimit(key.session, 'api1')
  return Object.freeze({
    ...limits,
    rateCounter: rateCounterName(limits.scope, key.id, key.session.last_updated),
    quotaCounter: quotaCounterName(limits.scope, key.id),
    unlimitedHeaders: Object.freeze([String(limits.quotaMax), '0', String(key.session.quota_renews)] as const),
    limitText: String(limits.quotaMax),
    reset: { seconds: NaN, text: '' }
  })
}

function literalPlan (key: (typeof keys)[number]): object {
  const limits = effectiveLimit(key.session, 'api1')
  return {
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
for (let round = 0; round < 3; round++) {
  let start = process.hrtime.bigint()
  const before = new WeakMap<object, Map<string, object>>()
  for (const key of keys) before.set(key, new Map([['api1', spreadPlan(key)]]))
  const old = Number(process.hrtime.bigint() - start) / KEYS / 1000
  start = process.hrtime.bigint()
  const now = new WeakMap<object, object>()
  for (const key of keys) now.set(key, literalPlan(key))
  const fresh = Number(process.hrtime.bigint() - start) / KEYS / 1000
  console.log(`spread + freeze, Map in WeakMap ${old.toFixed(2)} µs; literal in WeakMap ${fresh.toFixed(2)} µs`)
}
