import { deepFreeze } from '../core/deep-freeze.js'
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

/**
 * Raw token -> effective session. A hit is two Map lookups: no hashing, no JSON parse, no store
 * round trip. Misses for one token share one lookup. A Bus event drops exactly the tokens of
 * the key that changed (or everything, for a reload), on every node.
 */
export class SessionResolver {
  /** org of the API -> token -> resolved key */
  private readonly cache = new Map<string, Map<string, ResolvedKey>>()
  private readonly tokensById = new Map<string, Array<[orgId: string, token: string]>>()
  private readonly inflight = new Map<string, Promise<Lookup>>()
  private readonly maxEntries: number
  private size = 0

  constructor (private readonly options: SessionResolverOptions) {
    this.maxEntries = options.maxEntries ?? 100_000
    options.bus.subscribe((event) => {
      if (event.kind === 'key') this.forgetId(event.id)
      else this.clear()
    })
  }

  resolve (token: string, apiOrgId: string): Lookup | Promise<Lookup> {
    const hit = this.cache.get(apiOrgId)?.get(token)
    if (hit !== undefined) return hit
    const flightKey = apiOrgId + '\u0000' + token
    let pending = this.inflight.get(flightKey)
    if (pending === undefined) {
      pending = this.load(token, apiOrgId).finally(() => this.inflight.delete(flightKey))
      this.inflight.set(flightKey, pending)
    }
    return pending
  }

  clear (): void {
    this.cache.clear()
    this.tokensById.clear()
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
    const tokens = this.tokensById.get(resolved.id)
    if (tokens === undefined) this.tokensById.set(resolved.id, [[orgId, token]])
    else tokens.push([orgId, token])
  }

  private forgetId (id: string): void {
    const tokens = this.tokensById.get(id)
    if (tokens === undefined) return
    this.tokensById.delete(id)
    for (const [orgId, token] of tokens) {
      if (this.cache.get(orgId)?.delete(token) === true) this.size--
    }
  }

  private evictOldest (): void {
    for (const [orgId, byToken] of this.cache) {
      const oldest = byToken.keys().next()
      if (oldest.done !== true) {
        const resolved = byToken.get(oldest.value)
        byToken.delete(oldest.value)
        this.size--
        if (resolved !== undefined) this.forgetId(resolved.id)
        return
      }
      this.cache.delete(orgId)
    }
  }
}
