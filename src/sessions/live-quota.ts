import { isEmptyLimit, quotaCounterName } from '../core/effective-limit.js'
import type { QuotaCounter } from '../core/quota.js'
import type { Session } from '../model/session.js'
import type { Counters } from '../store/ports.js'

/**
 * GET /tyk/keys/{id} shows the live quota counters (spec 2.7 step 5), not the stored
 * quota_remaining: the key's own counter, and one per API whose access right has a quota.
 */
export interface LiveQuota {
  /** '' for the key's own quota, else the API id whose limit the counter belongs to */
  readonly apiIds: readonly string[]
  /** the counter as read, undefined when none is running (never used, reset or ended) */
  readonly states: ReadonlyArray<{ readonly used: number, readonly periodEndMs: number } | undefined>
  /** Changes whenever what GET would show changes: compare it to reuse an earlier answer. */
  readonly stamp: string
}

/** Reads the counters an effective session's GET shows. */
export async function readLiveQuota (counters: Counters, id: string, effective: Session, nowMs: number): Promise<LiveQuota> {
  const apiIds: string[] = []
  const states: Array<QuotaCounter | undefined> = []
  let stamp = ''
  let showsNow = false
  const read = async (apiId: string, counter: string): Promise<void> => {
    const live = await counters.quotaState(counter, nowMs)
    // a copy: the live counter keeps counting after this read
    const state = live === undefined ? undefined : { used: live.used, periodEndMs: live.periodEndMs }
    apiIds.push(apiId)
    states.push(state)
    stamp += state === undefined ? '-;' : `${state.used}@${state.periodEndMs};`
    if (state?.periodEndMs === Infinity) showsNow = true
  }
  if (effective.quota_max !== -1) await read('', quotaCounterName('', id))
  for (const [apiId, right] of Object.entries(effective.access_rights)) {
    if (hasOwnQuota(right.limit)) await read(apiId, quotaCounterName(right.allowance_scope ?? '', id))
  }
  // a period that never ends shows "now" as its renewal time, so the answer ages by the second
  if (showsNow) stamp += String(Math.floor(nowMs / 1000))
  return { apiIds, states, stamp }
}

/** The effective session with the live counters written in. */
export function withLiveQuota (effective: Session, live: LiveQuota, nowMs: number): Session {
  let out = effective
  let rights: Session['access_rights'] | undefined
  for (let i = 0; i < live.apiIds.length; i++) {
    const apiId = live.apiIds[i] ?? ''
    const state = live.states[i]
    if (apiId === '') {
      if (state !== undefined) out = { ...out, quota_remaining: Math.max(0, effective.quota_max - state.used), quota_renews: renewsAt(state.periodEndMs, nowMs) }
      continue
    }
    const right = effective.access_rights[apiId]
    const limit = right?.limit
    if (right === undefined || limit === undefined) continue
    const quotaMax = limit.quota_max ?? 0
    rights ??= { ...effective.access_rights }
    rights[apiId] = {
      ...right,
      limit: state === undefined
        ? { ...limit, quota_remaining: quotaMax }
        : { ...limit, quota_remaining: Math.max(0, quotaMax - state.used), quota_renews: renewsAt(state.periodEndMs, nowMs) }
    }
  }
  return rights === undefined ? out : { ...out, access_rights: rights }
}

function hasOwnQuota (limit: Session['access_rights'][string]['limit']): boolean {
  return limit !== undefined && !isEmptyLimit(limit) && limit.quota_max !== -1 && (limit.quota_max ?? 0) !== 0
}

/** A period that never ends shows "now", as Tyk does for quotas that never renew. */
function renewsAt (periodEndMs: number, nowMs: number): number {
  return Math.floor((periodEndMs === Infinity ? nowMs : periodEndMs) / 1000)
}
