import type { Session } from '../model/session.js'
import type { Bus, Store } from '../store/ports.js'

/**
 * Org sessions for the data plane: read once per org, kept until a Bus event says the org
 * changed (on any node). "No org session" is remembered too, so an org without one costs a
 * single lookup, not one per request.
 */
export class OrgSessions {
  private readonly cache = new Map<string, Session | null>()

  constructor (private readonly store: Store, bus: Bus) {
    bus.subscribe((event) => {
      if (event.kind === 'org') this.cache.delete(event.id)
      else if (event.kind === 'reload') this.cache.clear()
    })
  }

  get (orgId: string): Session | undefined | Promise<Session | undefined> {
    const cached = this.cache.get(orgId)
    if (cached !== undefined) return cached ?? undefined
    const loaded = this.store.getOrgSession(orgId)
    if (loaded instanceof Promise) {
      return loaded.then((session) => { this.cache.set(orgId, session ?? null); return session })
    }
    this.cache.set(orgId, loaded ?? null)
    return loaded
  }
}
