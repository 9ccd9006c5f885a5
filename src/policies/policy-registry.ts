import type { Policy } from '../model/policy.js'

/**
 * The loaded policies, by (org, id) as Tyk >= 5.12 scopes them: two orgs may use one id. The
 * whole set is swapped at once on reload, so a merge never sees half of a reload.
 */
export class PolicyRegistry {
  private byOrg = new Map<string, Map<string, Policy>>()
  private byId = new Map<string, Policy>()

  replaceAll (policies: readonly Policy[]): void {
    const byOrg = new Map<string, Map<string, Policy>>()
    const byId = new Map<string, Policy>()
    for (const policy of policies) {
      let ofOrg = byOrg.get(policy.org_id)
      if (ofOrg === undefined) {
        ofOrg = new Map()
        byOrg.set(policy.org_id, ofOrg)
      }
      ofOrg.set(policy.id, policy)
      byId.set(policy.id, policy) // GET /tyk/policies/{id}: the one loaded last
    }
    this.byOrg = byOrg
    this.byId = byId
  }

  /** Adds or replaces one policy (a write through the API): live at once. */
  upsert (policy: Policy): void {
    this.remove(policy.id)
    this.replaceAll([...this.all(), policy])
  }

  /** Removes every policy with this id, whatever its org. */
  remove (id: string): void {
    if (!this.byId.has(id)) return
    this.replaceAll(this.all().filter((policy) => policy.id !== id))
  }

  /** The policy a key of `orgId` means by `id`. */
  lookup (orgId: string, id: string): Policy | undefined {
    return this.byOrg.get(orgId)?.get(id)
  }

  get (id: string): Policy | undefined {
    return this.byId.get(id)
  }

  all (): Policy[] {
    return [...this.byOrg.values()].flatMap((ofOrg) => [...ofOrg.values()])
  }
}
