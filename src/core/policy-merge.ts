import type { Policy } from '../model/policy.js'
import type { AccessDefinition, ApiLimit, Session } from '../model/session.js'
import { isEmptyLimit } from './effective-limit.js'

/**
 * Tyk's policy merge (internal/policy/apply.go; our spec gateway.md 4.3): the effective session
 * of a key is its own session overlaid by its policies. Pure: returns a new session, throws
 * PolicyMergeError with Tyk's reason when the key must be refused.
 */
export class PolicyMergeError extends Error {}

/** Finds a policy by (org, id): a policy of another org is "not found" (Tyk >= 5.12). */
export type PolicyLookup = (orgId: string, id: string) => Policy | undefined

interface Limit {
  rate: number
  per: number
  smoothing: unknown
  throttle_interval: number
  throttle_retry_limit: number
  max_query_depth: number
  quota_max: number
  quota_renews: number
  quota_remaining: number
  quota_renewal_rate: number
  set_by: string
}

interface Right {
  base: AccessDefinition
  versions: string[]
  allowed_urls: Array<{ url: string, methods: string[] }>
  disable_introspection: boolean
  endpoints: unknown
  allowance_scope: string
  limit: Limit
}

interface MergeState {
  readonly acl: Set<string>
  readonly quota: Set<string>
  readonly rate: Set<string>
  readonly complexity: Set<string>
  perApiSeen: boolean
  lastWasPartitioned: boolean
}

type Root = Session

/** The policy ids a key uses: apply_policies, else the legacy apply_policy_id. */
export function policyIdsOf (session: Pick<Session, 'apply_policies' | 'apply_policy_id'>): readonly string[] {
  if (session.apply_policies.length > 0) return session.apply_policies
  return session.apply_policy_id === '' ? [] : [session.apply_policy_id]
}

/**
 * @param apiOrgId the org of the API being called or saved against; undefined without one
 *   (then no ownership check, as Tyk's context-free merge on admin writes).
 */
export function mergePolicies (key: Session, lookup: PolicyLookup, apiOrgId?: string): Session {
  const ids = policyIdsOf(key)
  if (ids.length === 0) return withOwnCounters(key)
  const root: Root = structuredClone(key)
  const lookupOrg = key.org_id !== '' ? key.org_id : (apiOrgId ?? '')
  clearRoot(root, ids, (id) => lookup(lookupOrg, id))
  let inactive = ids.length > 0 ? false : root.is_inactive
  const rights = new Map<string, Right>()
  const tags = new Set<string>()
  const state: MergeState = { acl: new Set(), quota: new Set(), rate: new Set(), complexity: new Set(), perApiSeen: false, lastWasPartitioned: false }
  for (const id of ids) {
    const policy = lookup(lookupOrg, id)
    if (policy === undefined) {
      if (ids.length > 1) continue
      throw new PolicyMergeError(`policy not found: "${id}"`)
    }
    if (apiOrgId !== undefined && policy.org_id !== apiOrgId) {
      throw new PolicyMergeError('attempting to apply policy from different organisation to key, skipping')
    }
    const parts = policy.partitions
    if (parts.per_api && (parts.quota || parts.rate_limit || parts.acl || parts.complexity)) {
      throw new PolicyMergeError(`cannot apply policy ${policy.id} which has per_api and any of partitions set`)
    }
    if (parts.per_api) applyPerApi(policy, key, rights, state)
    else applyPartitioned(policy, key, root, rights, state)
    inactive = inactive || policy.is_inactive
    for (const tag of policy.tags ?? []) tags.add(tag)
    if (policy.meta_data !== null) root.meta_data = { ...root.meta_data, ...policy.meta_data }
    if (policy.last_updated > root.last_updated) root.last_updated = policy.last_updated
    if (policy.post_expiry_action !== '') root.post_expiry_action = policy.post_expiry_action
    if (policy.post_expiry_grace_period !== 0) root.post_expiry_grace_period = policy.post_expiry_grace_period
  }
  root.is_inactive = inactive
  root.tags = [...new Set([...tags, ...root.tags])]
  finalise(rights, state, root)
  if (Object.keys(root.access_rights).length === 0 || state.acl.size === 0) {
    throw new PolicyMergeError('key has no valid policies to be applied')
  }
  return root
}

/** A key without policies stands as it is; an access right with its own limit counts on its own. */
function withOwnCounters (key: Session): Session {
  let rights: Record<string, AccessDefinition> | undefined
  for (const [apiId, right] of Object.entries(key.access_rights)) {
    if (right.limit !== undefined && !isEmptyLimit(right.limit) && right.allowance_scope !== apiId) {
      rights ??= { ...key.access_rights }
      rights[apiId] = { ...right, allowance_scope: apiId }
    }
  }
  return rights === undefined ? { ...key } : { ...key, access_rights: rights }
}

