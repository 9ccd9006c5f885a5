/** Sizes of every internal structure, for tests and metrics: all stay bounded by the budget. */
export interface TokenCacheStats {
  readonly entries: number
  readonly bytes: number
  readonly maxBytes: number
  /** orgs with at least one cached token */
  readonly orgs: number
  /** tags ('key:…', 'policy:…', 'org:…') with at least one cached token */
  readonly tags: number
  /** memberships over all tags: at most entries × tags per entry */
  readonly tagMembers: number
  /** slots in the eviction queue, live or not: at most about twice the entries */
  readonly queue: number
}

/**
 * What the cache keeps per token, and hands back on a hit: the cached value itself carries these
 * fields, so a hit reads one object (an entry wrapping the value cost a second dependent load:
 * 430 vs 860 ns a hit over 100,000 tokens, bench/micro/session-hit.ts).
 */
export interface CacheSlot {
  readonly orgId: string
  readonly token: string
  /** every tag this entry was registered under: removal takes it out of each */
  readonly tags: readonly string[]
  readonly bytes: number
  /** CLOCK's reference bit: set by a hit, cleared when eviction passes over the entry */
  used: boolean
  live: boolean
}

/** Queue slots kept before dead ones (forgotten entries) are swept out. */
const QUEUE_SLACK = 1024

/**
 * Org -> token -> value, bounded in (estimated) bytes, with an index from tags to the entries
 * registered under them, so a change drops exactly what depends on it. An entry leaves every
 * index when it leaves the cache, whether evicted or forgotten: nothing outlives it.
 *
 * Eviction is CLOCK (second chance) over insertion order: a hit only sets a flag on the entry
 * (no Map delete + set as LRU would need), and eviction is O(1) amortised.
 */
export class TokenCache<E extends CacheSlot> {
  private readonly byOrg = new Map<string, Map<string, E>>()
  private readonly byTag = new Map<string, Set<E>>()
  private queue: E[] = []
  private head = 0
  private entries = 0
  private bytes = 0

  constructor (private readonly maxBytes: number) {}

  get (orgId: string, token: string): E | undefined {
    const entry = this.byOrg.get(orgId)?.get(token)
    // written only when clear: a key in steady use costs reads alone, no dirtied cache line
    if (entry !== undefined && !entry.used) entry.used = true
    return entry
  }

  /** Caches `entry` (used false, live true), evicting as needed; one larger than the whole budget is not kept. */
  set (entry: E): void {
    const { orgId, token, tags, bytes } = entry
    const previous = this.byOrg.get(orgId)?.get(token)
    if (previous !== undefined) this.remove(previous)
    if (bytes > this.maxBytes) return
    while (this.bytes + bytes > this.maxBytes && this.evictOne());
    let byToken = this.byOrg.get(orgId)
    if (byToken === undefined) {
      byToken = new Map()
      this.byOrg.set(orgId, byToken)
    }
    byToken.set(token, entry)
    for (const tag of tags) {
      const members = this.byTag.get(tag)
      if (members === undefined) this.byTag.set(tag, new Set([entry]))
      else members.add(entry)
    }
    this.queue.push(entry)
    this.entries++
    this.bytes += bytes
    this.sweepQueue()
  }

  /** Drops every entry registered under `tag`. */
  forget (tag: string): void {
    const members = this.byTag.get(tag)
    if (members === undefined) return
    for (const entry of [...members]) this.remove(entry)
    this.sweepQueue()
  }

  clear (): void {
    this.byOrg.clear()
    this.byTag.clear()
    for (const entry of this.queue) entry.live = false
    this.queue = []
    this.head = 0
    this.entries = 0
    this.bytes = 0
  }

  stats (): TokenCacheStats {
    let tagMembers = 0
    for (const members of this.byTag.values()) tagMembers += members.size
    return { entries: this.entries, bytes: this.bytes, maxBytes: this.maxBytes, orgs: this.byOrg.size, tags: this.byTag.size, tagMembers, queue: this.queue.length - this.head }
  }

  /** Removes the first entry not used since eviction last passed it; false when empty. */
  private evictOne (): boolean {
    while (this.head < this.queue.length) {
      const entry = this.queue[this.head++]
      if (entry === undefined || !entry.live) continue
      if (entry.used) {
        entry.used = false
        this.queue.push(entry)
        continue
      }
      this.remove(entry)
      return true
    }
    return false
  }

  private remove (entry: E): void {
    entry.live = false
    this.entries--
    this.bytes -= entry.bytes
    const byToken = this.byOrg.get(entry.orgId)
    if (byToken !== undefined && byToken.get(entry.token) === entry) {
      byToken.delete(entry.token)
      if (byToken.size === 0) this.byOrg.delete(entry.orgId)
    }
    for (const tag of entry.tags) {
      const members = this.byTag.get(tag)
      if (members === undefined) continue
      members.delete(entry)
      if (members.size === 0) this.byTag.delete(tag)
    }
  }

  /**
   * Keeps the queue within about twice the live entries: the consumed head and the slots of
   * forgotten entries are dropped in one pass, whose cost the pushes since the last pass paid.
   */
  private sweepQueue (): void {
    const slots = this.queue.length - this.head
    if (slots <= 2 * this.entries + QUEUE_SLACK && this.head <= QUEUE_SLACK + slots) return
    const kept: E[] = []
    for (let at = this.head; at < this.queue.length; at++) {
      const entry = this.queue[at]
      if (entry?.live === true) kept.push(entry)
    }
    this.queue = kept
    this.head = 0
  }
}
