import type { AccessDefinition, ApiLimit, Session } from '../model/session.js'
import { isEmptyLimit } from './effective-limit.js'
import { mergePolicies, PolicyMergeError, policyIdsOf, type PolicyLookup } from './policy-merge.js'

/**
 * Issue 15: an org's `default_policies` reach every key of the org, also a key that has access
 * rights of its own and no policy. Tyk's merge would let the policies replace those rights (spec
 * 2.14 rule 9), which would silently strip existing keys, so for such a key the defaults are
 * merged on their own (by Tyk's rules) and their APIs are added beside the key's own. Pure.
 *
 * - An API the key names keeps the key's own entry as written (versions, URLs, limits, counter),
 *   even when a default also grants it: the key's entry is the more specific setting, as an
 *   org_wide policy's explicit entries are (core/org-wide.ts), and an admin can still narrow one
 *   key below the org's defaults.
 * - An API only the defaults grant gets their merged entry, with its limits written out and a
 *   counter of its own (the granting policy's scope), so the key-level values and the key-level
 *   counter stay the key's own for its own APIs.
 * - Session-level: the key's own rate, quota and throttle stay; tags, meta_data, hmac and expiry
 *   actions are merged as Tyk merges them; the key is inactive when it is or a default is.
 * - When the defaults cannot be merged in this context (a default missing, another org's API
 *   being called), they add nothing and the key stands as it is.
 */
export function mergeOwnRightsAndDefaults (key: Session, defaults: readonly string[], lookup: PolicyLookup, apiOrgId?: string): Session {
  const own = mergePolicies(key, lookup, apiOrgId)
  let granted: Session
  try {
    granted = mergePolicies({ ...key, apply_policies: [...defaults], apply_policy_id: '' }, lookup, apiOrgId)
  } catch (err) {
    if (err instanceof PolicyMergeError) return own
    throw err
  }
  const lookupOrg = key.org_id !== '' ? key.org_id : (apiOrgId ?? '')
  const rights: Record<string, AccessDefinition> = { ...own.access_rights }
  for (const [apiId, right] of Object.entries(granted.access_rights)) {
    if (apiId in rights) continue
    const scope = right.allowance_scope !== undefined && right.allowance_scope !== ''
      ? right.allowance_scope
      : defaults.find((id) => lookup(lookupOrg, id)?.access_rights?.[apiId] !== undefined) ?? defaults[0] ?? ''
    rights[apiId] = { ...right, limit: writtenOut(right.limit, granted), allowance_scope: scope }
  }
  return {
    ...granted,
    rate: own.rate,
    per: own.per,
    smoothing: own.smoothing,
    throttle_interval: own.throttle_interval,
    throttle_retry_limit: own.throttle_retry_limit,
    max_query_depth: own.max_query_depth,
    quota_max: own.quota_max,
    quota_renews: own.quota_renews,
    quota_remaining: own.quota_remaining,
    quota_renewal_rate: own.quota_renewal_rate,
    is_inactive: own.is_inactive || granted.is_inactive,
    // the key's own list (empty): a read-modify-write of GET must not turn the defaults into
    // the key's policies, which would then replace its own rights
    apply_policies: own.apply_policies,
    apply_policy_id: own.apply_policy_id,
    access_rights: rights
  }
}

/** A key with access rights of its own and no policy: defaults are added beside its rights. */
export function keepsOwnRights (session: Pick<Session, 'access_rights' | 'apply_policies' | 'apply_policy_id'>): boolean {
  return policyIdsOf(session).length === 0 && Object.keys(session.access_rights).length > 0
}

/**
 * A default's entry with an empty limit means "the merged session's values"; those are not the
 * key's here, so they are written into the entry. All zero still means unlimited: -1 says so
 * without reading as empty.
 */
function writtenOut (limit: ApiLimit | undefined, granted: Session): ApiLimit {
  if (limit !== undefined && !isEmptyLimit(limit)) return limit
  const filled: ApiLimit = {
    rate: granted.rate,
    per: granted.per,
    smoothing: granted.smoothing,
    throttle_interval: granted.throttle_interval,
    throttle_retry_limit: granted.throttle_retry_limit,
    max_query_depth: granted.max_query_depth ?? 0,
    quota_max: granted.quota_max,
    quota_renews: granted.quota_renews,
    quota_remaining: granted.quota_remaining,
    quota_renewal_rate: granted.quota_renewal_rate
  }
  return isEmptyLimit(filled) ? { ...filled, quota_max: -1 } : filled
}