/** Whether the policy limits itself to some aspects (quota, rate, acl, complexity). */
export function usesPartitions (policy: Policy): boolean {
  const p = policy.partitions
  return p.quota || p.rate_limit || p.acl || p.complexity
}

/** Before merging, zero the key's own values of every aspect a policy governs (4.3.1). */
function clearRoot (root: Root, ids: readonly string[], find: (id: string) => Policy | undefined): void {
  for (const id of ids) {
    const policy = find(id)
    if (policy === undefined) return
    const all = !usesPartitions(policy)
    if (all || policy.partitions.quota) {
      root.quota_max = 0
      root.quota_remaining = 0
    }
    if (all || policy.partitions.rate_limit) {
      root.rate = 0
      root.per = 0
      root.smoothing = null
      root.throttle_retry_limit = 0
      root.throttle_interval = 0
    }
    if (all || policy.partitions.complexity) root.max_query_depth = 0
  }
}

/** "greater, with -1 as infinity" */
function gt (a: number, b: number): boolean {
  if (a === -1) return true
  if (b === -1) return false
  return a > b
}

/** Seconds between requests; 0 (most generous) when unlimited. */
function duration (limit: { rate?: number, per?: number }): number {
  const rate = limit.rate ?? 0
  const per = limit.per ?? 0
  return rate > 0 && per > 0 ? per / rate : 0
}

function emptyRate (limit: { rate?: number, per?: number }): boolean {
  return (limit.rate ?? 0) === 0 || (limit.per ?? 0) === 0
}

function emptyLimit (): Limit {
  return { rate: 0, per: 0, smoothing: null, throttle_interval: 0, throttle_retry_limit: 0, max_query_depth: 0, quota_max: 0, quota_renews: 0, quota_remaining: 0, quota_renewal_rate: 0, set_by: '' }
}

function keyLimitOf (key: Session, apiId: string): ApiLimit | undefined {
  const limit = key.access_rights[apiId]?.limit
  return limit === undefined || isEmptyLimit(limit) ? undefined : limit
}

function newRight (entry: AccessDefinition): Right {
  return { base: entry, versions: [], allowed_urls: [], disable_introspection: false, endpoints: undefined, allowance_scope: '', limit: emptyLimit() }
}

function applyPartitioned (policy: Policy, key: Session, root: Root, rights: Map<string, Right>, state: MergeState): void {
  const usePart = usesPartitions(policy)
  if (usePart && state.perApiSeen) {
    throw new PolicyMergeError('cannot apply multiple policies when some have per_api set and some are partitioned')
  }
  const parts = policy.partitions
  const entries = Object.entries(policy.access_rights ?? {})
  for (const [apiId, entry] of entries) {
    const right = rights.get(apiId) ?? newRight(entry)
    const limit = right.limit
    if (!usePart || parts.acl) {
      state.acl.add(apiId)
      right.versions = union(right.versions, entry.versions ?? [])
      right.allowed_urls = mergeAllowedUrls(right.allowed_urls, entry.allowed_urls ?? [])
      right.disable_introspection ||= entry.disable_introspection === true
      limit.set_by = policy.id
    }
    if (!usePart || parts.quota) {
      state.quota.add(apiId)
      if (gt(policy.quota_max, limit.quota_max)) {
        limit.quota_max = policy.quota_max
        if (gt(policy.quota_max, root.quota_max)) root.quota_max = policy.quota_max
      }
      if (policy.quota_renewal_rate > limit.quota_renewal_rate) {
        limit.quota_renewal_rate = policy.quota_renewal_rate
        if (policy.quota_renewal_rate > root.quota_renewal_rate) root.quota_renewal_rate = policy.quota_renewal_rate
      }
    }
    if (!usePart || parts.rate_limit) {
      state.rate.add(apiId)
      applyRate(root, policy, limit)
      if (entry.endpoints !== undefined) right.endpoints = mergeEndpoints(right.endpoints, entry.endpoints)
      if (policy.throttle_retry_limit > limit.throttle_retry_limit) {
        limit.throttle_retry_limit = policy.throttle_retry_limit
        if (policy.throttle_retry_limit > root.throttle_retry_limit) root.throttle_retry_limit = policy.throttle_retry_limit
      }
      if (policy.throttle_interval > limit.throttle_interval) {
        limit.throttle_interval = policy.throttle_interval
        if (policy.throttle_interval > root.throttle_interval) root.throttle_interval = policy.throttle_interval
      }
    }
    if (!usePart || parts.complexity) {
      state.complexity.add(apiId)
      if (gt(policy.max_query_depth, limit.max_query_depth)) {
        limit.max_query_depth = policy.max_query_depth
        if (gt(policy.max_query_depth, root.max_query_depth ?? 0)) root.max_query_depth = policy.max_query_depth
      }
    }
    const keyLimit = keyLimitOf(key, apiId)
    if (keyLimit !== undefined) limit.quota_renews = keyLimit.quota_renews ?? 0
    rights.set(apiId, right)
  }
  if (entries.length === 0) {
    // A policy without APIs sets the key-level values outright.
    if (!usePart || parts.rate_limit) {
      root.rate = policy.rate
      root.per = policy.per
      root.smoothing = policy.smoothing
      root.throttle_interval = policy.throttle_interval
      root.throttle_retry_limit = policy.throttle_retry_limit
    }
    if (!usePart || parts.complexity) root.max_query_depth = policy.max_query_depth
    if (!usePart || parts.quota) {
      root.quota_max = policy.quota_max
      root.quota_renewal_rate = policy.quota_renewal_rate
    }
  }
  root.hmac_enabled ||= policy.hmac_enabled
  root.enable_http_signature_validation = root.enable_http_signature_validation === true || policy.enable_http_signature_validation
  state.lastWasPartitioned = usePart
}

