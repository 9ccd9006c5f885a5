import type { Session } from '../model/session.js'
import type { Store } from '../store/ports.js'

const NONE: readonly string[] = Object.freeze([])

/**
 * The `default_policies` of every organisation session, in memory: the policy merge reads them
 * on every cache miss and must not wait for the store. OrgService keeps the map current before
 * it announces an org change, so a re-merge triggered by that news sees the new list.
 */
export class OrgDefaultPolicies {
  private readonly byOrg = new Map<string, readonly string[]>()

  /** Reads every org session once, at start. */
  async load (store: Store): Promise<void> {
    for (const orgId of await store.listOrgIds('')) this.set(orgId, await store.getOrgSession(orgId))
  }

  /** The org's session was written (or deleted: undefined). */
  set (orgId: string, session: Session | undefined): void {
    const ids = session?.default_policies ?? []
    if (ids.length === 0) this.byOrg.delete(orgId)
    else this.byOrg.set(orgId, Object.freeze([...ids]))
  }

  of (orgId: string): readonly string[] {
    return this.byOrg.get(orgId) ?? NONE
  }

  /** Every org that has default policies, with them. */
  all (): ReadonlyMap<string, readonly string[]> {
    return this.byOrg
  }
}
