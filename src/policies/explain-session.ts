import { effectiveLimit, isEmptyLimit, type EffectiveLimit } from '../core/effective-limit.js'
import { isQuotaLimited, quotaRemaining, type QuotaCounter } from '../core/quota.js'
import { isRateLimited } from '../core/rate-limit.js'
import { usesPartitions } from '../core/policy-merge.js'
import { keepsOwnRights } from '../core/own-rights-and-defaults.js'
import type { Policy } from '../model/policy.js'
import type { Session } from '../model/session.js'

/**
 * GET /tyk/keys/{id}/explain (Gatehouse only): where each number the gateway enforces for a key
 * comes from. The numbers are never worked out here: they are read from the same merge and the
 * same effectiveLimit() the gateway uses; this module only attributes them to a source and
 * names Tyk's rule that chose it. Pure.
 */

/** How a key came to use a policy. */
export type PolicyVia = 'apply_policies' | 'org_default_policies'

export interface PolicyUse {
  readonly id: string
  readonly via: PolicyVia
}

/** Who set a value: the key itself, a policy, or nobody (Tyk's default, unlimited). */
export interface Source {
  readonly source: 'key' | 'policy' | 'policies' | 'none'
  /** the policy, when one policy set it */
  readonly policy_id?: string
  readonly via?: PolicyVia
  /** the rule that picked this value among the candidates */
  readonly rule: string
}

/** What the gateway knows of one API, for one key. */
export interface ApiContext {
  readonly loaded: boolean
  readonly name: string
  readonly disableRateLimit: boolean
  readonly disableQuota: boolean
  readonly globalRateLimit: { readonly rate: number, readonly per: number } | undefined
  /** the key merged with the API's org as context, as the gateway merges it; a string: Tyk's refusal */
  readonly merged: Session | string
}

export interface ExplainInput {
  readonly own: Session
  /** the key's policies then its org's defaults, in merge order */
  readonly uses: readonly PolicyUse[]
  /** a policy as the merge sees it (org-wide grants opened) */
  readonly lookup: (orgId: string, id: string) => Policy | undefined
  /** a policy as written (to tell an org-wide grant from an explicit one) */
  readonly written: (orgId: string, id: string) => Policy | undefined
  /** the context-free merge with live counters: what GET /tyk/keys/{id} shows */
  readonly effective: Session
  /** the context-free merge failed: Tyk's reason */
  readonly mergeError: string | undefined
  readonly api: (apiId: string) => ApiContext
  /** the key's live quota counter for a scope ('' = key level), as the gateway counts it */
  readonly quotaCounter: (scope: string) => QuotaCounter | undefined
  readonly allowMasterKeys: boolean
  readonly nowMs: number
}

export interface PolicyExplanation {
  readonly id: string
  readonly via: PolicyVia
  readonly found: boolean
  readonly is_inactive?: boolean
  readonly org_wide?: boolean
  readonly per_api?: boolean
  readonly partitions?: Policy['partitions']
  /** APIs this policy grants access to for this key (org-wide grants included) */
  readonly apis?: string[]
}

export interface RateExplanation extends Source {
  readonly rate: number
  readonly per: number
  readonly enforced: boolean
  readonly why_not_enforced?: string
}

export interface QuotaExplanation extends Source {
  readonly quota_max: number
  readonly quota_renewal_rate: number
  /** live, from the counter the gateway counts on; -1 when unlimited */
  readonly quota_remaining: number
  readonly enforced: boolean
  readonly why_not_enforced?: string
  /** whose counter requests on this API count against */
  readonly counter: { readonly scope: string, readonly shared_by: string }
}

export interface ThrottleExplanation extends Source {
  readonly throttle_interval: number
  readonly throttle_retry_limit: number
}

export interface ApiExplanation {
  readonly api_id: string
  readonly api_name: string
  readonly loaded: boolean
  /** whether the gateway lets this key in on this API (before versions, URLs and limits) */
  readonly accepted: boolean
  readonly refused_because?: string
  readonly access: Source & { readonly granted_by: Array<{ policy_id: string, via: PolicyVia, org_wide: boolean }> }
  readonly versions: string[]
  readonly allowed_urls: Array<{ url: string, methods: string[] }>
  readonly rate_limit: RateExplanation
  readonly quota: QuotaExplanation
  readonly throttle: ThrottleExplanation
  readonly api_global_rate_limit?: { readonly rate: number, readonly per: number }
}

export interface KeyExplanation {
  readonly policies: PolicyExplanation[]
  /** Tyk's reason when it refuses the key everywhere (e.g. a missing only policy) */
  readonly merge_error?: string
  readonly is_inactive: Source & { readonly value: boolean }
  readonly expires: Source & { readonly value: number, readonly expired: boolean }
  readonly master_key: boolean
  readonly apis: ApiExplanation[]
}

