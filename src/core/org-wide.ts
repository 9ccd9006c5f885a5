import type { Policy } from '../model/policy.js'
import type { AccessDefinition } from '../model/session.js'

/** What an org-wide grant needs to know of a loaded API. */
export interface OrgApi {
  readonly apiId: string
  readonly apiName: string
  readonly orgId: string
  /** every version the API defines: an org-wide grant opens them all */
  readonly versions: readonly string[]
}

/**
 * Gatehouse's `org_wide` policies (the seed forum thread's ask): the policy grants its limits on
 * every loaded API of its org, including APIs added after the key was made. Explicit
 * access_rights entries stay as written, so they still set one API's versions, URLs and
 * limits. Returns the policy itself when there is nothing to add. Pure.
 */
export function withOrgWideAccess (policy: Policy, apis: readonly OrgApi[]): Policy {
  if (policy.org_wide !== true) return policy
  const explicit = policy.access_rights ?? {}
  let rights: Record<string, AccessDefinition> | undefined
  for (const api of apis) {
    if (api.orgId !== policy.org_id || api.apiId in explicit) continue
    rights ??= { ...explicit }
    rights[api.apiId] = { api_id: api.apiId, api_name: api.apiName, versions: [...api.versions], allowed_urls: [] }
  }
  return rights === undefined ? policy : { ...policy, access_rights: rights }
}
