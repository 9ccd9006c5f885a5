import type { ErrorCode } from '../model/errors.js'

/**
 * A base API's versions as separate APIs (the `definition` block with `enabled: true`), compiled
 * once at load.
 */
export interface VersionLinks {
  /** definition.name: the base's own version name */
  readonly baseName: string
  /** definition.default: a version name, the base's name, "self" for the base, or '' */
  readonly defaultName: string
  readonly fallbackToDefault: boolean
  /** definition.versions: version name -> api_id (or name) of the API serving it */
  readonly versions: ReadonlyMap<string, string>
}

/** Who serves a request that reached a base API: the base, another API, or nobody. */
export type VersionRoute<T> =
  | { readonly kind: 'base' }
  | { readonly kind: 'version', readonly api: T }
  | { readonly kind: 'deny', readonly error: ErrorCode }

export const BASE_ROUTE: VersionRoute<never> = Object.freeze({ kind: 'base' })
const NO_VERSION_NAMED: VersionRoute<never> = Object.freeze({ kind: 'deny', error: 'VERSION_INFO_NOT_FOUND' })
const NO_SUCH_VERSION: VersionRoute<never> = Object.freeze({ kind: 'deny', error: 'VERSION_API_NOT_FOUND' })
const DEFAULT_MISSING: VersionRoute<never> = Object.freeze({ kind: 'deny', error: 'VERSION_DEFAULT_API_MISSING' })

/** "self" or the base's own name; with no name set, '' is the base too, as in Tyk's isBase. */
function isBase (links: VersionLinks, name: string): boolean {
  return name === 'self' || name === links.baseName
}

/**
 * Tyk's new-style version check (gateway/mw_version_check.go, ProcessRequest): the version the
 * request names, else the default; the base serves its own name, any other name goes to the API
 * listed for it. `routes` holds a route per listed version whose API is loaded (made when the
 * set of APIs goes live), so no route is built per request.
 */
export function routeVersion<T> (links: VersionLinks, routes: ReadonlyMap<string, VersionRoute<T>>, requested: string): VersionRoute<T> {
  const target = requested === '' ? links.defaultName : requested
  if (isBase(links, target)) return BASE_ROUTE
  if (target === '') return NO_VERSION_NAMED
  const route = routes.get(target)
  if (route !== undefined) return route
  // Tyk answers 404 here (403 for classic version_data); with fallback, the default serves
  if (!links.fallbackToDefault) return NO_SUCH_VERSION
  if (isBase(links, links.defaultName)) return BASE_ROUTE
  return routes.get(links.defaultName) ?? DEFAULT_MISSING
}