interface Candidate {
  readonly policy: Policy
  readonly via: PolicyVia
  readonly limit: EffectiveLimit
  readonly perApi: 'own limit' | 'policy limits' | undefined
}

type Aspect = 'acl' | 'quota' | 'rate_limit'

const ruleText = {
  ownOnly: 'no policy applies: the key\'s own value',
  ownPerApi: 'no policy applies: the key\'s own per-API limit for this API',
  onlyPolicy: 'the only policy that sets this for this API',
  rate: 'highest rate wins, compared as time between requests, among the policies that set rate limits for this API',
  quota: 'greatest quota_max wins and -1 (unlimited) beats any number; quota_renewal_rate is the greatest too',
  throttle: 'the greatest throttle_interval and the greatest throttle_retry_limit, taken separately',
  perApiOwn: 'per_api policy: the access right\'s own limit',
  perApiPolicy: 'per_api policy without a limit on this access right: the policy\'s limits, counted per policy',
  keyLevel: 'no policy sets this for this API (partitions): the key-level value, which policies without this API or the key itself set',
  keyLevelPolicy: 'a policy without access rights sets the key-level value outright',
  merged: 'combined from several policies by Tyk\'s merge',
  ownKept: 'the key\'s own access right, kept as written: a key with rights of its own and no policy keeps them, and its org\'s default_policies only add the APIs it does not name'
}

export function explainSession (input: ExplainInput): KeyExplanation {
  const { own, effective } = input
  const orgId = own.org_id
  const found = input.uses.map((use) => ({ use, policy: input.lookup(orgId, use.id) }))
  const applied = found.filter((entry): entry is { use: PolicyUse, policy: Policy } => entry.policy !== undefined)
  const hasPolicies = input.uses.length > 0 && input.mergeError === undefined
  const policies = found.map(({ use, policy }): PolicyExplanation => policy === undefined
    ? { id: use.id, via: use.via, found: false }
    : {
        id: use.id,
        via: use.via,
        found: true,
        is_inactive: policy.is_inactive,
        org_wide: policy.org_wide,
        per_api: policy.partitions.per_api === true,
        partitions: policy.partitions,
        apis: Object.keys(policy.access_rights ?? {})
      })
  const masterKey = Object.keys(effective.access_rights).length === 0
  // issue 15: such a key's own APIs come from the key alone, the others from its org's defaults
  const ownKept = keepsOwnRights(own)
  const apis = Object.keys(effective.access_rights).map((apiId) => {
    const fromOwn = ownKept && apiId in own.access_rights
    return explainApi(apiId, input, hasPolicies && !fromOwn ? applied : [], fromOwn && hasPolicies)
  })
  return {
    policies,
    ...(input.mergeError === undefined ? {} : { merge_error: input.mergeError }),
    is_inactive: ownKept ? explainInactiveOwnKept(own, effective, hasPolicies ? applied : []) : explainInactive(effective, hasPolicies ? applied : []),
    expires: {
      value: effective.expires,
      expired: effective.expires >= 1 && input.nowMs > effective.expires * 1000,
      source: effective.expires >= 1 ? 'key' : 'none',
      rule: effective.expires >= 1
        ? 'the key\'s own expires (a policy\'s key_expires_in sets it once, when the key is created)'
        : 'expires <= 0: the key never expires'
    },
    master_key: masterKey && input.allowMasterKeys && input.mergeError === undefined,
    apis
  }
}

function explainInactive (effective: Session, applied: ReadonlyArray<{ use: PolicyUse, policy: Policy }>): Source & { value: boolean } {
  if (applied.length === 0) {
    return { value: effective.is_inactive, source: 'key', rule: 'no policy applies: the key\'s own is_inactive' }
  }
  const inactive = applied.filter(({ policy }) => policy.is_inactive)
  const rule = 'a key with policies is inactive when any of its policies is; its own flag is not used (as in Tyk)'
  const first = inactive[0]
  if (first === undefined) return { value: effective.is_inactive, source: 'policies', rule }
  return { value: effective.is_inactive, source: 'policy', policy_id: first.policy.id, via: first.use.via, rule }
}

/** A key that keeps its own rights beside its org's defaults is inactive when it is or a default is. */
function explainInactiveOwnKept (own: Session, effective: Session, applied: ReadonlyArray<{ use: PolicyUse, policy: Policy }>): Source & { value: boolean } {
  const rule = 'a key with rights of its own and no policy is inactive when its own flag is set or one of its org\'s default policies is inactive'
  const first = applied.find(({ policy }) => policy.is_inactive)
  if (own.is_inactive || first === undefined) return { value: effective.is_inactive, source: 'key', rule }
  return { value: effective.is_inactive, source: 'policy', policy_id: first.policy.id, via: first.use.via, rule }
}

