import { deepFreeze } from '../core/deep-freeze.js'
import { policyIdsOf } from '../core/policy-merge.js'
import type { Session } from '../model/session.js'
import type { Bus, Store } from '../store/ports.js'
import type { KeyNaming } from './key-naming.js'

/** A key ready for the hot path: its storage id and its effective session, merged and frozen. */
export interface ResolvedKey {
  readonly id: string
  readonly session: Readonly<Session>
}

export interface SessionResolverOptions {
  readonly store: Store
  readonly naming: KeyNaming
  readonly bus: Bus
  /** Key + policies, checked against the API's org: throws when Tyk would refuse the key. */
  readonly applyPolicies: (session: Session, apiOrgId: string) => Session
  /** Most tokens kept; the oldest entry goes first when full. */
  readonly maxEntries?: number
}

type Lookup = ResolvedKey | undefined

/** Between an org id and a token in composite keys: neither can contain it. */
const SEPARATOR = '\u0000'

/**
 * Raw token -> effective session. A hit is two Map lookups: no hashing, no JSON parse, no store
 * round trip. Misses for one token share one lookup. A Bus event drops exactly the tokens of
 * the key that changed (or everything, for a reload), on every node.
 */
export class SessionResolver {
  /** org of the API -> token -> resolved key */
  private readonly cache = new Map<string, Map<string, ResolvedKey>>()
  /** 'key:<id>', 'policy:<id>', 'org:<id>' -> the cached tokens that depend on it */
  private readonly dependents = new Map<string, Set<string>>()
  private readonly inflight = new Map<string, Promise<Lookup>>()
  private readonly maxEntries: number
  private size = 0

  constructor (private readonly options: SessionResolverOptions) {
    this.maxEntries = options.maxEntries ?? 100_000
    options.bus.subscribe((event) => {
      if (event.kind === 'reload') this.clear()
      else this.forget(`${event.kind}:${event.id}`)
    })
  }

  resolve (token: string, apiOrgId: string): Lookup | Promise<Lookup> {
    const hit = this.cache.get(apiOrgId)?.get(token)
    if (hit !== undefined) return hit
    const flightKey = apiOrgId + SEPARATOR + token
    let pending = this.inflight.get(flightKey)
    if (pending === undefined) {
      pending = this.load(token, apiOrgId).finally(() => this.inflight.delete(flightKey))
      this.inflight.set(flightKey, pending)
    }
    return pending
  }

  clear (): void {
    this.cache.clear()
    this.dependents.clear()
    this.size = 0
  }

  private async load (token: string, apiOrgId: string): Promise<Lookup> {
    const { naming, store } = this.options
    // The data plane tries the org-prefixed token first, then the token as sent (spec 2.12).
    for (const candidate of naming.candidates(token, apiOrgId)) {
      const stored = await store.getKey(candidate.id)
      if (stored === undefined) continue
      if (!naming.belongsTo(stored, candidate)) continue
      let session: Session
      try {
        session = this.options.applyPolicies(stored.session, apiOrgId)
      } catch {
        return undefined // Tyk: a policy error makes the key "not found"
      }
      const resolved: ResolvedKey = Object.freeze({ id: candidate.id, session: deepFreeze(session) })
      this.remember(apiOrgId, token, resolved)
      return resolved
    }
    return undefined
  }

  private remember (orgId: string, token: string, resolved: ResolvedKey): void {
    if (this.size >= this.maxEntries) this.evictOldest()
    let byToken = this.cache.get(orgId)
    if (byToken === undefined) {
      byToken = new Map()
      this.cache.set(orgId, byToken)
    }
    if (!byToken.has(token)) this.size++
    byToken.set(token, resolved)
    // A merged session depends on its key, its policies and its org (the key's and the API's).
    const session = resolved.session
    this.addDependent(`key:${resolved.id}`, orgId, token)
    for (const policyId of policyIdsOf(session)) this.addDependent(`policy:${policyId}`, orgId, token)
    this.addDependent(`org:${session.org_id}`, orgId, token)
    if (orgId !== session.org_id) this.addDependent(`org:${orgId}`, orgId, token)
  }

  private addDependent (tag: string, orgId: string, token: string): void {
    const entry = orgId + SEPARATOR + token
    const entries = this.dependents.get(tag)
    if (entries === undefined) this.dependents.set(tag, new Set([entry]))
    else entries.add(entry)
  }

  /**
   * Drops every cached token that depends on `tag`. An index entry may outlive its cache entry
   * (dropped through another tag); forgetting it later is harmless, and a reload clears all.
   */
  private forget (tag: string): void {
    const entries = this.dependents.get(tag)
    if (entries === undefined) return
    this.dependents.delete(tag)
    for (const entry of entries) {
      const at = entry.indexOf(SEPARATOR)
      if (this.cache.get(entry.slice(0, at))?.delete(entry.slice(at + 1)) === true) this.size--
    }
  }

  private evictOldest (): void {
    for (const [orgId, byToken] of this.cache) {
      const oldest = byToken.keys().next()
      if (oldest.done !== true) {
        const resolved = byToken.get(oldest.value)
        byToken.delete(oldest.value)
        this.size--
        if (resolved !== undefined) this.forget(`key:${resolved.id}`)
        return
      }
      this.cache.delete(orgId)
    }
  }
}
