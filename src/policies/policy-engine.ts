import { mergePolicies, policyIdsOf, type PolicyLookup } from '../core/policy-merge.js'
import { withOrgWideAccess, type OrgApi } from '../core/org-wide.js'
import { keepsOwnRights, mergeOwnRightsAndDefaults } from '../core/own-rights-and-defaults.js'
import type { Policy } from '../model/policy.js'
import type { Session } from '../model/session.js'
import type { PolicyRegistry } from './policy-registry.js'

export interface PolicyEngineOptions {
  readonly registry: PolicyRegistry
  /** The default_policies of an org session (none when the org has no session). */
  readonly orgDefaults: (orgId: string) => readonly string[]
}

/**
 * What a key's policies mean right now: the loaded policies, org-wide ones opened over the
 * loaded APIs of their org, plus the org's default policies. The merge itself is core's.
 */
export class PolicyEngine {
  private apis: readonly OrgApi[] = []
  /** org-wide policies opened over the current API set, by policy object */
  private opened = new WeakMap<Policy, Policy>()

  constructor (private readonly options: PolicyEngineOptions) {}

  /** A reload changed the loaded APIs: org-wide grants are worked out again. */
  setApis (apis: readonly OrgApi[]): void {
    this.apis = apis
    this.opened = new WeakMap()
  }

  /** The policy a key of `orgId` means by `id`, org-wide grants included. */
  readonly lookup = (orgId: string, id: string): Policy | undefined => {
    const policy = this.options.registry.lookup(orgId, id)
    if (policy === undefined || policy.org_wide !== true) return policy
    let opened = this.opened.get(policy)
    if (opened === undefined) {
      opened = withOrgWideAccess(policy, this.apis)
      this.opened.set(policy, opened)
    }
    return opened
  }

  /** The org's default policies a key uses besides its own, in merge order (after its own). */
  orgDefaultsOf (session: Session): readonly string[] {
    const defaults = this.options.orgDefaults(session.org_id)
    if (defaults.length === 0) return defaults
    const own = policyIdsOf(session)
    return own.length === 0 ? defaults : defaults.filter((id) => !own.includes(id))
  }

  /** The effective session (throws PolicyMergeError when Tyk would refuse the key). */
  readonly apply = (session: Session, apiOrgId?: string): Session => this.merge(session, this.lookup, apiOrgId)

  /** The effective session as it would be if `candidate` replaced the policy of its id (preview). */
  applyWith (session: Session, candidate: Policy): Session {
    const opened = withOrgWideAccess(candidate, this.apis)
    // as the registry: a policy is found only by keys of its own org
    const lookup: PolicyLookup = (orgId, id) => id === candidate.id ? (candidate.org_id === orgId ? opened : undefined) : this.lookup(orgId, id)
    return this.merge(session, lookup)
  }

  /**
   * A key with policies gets its org's defaults after its own, merged by Tyk's rules; a key with
   * access rights of its own and no policy keeps them and gets the defaults' APIs beside them
   * (issue 15; core/own-rights-and-defaults.ts says how the two combine).
   */
  private merge (session: Session, lookup: PolicyLookup, apiOrgId?: string): Session {
    const added = this.orgDefaultsOf(session)
    if (added.length === 0) return mergePolicies(session, lookup, apiOrgId)
    if (keepsOwnRights(session)) return mergeOwnRightsAndDefaults(session, added, lookup, apiOrgId)
    return mergePolicies({ ...session, apply_policies: [...policyIdsOf(session), ...added] }, lookup, apiOrgId)
  }
}