function governs (policy: Policy, aspect: Aspect): boolean {
  return policy.partitions.per_api === true || !usesPartitions(policy) || policy.partitions[aspect]
}

/** The limits one policy offers an API, as the merge reads them. */
function candidatesFor (apiId: string, applied: ReadonlyArray<{ use: PolicyUse, policy: Policy }>, aspect: Aspect): Candidate[] {
  const out: Candidate[] = []
  for (const { use, policy } of applied) {
    const entry = policy.access_rights?.[apiId]
    if (entry === undefined || !governs(policy, aspect)) continue
    const ownLimit = policy.partitions.per_api === true && entry.limit !== undefined && !isEmptyLimit(entry.limit)
    const limit: EffectiveLimit = ownLimit && entry.limit !== undefined
      ? { rate: entry.limit.rate ?? 0, per: entry.limit.per ?? 0, throttleInterval: entry.limit.throttle_interval ?? 0, throttleRetryLimit: entry.limit.throttle_retry_limit ?? 0, quotaMax: entry.limit.quota_max ?? 0, quotaRenewalRate: entry.limit.quota_renewal_rate ?? 0, scope: apiId }
      : { rate: policy.rate, per: policy.per, throttleInterval: policy.throttle_interval, throttleRetryLimit: policy.throttle_retry_limit, quotaMax: policy.quota_max, quotaRenewalRate: policy.quota_renewal_rate, scope: policy.id }
    out.push({ policy, via: use.via, limit, perApi: policy.partitions.per_api === true ? (ownLimit ? 'own limit' : 'policy limits') : undefined })
  }
  return out
}

/** Key-level values come from a policy without access rights, the policies at large, or the key. */
function keyLevelSource (applied: ReadonlyArray<{ use: PolicyUse, policy: Policy }>, aspect: Aspect, same: (policy: Policy) => boolean): Source {
  const setters = applied.filter(({ policy }) => governs(policy, aspect) && policy.partitions.per_api !== true)
  const outright = [...setters].reverse().find(({ policy }) => Object.keys(policy.access_rights ?? {}).length === 0 && same(policy))
  if (outright !== undefined) return { source: 'policy', policy_id: outright.policy.id, via: outright.use.via, rule: ruleText.keyLevelPolicy }
  const match = setters.find(({ policy }) => same(policy))
  if (match !== undefined) return { source: 'policy', policy_id: match.policy.id, via: match.use.via, rule: ruleText.keyLevel }
  return { source: setters.length === 0 ? 'key' : 'policies', rule: ruleText.keyLevel }
}

/** Picks the policy whose offer is the enforced value, naming the rule. */
function attribute (candidates: readonly Candidate[], same: (limit: EffectiveLimit) => boolean, manyRule: string): Source {
  const match = candidates.find((candidate) => same(candidate.limit))
  if (match === undefined) return { source: 'policies', rule: ruleText.merged + ': ' + manyRule }
  const rule = match.perApi === 'own limit'
    ? ruleText.perApiOwn
    : match.perApi === 'policy limits' ? ruleText.perApiPolicy : candidates.length === 1 ? ruleText.onlyPolicy : manyRule
  return { source: 'policy', policy_id: match.policy.id, via: match.via, rule }
}

