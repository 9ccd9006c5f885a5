import { BASE_ROUTE, type VersionRoute } from '../core/version-route.js'
import type { CompiledApi } from './compiled-api.js'

export interface LinkedVersions {
  /** per base API: version name -> its route, for each listed version whose API is loaded */
  readonly routes: ReadonlyMap<CompiledApi, ReadonlyMap<string, VersionRoute<CompiledApi>>>
  /** one line per listed version whose API is not loaded (requests for it get 404 or 500) */
  readonly unresolved: readonly string[]
}

/** Tyk's APILoopingName: the name before a " #category", each run of other characters a '-'. */
function loopingName (name: string): string {
  const hash = name.indexOf('#')
  return (hash === -1 ? name : name.slice(0, Math.max(hash - 1, 0))).replace(/[^A-Za-z0-9]+/g, '-').toLowerCase()
}

/**
 * Resolves each base API's versions to the loaded APIs serving them, once per set of live APIs.
 * As Tyk's findInternalHttpHandlerByNameOrID, a version names an API by api_id or by its looping
 * name (case-insensitive); the api_id wins. A version that names the base itself is served by
 * the base (in Tyk the base would hand the request to itself without end).
 */
export function linkVersions (apis: readonly CompiledApi[]): LinkedVersions {
  const routes = new Map<CompiledApi, ReadonlyMap<string, VersionRoute<CompiledApi>>>()
  const unresolved: string[] = []
  const bases = apis.filter((api) => api.versionLinks !== undefined)
  if (bases.length === 0) return { routes, unresolved }
  const byId = new Map(apis.map((api) => [api.apiId, api]))
  const byName = new Map<string, CompiledApi>()
  for (const api of apis) if (!byName.has(loopingName(api.name))) byName.set(loopingName(api.name), api)
  const routeTo = new Map<CompiledApi, VersionRoute<CompiledApi>>()
  for (const base of bases) {
    const named = new Map<string, VersionRoute<CompiledApi>>()
    for (const [version, target] of base.versionLinks?.versions ?? []) {
      const api = target === '' ? undefined : byId.get(target) ?? byName.get(target.toLowerCase())
      if (api === undefined) {
        unresolved.push(`API ${base.apiId}: version ${version} ${target === '' ? 'names no API' : `names API ${target}, which is not loaded`}`)
        continue
      }
      let route = api === base ? BASE_ROUTE : routeTo.get(api)
      if (route === undefined) {
        route = Object.freeze({ kind: 'version', api })
        routeTo.set(api, route)
      }
      named.set(version, route)
    }
    const links = base.versionLinks
    if (links !== undefined && links.fallbackToDefault && links.defaultName !== 'self' && links.defaultName !== links.baseName && !named.has(links.defaultName)) {
      unresolved.push(`API ${base.apiId}: fallback_to_default, but no loaded API serves its default version ${links.defaultName}`)
    }
    routes.set(base, named)
  }
  return { routes, unresolved }
}