/** Highest rate wins, compared as requests per second; ties keep the earlier value. */
function applyRate (root: Root, policy: Policy, limit: Limit): void {
  if (emptyRate(policy)) return
  if (emptyRate(limit) || duration(limit) > duration(policy)) {
    limit.rate = policy.rate
    limit.per = policy.per
    limit.smoothing = policy.smoothing
  }
  if (emptyRate(root) || duration(root) > duration(policy)) {
    root.rate = policy.rate
    root.per = policy.per
    root.smoothing = policy.smoothing
  }
}

function applyPerApi (policy: Policy, key: Session, rights: Map<string, Right>, state: MergeState): void {
  if (state.lastWasPartitioned) {
    throw new PolicyMergeError('cannot apply multiple policies when some have per_api set and some are partitioned')
  }
  const entries = Object.entries(policy.access_rights ?? {})
  for (const [apiId, entry] of entries) {
    let scope = apiId
    let limit: Limit
    if (entry.limit === undefined || isEmptyLimit(entry.limit)) {
      scope = policy.id
      limit = {
        ...emptyLimit(),
        rate: policy.rate,
        per: policy.per,
        smoothing: policy.smoothing,
        quota_max: policy.quota_max,
        quota_renewal_rate: policy.quota_renewal_rate,
        throttle_interval: policy.throttle_interval,
        throttle_retry_limit: policy.throttle_retry_limit,
        max_query_depth: policy.max_query_depth
      }
    } else {
      limit = { ...emptyLimit(), ...entry.limit, set_by: '' } as Limit
    }
    limit.set_by = scope
    const keyRight = key.access_rights[apiId]
    const keyLimit = keyLimitOf(key, apiId)
    if (keyLimit !== undefined) limit.quota_renews = keyLimit.quota_renews ?? 0
    let right: Right = {
      base: entry,
      versions: [...(entry.versions ?? [])],
      allowed_urls: (entry.allowed_urls ?? []).map((url) => ({ url: url.url, methods: [...(url.methods ?? [])] })),
      disable_introspection: entry.disable_introspection === true || keyRight?.disable_introspection === true,
      endpoints: entry.endpoints,
      allowance_scope: scope,
      limit
    }
    const current = rights.get(apiId)
    if (current !== undefined) right = mergeApiLevel(right, current)
    rights.set(apiId, right)
    state.acl.add(apiId)
    state.quota.add(apiId)
    state.rate.add(apiId)
    state.complexity.add(apiId)
  }
  if (entries.length > 0) state.perApiSeen = true
}

function mergeApiLevel (next: Right, current: Right): Right {
  let changed = false
  const limit = next.limit
  if (duration(limit) > duration(current.limit)) {
    limit.rate = current.limit.rate
    limit.per = current.limit.per
    limit.smoothing = current.limit.smoothing
    changed = true
  }
  if (current.limit.quota_max !== limit.quota_max && gt(current.limit.quota_max, limit.quota_max)) {
    limit.quota_max = current.limit.quota_max
    changed = true
  }
  if (gt(current.limit.quota_renewal_rate, limit.quota_renewal_rate)) limit.quota_renewal_rate = current.limit.quota_renewal_rate
  if (limit.quota_max === -1) limit.quota_renewal_rate = 0
  const endpoints = mergeEndpoints(current.endpoints, next.endpoints)
  if (changed) {
    limit.set_by = current.limit.set_by
    return { ...next, endpoints, allowance_scope: current.allowance_scope }
  }
  return { ...next, endpoints }
}