/** `ownKept`: the API is the key's own, kept beside the org's default policies (issue 15). */
function explainApi (apiId: string, input: ExplainInput, applied: ReadonlyArray<{ use: PolicyUse, policy: Policy }>, ownKept: boolean): ApiExplanation {
  const api = input.api(apiId)
  const merged = typeof api.merged === 'string' ? input.effective : api.merged
  const limit = effectiveLimit(merged, apiId)
  const right = input.effective.access_rights[apiId]
  const ownLimit = input.own.access_rights[apiId]?.limit
  const noPolicies = applied.length === 0
  const keyRule = ownKept ? ruleText.ownKept : ownLimit !== undefined && !isEmptyLimit(ownLimit) ? ruleText.ownPerApi : ruleText.ownOnly

  const explain = (aspect: Aspect, same: (value: EffectiveLimit) => boolean, sameAtKeyLevel: (policy: Policy) => boolean, manyRule: string): Source => {
    if (noPolicies) return { source: 'key', rule: keyRule }
    const candidates = candidatesFor(apiId, applied, aspect)
    if (candidates.length === 0) return keyLevelSource(applied, aspect, sameAtKeyLevel)
    return attribute(candidates, same, manyRule)
  }

  const rateSource = explain('rate_limit', (offer) => offer.rate === limit.rate && offer.per === limit.per, (policy) => policy.rate === limit.rate && policy.per === limit.per, ruleText.rate)
  const quotaSource = explain('quota', (offer) => offer.quotaMax === limit.quotaMax, (policy) => policy.quota_max === limit.quotaMax, ruleText.quota)
  const throttleSource: Source = limit.throttleRetryLimit <= 0
    ? { source: 'none', rule: 'throttle_retry_limit is 0: a request over the rate limit gets its 429 at once' }
    : explain('rate_limit', (offer) => offer.throttleInterval === limit.throttleInterval && offer.throttleRetryLimit === limit.throttleRetryLimit,
      (policy) => policy.throttle_interval === limit.throttleInterval && policy.throttle_retry_limit === limit.throttleRetryLimit, ruleText.throttle)

  const rateEnforced = !api.disableRateLimit && isRateLimited(limit.rate, limit.per)
  const quotaEnforced = !api.disableQuota && isQuotaLimited(limit.quotaMax)
  const accepted = acceptance(api, merged, input)
  return {
    api_id: apiId,
    api_name: api.name !== '' ? api.name : right?.api_name ?? '',
    loaded: api.loaded,
    accepted: accepted === undefined,
    ...(accepted === undefined ? {} : { refused_because: accepted }),
    access: ownKept ? { source: 'key', rule: ruleText.ownKept, granted_by: [] } : explainAccess(apiId, input, applied),
    versions: [...(right?.versions ?? [])],
    allowed_urls: (right?.allowed_urls ?? []).map((url) => ({ url: url.url, methods: [...(url.methods ?? [])] })),
    rate_limit: {
      rate: limit.rate,
      per: limit.per,
      enforced: rateEnforced,
      ...(rateEnforced ? {} : { why_not_enforced: api.disableRateLimit ? 'the API definition sets disable_rate_limit' : 'rate <= 0 or per < 1 second: not limited' }),
      ...rateSource
    },
    quota: {
      quota_max: limit.quotaMax,
      quota_renewal_rate: limit.quotaRenewalRate,
      quota_remaining: quotaEnforced ? quotaRemaining(limit.quotaMax, input.quotaCounter(limit.scope), input.nowMs) ?? limit.quotaMax : -1,
      enforced: quotaEnforced,
      ...(quotaEnforced ? {} : { why_not_enforced: api.disableQuota ? 'the API definition sets disable_quota' : 'quota_max <= 0: unlimited' }),
      counter: { scope: limit.scope, shared_by: counterSharing(limit.scope, apiId) },
      ...quotaSource
    },
    throttle: { throttle_interval: limit.throttleInterval, throttle_retry_limit: limit.throttleRetryLimit, ...throttleSource },
    ...(api.globalRateLimit === undefined ? {} : { api_global_rate_limit: api.globalRateLimit })
  }
}

/** Why the gateway turns this key away on this API before any limit, if it does. */
function acceptance (api: ApiContext, merged: Session, input: ExplainInput): string | undefined {
  if (typeof api.merged === 'string') return `policy merge refused the key for this API's org: ${api.merged}`
  if (input.mergeError !== undefined) return `policy merge refused the key: ${input.mergeError}`
  if (!api.loaded) return 'no API with this id is loaded'
  if (merged.is_inactive) return 'the key is inactive'
  if (merged.expires >= 1 && input.nowMs > merged.expires * 1000) return 'the key has expired'
  return undefined
}

function explainAccess (apiId: string, input: ExplainInput, applied: ReadonlyArray<{ use: PolicyUse, policy: Policy }>): ApiExplanation['access'] {
  if (applied.length === 0) return { source: 'key', rule: 'no policy applies: the key\'s own access_rights', granted_by: [] }
  const grants = applied
    .filter(({ policy }) => policy.access_rights?.[apiId] !== undefined && governs(policy, 'acl'))
    .map(({ use, policy }) => ({
      policy_id: policy.id,
      via: use.via,
      org_wide: policy.org_wide === true && input.written(input.own.org_id, policy.id)?.access_rights?.[apiId] === undefined
    }))
  const first = grants[0]
  const rule = 'access rights are the union of every policy that sets access (acl); versions and allowed_urls are merged' +
    (first?.org_wide === true ? '; an org_wide policy grants every API of its org' : '')
  if (first === undefined) return { source: 'policies', rule, granted_by: [] }
  return { source: grants.length === 1 ? 'policy' : 'policies', ...(grants.length === 1 ? { policy_id: first.policy_id, via: first.via } : {}), rule, granted_by: grants }
}

function counterSharing (scope: string, apiId: string): string {
  if (scope === '') return 'the key: every API that uses the key-level limits counts on one counter'
  if (scope === apiId) return 'this API alone'
  return `every API whose limits come from policy ${scope}`
}
