import type { Session } from '../model/session.js'
import { deny, PASS, type Verdict } from './verdict.js'

const DISALLOWED = deny('ACCESS_DISALLOWED')

/**
 * Tyk's MW:AccessRightsCheck (mw_access_rights.go): an empty access_rights map is a master key
 * and may call any API; otherwise the API must be listed and, for a versioned API, the version
 * granted. `version` is undefined for an API that is not versioned. `fallbackVersion` is the
 * default version when the API falls back to it (definition.fallback_to_default).
 *
 * Unlike Tyk, an empty map opens everything only when allow_master_keys is on: a key whose
 * rights all came from policies or org defaults that are gone must not become a master key.
 */
export function checkAccessRights (session: Pick<Session, 'access_rights'>, apiId: string, version: string | undefined, fallbackVersion: string | undefined, masterKeysAllowed: boolean): Verdict {
  const rights = session.access_rights
  const entry = rights[apiId]
  if (entry === undefined) return masterKeysAllowed && !hasAnyEntry(rights) ? PASS : DISALLOWED
  if (version === undefined) return PASS
  const versions = entry.versions
  if (versions?.includes(version) === true) return PASS
  if (fallbackVersion !== undefined && fallbackVersion !== version && versions?.includes(fallbackVersion) === true) return PASS
  return DISALLOWED
}

/** Object.keys() would allocate an array per request; one step of for...in does not. */
function hasAnyEntry (record: object): boolean {
  // eslint-disable-next-line no-unreachable-loop
  for (const _ in record) return true
  return false
}
