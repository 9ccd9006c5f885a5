import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { effectiveLimit } from '../core/effective-limit.js'
import type { Policy } from '../model/policy.js'
import type { Session } from '../model/session.js'
import type { KeyIndex, Store } from '../store/ports.js'
import type { PolicyEngine } from './policy-engine.js'

export interface PolicyPreviewDeps {
  readonly engine: PolicyEngine
  readonly store: Store
  /** every id in the union of the indexes, in id order, each once */
  readonly walk: (indexes: readonly KeyIndex[]) => AsyncIterable<string>
  /** orgs whose sessions list default_policies, with the list */
  readonly orgDefaults: () => ReadonlyMap<string, readonly string[]>
}

/** The limits the gateway enforces for a key on one API. */
export interface EnforcedLimits {
  readonly rate: number
  readonly per: number
  readonly quota_max: number
  readonly quota_renewal_rate: number
  readonly throttle_interval: number
  readonly throttle_retry_limit: number
}

export interface KeyChange {
  readonly key: string
  /** Tyk's reason when the key would be refused after the edit (or is refused now) */
  readonly refused_before?: string
  readonly refused_after?: string
  readonly is_inactive?: { readonly old: boolean, readonly new: boolean }
  readonly lost_apis: string[]
  readonly gained_apis: string[]
  /** APIs kept whose versions or allowed_urls change */
  readonly access_changed: string[]
  /** APIs whose enforced limits change, old -> new */
  readonly limits: Array<{ readonly api_id: string, readonly old: EnforcedLimits, readonly new: EnforcedLimits }>
}

export interface PolicyPreviewAnswer {
  readonly policy_id: string
  /** keys that use the policy: in apply_policies (or apply_policy_id) or through their org's default_policies */
  readonly keys_using: number
  readonly keys_changed: number
  readonly keys_losing_access: number
  /** keys the gateway accepts now and would refuse after the edit */
  readonly keys_refused_after: number
  /** key -> the APIs it would lose, the first `lost_access_limit` keys in id order */
  readonly lost_access: Array<{ readonly key: string, readonly apis: string[] }>
  readonly lost_access_truncated: boolean
  /** the first `sample` changed keys, in id order, with old -> new */
  readonly sample: KeyChange[]
}

export interface PreviewOptions {
  readonly sample: number
  readonly lostAccessLimit: number
}

/** Keys merged between two yields to the event loop: a big preview must not stall the gateway. */
const BATCH = 200

type Outcome = { readonly refused: string } | { readonly session: Session }

/**
 * POST /tyk/policies/{id}/preview (Gatehouse only): what a policy edit would do to every key
 * that uses the policy, without saving it. Keys are found through the policy and org indexes
 * (never a scan of all keys) and each is merged twice, with the policy as loaded and with the
 * candidate, by the same merge the gateway uses.
 */
export class PolicyPreview {
  constructor (private readonly deps: PolicyPreviewDeps) {}

  async preview (candidate: Policy, options: PreviewOptions): Promise<PolicyPreviewAnswer> {
    let using = 0
    let changed = 0
    let losing = 0
    let refusedAfter = 0
    const lostAccess: Array<{ key: string, apis: string[] }> = []
    let lostTruncated = false
    const sample: KeyChange[] = []
    for await (const id of this.deps.walk(this.indexesUsing(candidate.id))) {
      if (++using % BATCH === 0) await yieldToEventLoop()
      const stored = await this.deps.store.getKey(id)
      if (stored === undefined) continue
      const change = this.compare(id, stored.session, candidate)
      if (change === undefined) continue
      changed++
      if (change.refused_after !== undefined && change.refused_before === undefined) refusedAfter++
      if (change.lost_apis.length > 0) {
        losing++
        if (lostAccess.length < options.lostAccessLimit) lostAccess.push({ key: id, apis: change.lost_apis })
        else lostTruncated = true
      }
      if (sample.length < options.sample) sample.push(change)
    }
    return { policy_id: candidate.id, keys_using: using, keys_changed: changed, keys_losing_access: losing, keys_refused_after: refusedAfter, lost_access: lostAccess, lost_access_truncated: lostTruncated, sample }
  }

