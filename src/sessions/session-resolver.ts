import { policyIdsOf } from '../core/policy-merge.js'
import type { Session } from '../model/session.js'
import type { Bus, Store } from '../store/ports.js'
import type { KeyNaming } from './key-naming.js'
import { sessionBytes } from './session-bytes.js'
import { TokenCache, type CacheSlot, type TokenCacheStats } from './token-cache.js'
import { UnknownTokens, type UnknownTokensStats } from './unknown-tokens.js'

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
  /** Estimated bytes of merged sessions kept; the least used go first when full. */
  readonly maxBytes?: number
  /** Unknown tokens remembered (0: none), each for `unknownTtlMs`. */
  readonly maxUnknownTokens?: number
  readonly unknownTtlMs?: number
  readonly clock?: () => number
}

export interface SessionResolverStats {
  readonly sessions: TokenCacheStats
  readonly unknown: UnknownTokensStats
  readonly inflight: number
}

type Lookup = ResolvedKey | undefined

/** A resolved key as cached: its own cache slot, so a hit hands back the very object it found. */
interface CachedKey extends ResolvedKey, CacheSlot {}

/** Between an org id and a token in composite keys: neither can contain it. */
const SEPARATOR = '\u0000'

export const DEFAULT_SESSION_CACHE_BYTES = 32 * 1024 * 1024
export const DEFAULT_UNKNOWN_TOKENS = 100_000
const DEFAULT_UNKNOWN_TTL_MS = 30_000

/**
 * Raw token -> effective session. A hit is two Map lookups: no hashing, no JSON parse, no store
 * round trip. Misses for one token share one lookup; a token that matched no key is remembered
 * briefly. A Bus event drops exactly the tokens of the key that changed (or everything, for a
 * reload), on every node.
 */
export class SessionResolver {
  private readonly cache: TokenCache<CachedKey>
  private readonly unknown: UnknownTokens
  private readonly inflight = new Map<string, Promise<Lookup>>()
  private readonly clock: () => number
  /** Counts Bus events: a lookup that overlapped one may have read the old state, and is not kept. */
  private generation = 0

  constructor (private readonly options: SessionResolverOptions) {
    this.cache = new TokenCache(options.maxBytes ?? DEFAULT_SESSION_CACHE_BYTES)
    this.unknown = new UnknownTokens(options.maxUnknownTokens ?? DEFAULT_UNKNOWN_TOKENS, options.unknownTtlMs ?? DEFAULT_UNKNOWN_TTL_MS)
    this.clock = options.clock ?? Date.now
    options.bus.subscribe((event) => {
      this.generation++
      if (event.kind === 'reload') {
        this.clear()
        return
      }
      if (event.kind === 'key') this.unknown.forgetId(event.id)
      this.cache.forget(`${event.kind}:${event.id}`)
    })
  }

  resolve (token: string, apiOrgId: string): Lookup | Promise<Lookup> {
    const hit = this.cache.get(apiOrgId, token)
    if (hit !== undefined) return hit
    const flightKey = apiOrgId + SEPARATOR + token
    if (this.unknown.has(flightKey, this.clock())) return undefined
    let pending = this.inflight.get(flightKey)
    if (pending === undefined) {
      pending = this.load(token, apiOrgId, flightKey).finally(() => this.inflight.delete(flightKey))
      this.inflight.set(flightKey, pending)
    }
    return pending
  }

  clear (): void {
    this.cache.clear()
    this.unknown.clear()
  }

  stats (): SessionResolverStats {
    return { sessions: this.cache.stats(), unknown: this.unknown.stats(), inflight: this.inflight.size }
  }

  private async load (token: string, apiOrgId: string, flightKey: string): Promise<Lookup> {
    const { naming, store } = this.options
    const generation = this.generation
    // The data plane tries the org-prefixed token first, then the token as sent (spec 2.12).
    const candidates = naming.candidates(token, apiOrgId)
    for (const candidate of candidates) {
      const stored = await store.getKey(candidate.id)
      if (stored === undefined) continue
      if (!naming.belongsTo(stored, candidate)) continue
      let session: Session
      try {
        session = this.options.applyPolicies(stored.session, apiOrgId)
      } catch {
        return undefined // Tyk: a policy error makes the key "not found"
      }
      // Only the top level of the session is frozen: deepFreeze was 3.5-5 µs of a ~15-20 µs
      // miss (bench/micro/session-miss.ts), and no reader writes into a cached session. The
      // key itself stays writable for the cache's bookkeeping; readers see ResolvedKey only.
      const resolved = this.cachedKey(apiOrgId, token, candidate.id, Object.freeze(session))
      if (generation === this.generation) this.cache.set(resolved)
      return resolved
    }
    if (generation === this.generation) this.unknown.add(flightKey, candidates.map((candidate) => candidate.id), this.clock())
    return undefined
  }

  private cachedKey (orgId: string, token: string, id: string, session: Readonly<Session>): CachedKey {
    // A merged session depends on its key, its policies and its org (the key's and the API's).
    const tags = [`key:${id}`, `org:${session.org_id}`]
    if (orgId !== session.org_id) tags.push(`org:${orgId}`)
    for (const policyId of policyIdsOf(session)) tags.push(`policy:${policyId}`)
    return { id, session, orgId, token, tags, bytes: sessionBytes(session, token), used: false, live: true }
  }
}
