import { GatehouseError } from '../model/errors.js'
import type { Session } from '../model/session.js'
import type { Bus, Counters, Store } from '../store/ports.js'
import { orgQuotaCounterName } from '../core/effective-limit.js'
import type { OrgDefaultPolicies } from './org-default-policies.js'

export interface OrgServiceOptions {
  readonly store: Store
  readonly bus: Bus
  /** reset_quota=1 deletes the org's quota counter */
  readonly counters: Counters
  readonly clock: () => number
  /** default_policies of every org, kept current here before the change is announced */
  readonly defaults: OrgDefaultPolicies
  /**
   * Tyk serves org reads only when some API is loaded (its "spec for org" rule, spec 4.1):
   * with none, GET and DELETE are 404. Kept for clients that expect it.
   */
  readonly anyApiLoaded: () => boolean
}

/** Organisation sessions (spec section 4): org-wide limits, stored under the org id. */
export class OrgService {
  constructor (private readonly options: OrgServiceOptions) {}

  async list (filter: string): Promise<string[]> {
    if (!this.options.anyApiLoaded()) throw new GatehouseError('ORG_LIST_NOT_FOUND')
    return await this.options.store.listOrgIds(filter.replace(/\*$/, ''))
  }

  async get (orgId: string): Promise<Session> {
    if (!this.options.anyApiLoaded()) throw new GatehouseError('ORG_NOT_FOUND')
    const session = await this.options.store.getOrgSession(orgId)
    if (session === undefined) throw new GatehouseError('ORG_NOT_FOUND')
    return session
  }

  /** POST and PUT alike: last_updated is always now; reset_quota=1 starts a new quota window. */
  async put (orgId: string, input: Session, resetQuota: boolean): Promise<void> {
    const nowSeconds = Math.floor(this.options.clock() / 1000)
    let session: Session = { ...input, last_updated: String(nowSeconds) }
    if (resetQuota) session = { ...session, quota_renews: nowSeconds + session.quota_renewal_rate }
    try {
      await this.options.store.putOrgSession(orgId, session)
    } catch (err) {
      throw new GatehouseError('ORG_WRITE_FAILED', { args: [(err as Error).message], cause: err })
    }
    if (resetQuota) await this.options.counters.resetQuotas([orgQuotaCounterName(orgId)])
    this.options.defaults.set(orgId, session)
    await this.options.bus.publish({ kind: 'org', id: orgId })
  }

  async delete (orgId: string): Promise<void> {
    if (!this.options.anyApiLoaded()) throw new GatehouseError('ORG_NOT_FOUND')
    if (!await this.options.store.deleteOrgSession(orgId)) throw new GatehouseError('KEY_REMOVE_FAILED')
    this.options.defaults.set(orgId, undefined)
    await this.options.bus.publish({ kind: 'org', id: orgId })
  }
}