  /** Keys naming the policy, and every key of an org whose defaults name it. */
  private indexesUsing (policyId: string): KeyIndex[] {
    const indexes: KeyIndex[] = [{ by: 'policy', value: policyId }]
    for (const [orgId, defaults] of this.deps.orgDefaults()) {
      if (defaults.includes(policyId)) indexes.push({ by: 'org', value: orgId })
    }
    return indexes
  }

  private compare (key: string, own: Session, candidate: Policy): KeyChange | undefined {
    const before = outcome(() => this.deps.engine.apply(own))
    const after = outcome(() => this.deps.engine.applyWith(own, candidate))
    const oldApis = 'session' in before ? before.session.access_rights : {}
    const newApis = 'session' in after ? after.session.access_rights : {}
    const lost = Object.keys(oldApis).filter((apiId) => !(apiId in newApis))
    const gained = Object.keys(newApis).filter((apiId) => !(apiId in oldApis))
    const limits: KeyChange['limits'] = []
    if ('session' in before && 'session' in after) {
      for (const apiId of Object.keys(oldApis)) {
        if (!(apiId in newApis)) continue
        const old = enforced(before.session, apiId)
        const next = enforced(after.session, apiId)
        if (!sameLimits(old, next)) limits.push({ api_id: apiId, old, new: next })
      }
    }
    const oldInactive = 'session' in before && before.session.is_inactive
    const newInactive = 'session' in after && after.session.is_inactive
    const refusedBefore = 'refused' in before ? before.refused : undefined
    const refusedAfter = 'refused' in after ? after.refused : undefined
    const accessChanged = 'session' in before && 'session' in after ? accessChangedApis(before.session, after.session) : []
    if (lost.length === 0 && gained.length === 0 && limits.length === 0 && oldInactive === newInactive &&
      refusedBefore === refusedAfter && accessChanged.length === 0) return undefined
    return {
      key,
      ...(refusedBefore === undefined ? {} : { refused_before: refusedBefore }),
      ...(refusedAfter === undefined ? {} : { refused_after: refusedAfter }),
      ...(oldInactive === newInactive ? {} : { is_inactive: { old: oldInactive, new: newInactive } }),
      lost_apis: lost,
      gained_apis: gained,
      access_changed: accessChanged,
      limits
    }
  }
}

function outcome (merge: () => Session): Outcome {
  try {
    return { session: merge() }
  } catch (err) {
    return { refused: err instanceof Error ? err.message : String(err) }
  }
}

function enforced (session: Session, apiId: string): EnforcedLimits {
  const limit = effectiveLimit(session, apiId)
  return {
    rate: limit.rate,
    per: limit.per,
    quota_max: limit.quotaMax,
    quota_renewal_rate: limit.quotaRenewalRate,
    throttle_interval: limit.throttleInterval,
    throttle_retry_limit: limit.throttleRetryLimit
  }
}

function sameLimits (a: EnforcedLimits, b: EnforcedLimits): boolean {
  return a.rate === b.rate && a.per === b.per && a.quota_max === b.quota_max && a.quota_renewal_rate === b.quota_renewal_rate &&
    a.throttle_interval === b.throttle_interval && a.throttle_retry_limit === b.throttle_retry_limit
}

/** APIs in both whose versions or allowed URLs differ: what access checks read besides the API list. */
function accessChangedApis (a: Session, b: Session): string[] {
  const out: string[] = []
  for (const [apiId, right] of Object.entries(a.access_rights)) {
    const other = b.access_rights[apiId]
    if (other === undefined) continue
    if (JSON.stringify(right.versions ?? []) !== JSON.stringify(other.versions ?? []) ||
      JSON.stringify(right.allowed_urls ?? []) !== JSON.stringify(other.allowed_urls ?? [])) out.push(apiId)
  }
  return out
}
