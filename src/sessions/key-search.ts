import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { checkAccessRights } from '../core/access.js'
import { policyIdsOf } from '../core/policy-merge.js'
import type { Policy } from '../model/policy.js'
import type { Session } from '../model/session.js'
import type { KeyIndex, Store, StoredKey } from '../store/ports.js'

/** GET /tyk/keys search parameters (Gatehouse only); absent ones do not filter. */
export interface KeySearchQuery {
  readonly orgId?: string
  /** one of the key's own policies */
  readonly policyId?: string
  /** one of the key's own tags */
  readonly tag?: string
  readonly alias?: string
  /** the key can call this API now: own rights, policies (org-wide ones too), org defaults */
  readonly apiId?: string
  /** the effective is_inactive (policies included) */
  readonly inactive?: boolean
  /** expires set and before this time, unix seconds */
  readonly expiresBefore?: number
  readonly limit: number
  /** the last id of the previous page, '' for the first */
  readonly after: string
}

export interface KeySearchPage {
  /** storage ids: key hashes when hashing is on */
  readonly keys: string[]
  /** the id to continue after, '' when there is nothing more */
  readonly after: string
}

export interface KeySearchDeps {
  readonly store: Store
  /** key + policies (+ org defaults), with the API's org as context; throws when refused */
  readonly applyPolicies: (session: Session, apiOrgId?: string) => Session
  readonly policies: () => readonly Policy[]
  /** orgs whose sessions list default_policies, with the list */
  readonly orgDefaults: () => ReadonlyMap<string, readonly string[]>
  readonly apiOrgOf: (apiId: string) => string | undefined
  readonly allowMasterKeys: boolean
}

/** Ids fetched from one index at a time. */
const CHUNK = 500
/**
 * Candidates checked for one page at most: a page may come back short (even empty) with a
 * cursor, so one request never walks a million keys. Callers follow the cursor until it is ''.
 */
const MAX_CANDIDATES = 20_000

/** Keys checked between two yields to the event loop when every match is wanted. */
const BATCH = 200

interface Arm { readonly index: KeyIndex, buffer: string[], at: number, after: string, exhausted: boolean }

/**
 * Key search over the store's indexes: the most selective filter picks the index (or the
 * union of indexes) walked in id order, and every candidate is checked against all filters,
 * the semantic ones (api_id, inactive) through the same policy merge the gateway uses.
 */
export class KeySearch {
  constructor (private readonly deps: KeySearchDeps) {}

  async search (query: KeySearchQuery): Promise<KeySearchPage> {
    const arms: Arm[] = this.indexesFor(query).map((index) => ({ index, buffer: [], at: 0, after: query.after, exhausted: false }))
    const keys: string[] = []
    let last = query.after
    let candidates = 0
    while (keys.length < query.limit && candidates < MAX_CANDIDATES) {
      const id = await this.next(arms)
      if (id === undefined) return { keys, after: '' }
      last = id
      candidates++
      const stored = await this.deps.store.getKey(id)
      if (stored !== undefined && this.matches(stored, query)) keys.push(id)
    }
    const more = arms.some((arm) => arm.at < arm.buffer.length || !arm.exhausted)
    return { keys, after: more ? last : '' }
  }

  /**
   * Every key that can call `apiId` now, in id order, without pages or a candidate bound: the
   * same indexes and the same check as a search by api_id (GET /tyk/keys?api_id= lists them all,
   * as Tyk's listing does). Yields to the event loop between batches.
   */
  async * callers (apiId: string): AsyncGenerator<string> {
    const query: KeySearchQuery = { apiId, limit: Infinity, after: '' }
    let checked = 0
    for await (const id of this.walk(this.indexesGranting(apiId))) {
      if (++checked % BATCH === 0) await yieldToEventLoop()
      const stored = await this.deps.store.getKey(id)
      if (stored !== undefined && this.matches(stored, query)) yield id
    }
  }

  /** Every id in the union of `indexes`, in id order, each once (for scans such as policy preview). */
  async * walk (indexes: readonly KeyIndex[]): AsyncGenerator<string> {
    const arms: Arm[] = indexes.map((index) => ({ index, buffer: [], at: 0, after: '', exhausted: false }))
    for (let id = await this.next(arms); id !== undefined; id = await this.next(arms)) yield id
  }

