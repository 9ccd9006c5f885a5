import type { Session } from '../model/session.js'

/**
 * Calibrated with bench/micro/session-bytes.ts (V8 heap per cached, merged session of the
 * default shape, with its cache entry and index memberships: 2,204 bytes with 1 API, 4,290
 * with 5, 12,800 with 20): a fixed part, plus each API in access_rights, plus each allowed URL
 * (a guess, not measured), plus the token as UTF-16. The fixed part adds ~600 bytes for the
 * limit plan the key's first request makes (bench/micro/limit-plan.ts keeps 200,000).
 */
const BASE_BYTES = 2_200
const PER_API_BYTES = 560
const PER_URL_BYTES = 250

/** A cheap estimate, made once per cache insert, of the memory a cached session holds. */
export function sessionBytes (session: Session, token: string): number {
  let bytes = BASE_BYTES + 2 * token.length
  for (const rights of Object.values(session.access_rights ?? {})) {
    bytes += PER_API_BYTES + PER_URL_BYTES * (rights.allowed_urls?.length ?? 0)
  }
  return bytes
}
