import type { Session } from '../model/session.js'
import { deny, PASS, type Verdict } from './verdict.js'

const INACTIVE = deny('KEY_INACTIVE')
const EXPIRED = deny('KEY_EXPIRED')

/** Tyk's MW:KeyExpired: inactive first (403), then expiry (401). */
export function checkExpiry (session: Pick<Session, 'is_inactive' | 'expires'>, nowMs: number): Verdict {
  if (session.is_inactive) return INACTIVE
  // Tyk ignores expires <= 0: such keys never expire (gateway/auth_manager.go, KeyExpired).
  if (session.expires >= 1 && nowMs > session.expires * 1000) return EXPIRED
  return PASS
}