  /** The smallest id any arm holds next; every arm at that id moves past it. */
  private async next (arms: Arm[]): Promise<string | undefined> {
    let smallest: string | undefined
    for (const arm of arms) {
      if (arm.at >= arm.buffer.length && !arm.exhausted) {
        arm.buffer = await this.deps.store.keyIdsAfter(arm.index, arm.after, CHUNK)
        arm.at = 0
        if (arm.buffer.length < CHUNK) arm.exhausted = true
        if (arm.buffer.length > 0) arm.after = arm.buffer[arm.buffer.length - 1] ?? arm.after
      }
      const head = arm.buffer[arm.at]
      if (head !== undefined && (smallest === undefined || head < smallest)) smallest = head
    }
    if (smallest === undefined) return undefined
    for (const arm of arms) if (arm.buffer[arm.at] === smallest) arm.at++
    return smallest
  }

  /** The index (or union of indexes) that holds every match, the most selective first. */
  private indexesFor (query: KeySearchQuery): KeyIndex[] {
    if (query.alias !== undefined) return [{ by: 'alias', value: query.alias }]
    if (query.tag !== undefined) return [{ by: 'tag', value: query.tag }]
    if (query.policyId !== undefined) return [{ by: 'policy', value: query.policyId }]
    if (query.apiId !== undefined) return this.indexesGranting(query.apiId)
    if (query.orgId !== undefined) return [{ by: 'org', value: query.orgId }]
    if (query.expiresBefore !== undefined) return [{ by: 'expires_before', value: query.expiresBefore }]
    if (query.inactive === true) {
      return [{ by: 'inactive' }, ...this.deps.policies().filter((policy) => policy.is_inactive).map((policy): KeyIndex => ({ by: 'policy', value: policy.id }))]
    }
    return [{ by: 'all' }]
  }

  /** Every way a key can reach an API: its own rights, a policy naming it or org-wide over its org, an org default, or no rights at all (master keys). */
  private indexesGranting (apiId: string): KeyIndex[] {
    const apiOrg = this.deps.apiOrgOf(apiId)
    const granting = new Set<string>()
    for (const policy of this.deps.policies()) {
      if (policy.access_rights?.[apiId] !== undefined || (policy.org_wide === true && apiOrg !== undefined && policy.org_id === apiOrg)) granting.add(policy.id)
    }
    const indexes: KeyIndex[] = [{ by: 'api', value: apiId }]
    for (const id of granting) indexes.push({ by: 'policy', value: id })
    for (const [orgId, defaults] of this.deps.orgDefaults()) {
      if (defaults.some((id) => granting.has(id))) indexes.push({ by: 'org', value: orgId })
    }
    if (this.deps.allowMasterKeys) indexes.push({ by: 'open' })
    return indexes
  }

  private matches ({ session }: StoredKey, query: KeySearchQuery): boolean {
    if (query.orgId !== undefined && session.org_id !== query.orgId) return false
    if (query.alias !== undefined && session.alias !== query.alias) return false
    if (query.tag !== undefined && !session.tags.includes(query.tag)) return false
    if (query.policyId !== undefined && !policyIdsOf(session).includes(query.policyId)) return false
    if (query.expiresBefore !== undefined && !(session.expires > 0 && session.expires < query.expiresBefore)) return false
    if (query.apiId !== undefined) {
      const effective = this.effective(session, this.deps.apiOrgOf(query.apiId))
      if (effective === undefined || !checkAccessRights(effective, query.apiId, undefined, undefined, this.deps.allowMasterKeys).ok) return false
    }
    if (query.inactive !== undefined) {
      // a key its policies make unusable counts as inactive
      const effective = this.effective(session, undefined)
      if ((effective === undefined || effective.is_inactive) !== query.inactive) return false
    }
    return true
  }

  private effective (session: Session, apiOrgId: string | undefined): Session | undefined {
    try {
      return this.deps.applyPolicies(session, apiOrgId)
    } catch {
      return undefined
    }
  }
}
