/** Sizes for tests and metrics. */
export interface UnknownTokensStats {
  readonly entries: number
  /** storage ids indexed, each pointing at the unknown tokens it would have answered */
  readonly ids: number
}

interface Miss {
  readonly key: string
  /** the storage ids the token was looked up under: creating any of them makes it known */
  readonly ids: readonly string[]
  readonly expiresAtMs: number
}

/**
 * Tokens that matched no key, remembered for a short while so that a client (or an attacker)
 * repeating an unknown token does not reach the store each time. Bounded in entries; the
 * oldest goes first, which is also the first to expire since every entry lives as long. A key
 * written under one of a token's storage ids drops that token at once, so a key just created
 * works on the very next request.
 */
export class UnknownTokens {
  /** in insertion order, which is expiry order */
  private readonly misses = new Map<string, Miss>()
  private readonly byId = new Map<string, Set<Miss>>()

  constructor (private readonly maxEntries: number, private readonly ttlMs: number) {}

  has (key: string, nowMs: number): boolean {
    const miss = this.misses.get(key)
    if (miss === undefined) return false
    if (miss.expiresAtMs > nowMs) return true
    this.drop(miss)
    return false
  }

  add (key: string, ids: readonly string[], nowMs: number): void {
    if (this.maxEntries <= 0) return
    const previous = this.misses.get(key)
    if (previous !== undefined) this.drop(previous)
    for (const oldest of this.misses.values()) {
      if (this.misses.size < this.maxEntries && oldest.expiresAtMs > nowMs) break
      this.drop(oldest)
    }
    const miss: Miss = { key, ids, expiresAtMs: nowMs + this.ttlMs }
    this.misses.set(key, miss)
    for (const id of ids) {
      const tokens = this.byId.get(id)
      if (tokens === undefined) this.byId.set(id, new Set([miss]))
      else tokens.add(miss)
    }
  }

  /** A key was written (or deleted) under this storage id. */
  forgetId (id: string): void {
    const tokens = this.byId.get(id)
    if (tokens === undefined) return
    for (const miss of [...tokens]) this.drop(miss)
  }

  clear (): void {
    this.misses.clear()
    this.byId.clear()
  }

  stats (): UnknownTokensStats {
    return { entries: this.misses.size, ids: this.byId.size }
  }

  private drop (miss: Miss): void {
    this.misses.delete(miss.key)
    for (const id of miss.ids) {
      const tokens = this.byId.get(id)
      if (tokens === undefined) continue
      tokens.delete(miss)
      if (tokens.size === 0) this.byId.delete(id)
    }
  }
}
