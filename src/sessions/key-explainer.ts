import { orgQuotaCounterName, quotaCounterName } from '../core/effective-limit.js'
import { policyIdsOf } from '../core/policy-merge.js'
import { quotaRemaining, type QuotaCounter } from '../core/quota.js'
import { explainSession, type ApiContext, type KeyExplanation, type PolicyUse } from '../policies/explain-session.js'
import type { PolicyEngine } from '../policies/policy-engine.js'
import type { Policy } from '../model/policy.js'
import type { Session } from '../model/session.js'
import type { Counters } from '../store/ports.js'
import type { KeyAddress, KeyService } from './key-service.js'

/** What explain needs to know of a loaded API. */
export interface ExplainedApi {
  readonly name: string
  readonly orgId: string
  readonly disableRateLimit: boolean
  readonly disableQuota: boolean
  readonly globalRateLimit: { readonly rate: number, readonly per: number } | undefined
}

export interface KeyExplainerDeps {
  readonly keys: KeyService
  readonly engine: PolicyEngine
  /** a policy as written, before org-wide grants are opened */
  readonly writtenPolicy: (orgId: string, id: string) => Policy | undefined
  readonly api: (apiId: string) => ExplainedApi | undefined
  readonly counters: Counters
  readonly orgSession: (orgId: string) => Promise<Session | undefined>
  readonly enforceOrgQuotas: boolean
  readonly allowMasterKeys: boolean
  readonly clock: () => number
}

export interface OrgExplanation {
  readonly org_id: string
  readonly has_session: boolean
  /** the gateway checks the org session of the API called, before auth, when enforce_org_quotas is on */
  readonly enforced: boolean
  readonly rule: string
  readonly is_inactive?: boolean
  readonly rate?: number
  readonly per?: number
  readonly quota_max?: number
  readonly quota_remaining?: number
  readonly default_policies?: string[]
}

export type KeyExplainAnswer = { readonly key_id: string, readonly key_hash_function: string, readonly org_id: string, readonly session: Session } & KeyExplanation & { readonly org: OrgExplanation }

/** GET /tyk/keys/{id}/explain: gathers the key, its policies, APIs and live counters for explainSession. */
export class KeyExplainer {
  constructor (private readonly deps: KeyExplainerDeps) {}

  async explain (address: KeyAddress): Promise<KeyExplainAnswer> {
    const { keys, engine } = this.deps
    const { id, own, session } = await keys.read(address)
    const nowMs = this.deps.clock()
    const ownIds = policyIdsOf(own)
    const uses: PolicyUse[] = [
      ...ownIds.map((policyId): PolicyUse => ({ id: policyId, via: 'apply_policies' })),
      ...engine.orgDefaultsOf(own).map((policyId): PolicyUse => ({ id: policyId, via: 'org_default_policies' }))
    ]
    const merge = (apiOrgId?: string): Session | string => {
      try {
        return engine.apply(own, apiOrgId)
      } catch (err) {
        return err instanceof Error ? err.message : String(err)
      }
    }
    const contextFree = merge()
    const counters = await this.readQuotaCounters(id, session, uses, nowMs)
    const explanation = explainSession({
      own,
      uses,
      lookup: engine.lookup,
      written: this.deps.writtenPolicy,
      effective: session,
      mergeError: typeof contextFree === 'string' ? contextFree : undefined,
      api: (apiId) => this.apiContext(apiId, session, merge),
      quotaCounter: (scope) => counters.get(scope),
      allowMasterKeys: this.deps.allowMasterKeys,
      nowMs
    })
    return { key_id: id, key_hash_function: keys.hashFunctionOf(id), org_id: own.org_id, session, ...explanation, org: await this.explainOrg(own.org_id, nowMs) }
  }

  private apiContext (apiId: string, session: Session, merge: (apiOrgId?: string) => Session | string): ApiContext {
    const api = this.deps.api(apiId)
    if (api === undefined) {
      return { loaded: false, name: '', disableRateLimit: false, disableQuota: false, globalRateLimit: undefined, merged: session }
    }
    const global = api.globalRateLimit
    return {
      loaded: true,
      name: api.name,
      disableRateLimit: api.disableRateLimit,
      disableQuota: api.disableQuota,
      globalRateLimit: global === undefined ? undefined : { rate: global.rate, per: global.per },
      merged: merge(api.orgId)
    }
  }

  /** Every counter a limit of this key can count on: key level, per API, per policy. */
  private async readQuotaCounters (id: string, session: Session, uses: readonly PolicyUse[], nowMs: number): Promise<Map<string, QuotaCounter | undefined>> {
    const scopes = new Set<string>([''])
    for (const [apiId, right] of Object.entries(session.access_rights)) {
      scopes.add(apiId)
      if (right.allowance_scope !== undefined) scopes.add(right.allowance_scope)
    }
    for (const use of uses) scopes.add(use.id)
    const out = new Map<string, QuotaCounter | undefined>()
    for (const scope of scopes) out.set(scope, await this.deps.counters.quotaState(quotaCounterName(scope, id), nowMs))
    return out
  }

  private async explainOrg (orgId: string, nowMs: number): Promise<OrgExplanation> {
    const org = await this.deps.orgSession(orgId)
    const rule = 'the gateway checks the org session of the API being called (inactive, rate, quota) before the key, only when enforce_org_quotas is on'
    if (org === undefined) return { org_id: orgId, has_session: false, enforced: false, rule }
    const counter = await this.deps.counters.quotaState(orgQuotaCounterName(orgId), nowMs)
    return {
      org_id: orgId,
      has_session: true,
      enforced: this.deps.enforceOrgQuotas,
      rule,
      is_inactive: org.is_inactive,
      rate: org.rate,
      per: org.per,
      quota_max: org.quota_max,
      quota_remaining: org.quota_max > 0 ? quotaRemaining(org.quota_max, counter, nowMs) ?? org.quota_max : -1,
      default_policies: [...(org.default_policies ?? [])]
    }
  }
}
