import type { ErrorCode } from '../model/errors.js'

/** An API's version data, compiled once at load (spec gateway 5.1). */
export interface Versioning {
  readonly notVersioned: boolean
  /** where a request names its version; 'none' when it names none that is read */
  readonly location: 'header' | 'url-param' | 'url' | 'none'
  /** lower-case header name, or query parameter name */
  readonly key: string
  readonly defaultVersion: string
  readonly fallbackToDefault: boolean
  /** version name -> expiry in ms (Infinity = never, -Infinity = unparsable, i.e. expired) */
  readonly versions: ReadonlyMap<string, number>
  /** the API's own `expiration`, only enforced for non-versioned APIs */
  readonly apiExpiresMs: number
}

export type VersionOutcome =
  | { readonly kind: 'ok', readonly version: string | undefined, readonly expiresMs: number }
  | { readonly kind: 'deny', readonly error: ErrorCode }

const denied = new Map<ErrorCode, VersionOutcome>()
function deny (error: ErrorCode): VersionOutcome {
  let outcome = denied.get(error)
  if (outcome === undefined) {
    outcome = Object.freeze({ kind: 'deny', error })
    denied.set(error, outcome)
  }
  return outcome
}

const TYK_DATE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/

/** Tyk's "2006-01-02 15:04" (UTC); '' and '-1' never expire; anything unparsable is expired. */
export function parseTykDate (text: string): number {
  if (text === '' || text === '-1') return Infinity
  const match = TYK_DATE.exec(text)
  if (match === null) return -Infinity
  const [, year, month, day, hour, minute] = match.map(Number) as [number, number, number, number, number, number]
  return Date.UTC(year, month - 1, day, hour, minute)
}

/**
 * Tyk's classic version resolution (spec gateway 5.3). `requested` is the version the request
 * names ('' for none). The `version` of an ok outcome is what access rights are checked
 * against: undefined for a non-versioned API (any granted entry will do).
 */
export function resolveVersion (versioning: Versioning, requested: string, nowMs: number): VersionOutcome {
  if (versioning.notVersioned) return resolveNotVersioned(versioning, nowMs)
  return resolveVersioned(versioning, requested, nowMs)
}

/**
 * The outcome for a non-versioned API depends only on its definition and the clock: it is made
 * once per API and reused while the API has not expired (the common case on the hot path).
 */
const notVersionedOutcomes = new WeakMap<Versioning, VersionOutcome>()

function resolveNotVersioned (versioning: Versioning, nowMs: number): VersionOutcome {
  let outcome = notVersionedOutcomes.get(versioning)
  if (outcome === undefined) {
    outcome = defaultVersionOf(versioning)
    notVersionedOutcomes.set(versioning, outcome)
  }
  if (outcome.kind === 'ok' && nowMs >= versioning.apiExpiresMs) return deny('API_EXPIRED')
  return outcome
}

function defaultVersionOf (versioning: Versioning): VersionOutcome {
  const names = versioning.versions
  const defaults = ['Default', 'default', ''].filter((name) => names.has(name))
  if (defaults.length > 1) return deny('VERSION_AMBIGUOUS_DEFAULT')
  const only = names.size === 1 ? names.keys().next().value : defaults[0]
  if (only === undefined) return deny('VERSION_NO_DEFAULT')
  return Object.freeze({ kind: 'ok', version: undefined, expiresMs: versioning.apiExpiresMs })
}

function resolveVersioned (versioning: Versioning, requested: string, nowMs: number): VersionOutcome {
  let name = requested
  if (name === '') {
    if (versioning.defaultVersion === '') return deny('VERSION_INFO_NOT_FOUND')
    name = versioning.defaultVersion
  }
  let expiresMs = versioning.versions.get(name)
  if (expiresMs === undefined && versioning.fallbackToDefault) {
    expiresMs = versioning.versions.get(versioning.defaultVersion)
    if (expiresMs !== undefined) name = versioning.defaultVersion
  }
  if (expiresMs === undefined) return deny('VERSION_DOES_NOT_EXIST')
  if (nowMs >= expiresMs) return deny('VERSION_EXPIRED')
  return { kind: 'ok', version: name, expiresMs }
}
