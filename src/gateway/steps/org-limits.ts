import { orgQuotaCounterName, orgRateCounterName } from '../../core/effective-limit.js'
import { isQuotaLimited } from '../../core/quota.js'
import { isRateLimited } from '../../core/rate-limit.js'
import type { ErrorCode } from '../../model/errors.js'
import type { Session } from '../../model/session.js'
import type { Counters } from '../../store/ports.js'

/**
 * Tyk's OrganizationMonitor (spec management-api 4.2), run before authentication when
 * enforce_org_quotas is on: inactive org, org-wide rate limit, org-wide quota, all 403.
 * Returns the error, or undefined to go on. Local counters answer synchronously.
 */
export function checkOrgLimits (orgId: string, org: Session | undefined, counters: Counters, nowMs: number): ErrorCode | undefined | Promise<ErrorCode | undefined> {
  if (org === undefined) return undefined
  if (org.is_inactive) return 'ORG_INACTIVE'
  if (isRateLimited(org.rate, org.per)) {
    const decision = counters.rate(orgRateCounterName(orgId, org.last_updated), org.rate, org.per, nowMs, false)
    if (decision instanceof Promise) {
      return decision.then((settled) => settled.kind === 'block' ? 'ORG_RATE_LIMITED' : checkOrgQuota(orgId, org, counters, nowMs))
    }
    if (decision.kind === 'block') return 'ORG_RATE_LIMITED'
  }
  return checkOrgQuota(orgId, org, counters, nowMs)
}

function checkOrgQuota (orgId: string, org: Session, counters: Counters, nowMs: number): ErrorCode | undefined | Promise<ErrorCode | undefined> {
  if (!isQuotaLimited(org.quota_max)) return undefined
  const decision = counters.quota(orgQuotaCounterName(orgId), org.quota_max, org.quota_renewal_rate, nowMs)
  if (decision instanceof Promise) return decision.then((settled) => settled.kind === 'block' ? 'ORG_QUOTA_EXCEEDED' : undefined)
  return decision.kind === 'block' ? 'ORG_QUOTA_EXCEEDED' : undefined
}
