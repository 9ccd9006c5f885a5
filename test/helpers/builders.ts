import { completeFields } from '../../src/core/schema-fields.js'
import { parsePolicy } from '../../src/core/parse-policy.js'
import type { Policy } from '../../src/model/policy.js'
import { SessionSchema, type Session } from '../../src/model/session.js'

/** A complete policy from a few fields, through the same parser the file loader uses. */
export function aPolicy (fields: Record<string, unknown>): Policy {
  const parsed = parsePolicy(fields)
  if (!parsed.ok) throw new Error(`bad test policy: ${parsed.problem}`)
  return parsed.policy
}

/** A complete session (every Tyk field) from a few fields. */
export function aSession (fields: Record<string, unknown> = {}): Session {
  return completeFields(SessionSchema, fields) as Session
}

/** A lookup over a list of policies, scoped by (org, id) as the registry does. */
export function lookupOf (policies: readonly Policy[]): (orgId: string, id: string) => Policy | undefined {
  return (orgId, id) => policies.find((policy) => policy.org_id === orgId && policy.id === id)
}