interface EndpointLimit { rate?: number, per?: number }
interface Endpoint { path?: string, methods?: Array<{ name?: string, limit?: EndpointLimit }> }

/**
 * Endpoint rate limits of two policies on one API, per method and path: the more generous
 * limit wins and -1 (unlimited) beats any number, as Tyk merges them. Either list may be absent.
 */
function mergeEndpoints (current: unknown, next: unknown): unknown {
  if (!Array.isArray(current) || current.length === 0) return next
  if (!Array.isArray(next) || next.length === 0) return current
  const byPath = new Map<string, Map<string, EndpointLimit | undefined>>()
  for (const endpoint of [...current, ...next] as Endpoint[]) {
    const path = endpoint.path ?? ''
    let methods = byPath.get(path)
    if (methods === undefined) {
      methods = new Map()
      byPath.set(path, methods)
    }
    for (const method of endpoint.methods ?? []) {
      const name = method.name ?? ''
      const seen = methods.get(name)
      if (!methods.has(name) || moreGenerous(method.limit, seen)) methods.set(name, method.limit)
    }
  }
  return [...byPath].map(([path, methods]) => ({ path, methods: [...methods].map(([name, limit]) => limit === undefined ? { name } : { name, limit }) }))
}

function moreGenerous (candidate: EndpointLimit | undefined, current: EndpointLimit | undefined): boolean {
  const rate = candidate?.rate ?? 0
  if ((current?.rate ?? 0) === -1) return false
  if (rate === -1) return true
  const candidateGap = duration(candidate ?? {})
  const currentGap = duration(current ?? {})
  // the same pace (10/60 and 5/30): the larger burst wins, as in Tyk
  return candidateGap < currentGap || (candidateGap === currentGap && rate > (current?.rate ?? 0))
}

function finalise (rights: Map<string, Right>, state: MergeState, root: Root): void {
  const setters = new Set([...rights.values()].map((right) => right.limit.set_by).filter((setBy) => setBy !== ''))
  const out: Record<string, AccessDefinition> = {}
  for (const [apiId, right] of rights) {
    if (!state.acl.has(apiId)) continue
    const limit = right.limit
    if (!state.rate.has(apiId)) {
      limit.rate = root.rate
      limit.per = root.per
      limit.smoothing = root.smoothing
      limit.throttle_interval = root.throttle_interval
      limit.throttle_retry_limit = root.throttle_retry_limit
      right.endpoints = undefined
    }
    if (!state.complexity.has(apiId)) limit.max_query_depth = root.max_query_depth ?? 0
    if (!state.quota.has(apiId)) {
      limit.quota_max = root.quota_max
      limit.quota_renewal_rate = root.quota_renewal_rate
      limit.quota_renews = root.quota_renews
    }
    if (setters.size > 1 && right.allowance_scope === '' && limit.set_by !== '') right.allowance_scope = limit.set_by
    out[apiId] = render(right)
  }
  if (state.quota.size === 1 && state.rate.size === 1 && state.complexity.size === 1) {
    const only = [...state.quota][0]
    const limit = only === undefined ? undefined : rights.get(only)?.limit
    if (limit !== undefined) {
      root.rate = limit.rate
      root.per = limit.per
      root.smoothing = limit.smoothing as Root['smoothing']
      root.quota_max = limit.quota_max
      root.quota_renews = limit.quota_renews
      root.quota_renewal_rate = limit.quota_renewal_rate
      root.max_query_depth = limit.max_query_depth
    }
  }
  if (state.acl.size > 0) root.access_rights = out
}

function render (right: Right): AccessDefinition {
  const { set_by: _setBy, ...limit } = right.limit
  const out: AccessDefinition = {
    ...right.base,
    versions: right.versions,
    allowed_urls: right.allowed_urls,
    limit: limit as ApiLimit
  }
  if (right.disable_introspection) out.disable_introspection = true
  if (right.allowance_scope !== '') out.allowance_scope = right.allowance_scope
  else delete out.allowance_scope
  if (right.endpoints !== undefined) out.endpoints = right.endpoints as AccessDefinition['endpoints']
  else delete out.endpoints
  return out
}

function union (a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])]
}

/** Order of first appearance per URL string; methods of a repeated URL are added (4.5). */
function mergeAllowedUrls (a: Right['allowed_urls'], b: ReadonlyArray<{ url: string, methods?: string[] }>): Right['allowed_urls'] {
  const byUrl = new Map<string, string[]>()
  for (const entry of [...a, ...b]) {
    const methods = byUrl.get(entry.url)
    if (methods === undefined) byUrl.set(entry.url, [...(entry.methods ?? [])])
    else for (const method of entry.methods ?? []) if (!methods.includes(method)) methods.push(method)
  }
  return [...byUrl].map(([url, methods]) => ({ url, methods }))
}
