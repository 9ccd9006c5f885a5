import { ListenPathIndex } from '../core/listen-path-index.js'
import { routeVersion, type VersionLinks, type VersionRoute } from '../core/version-route.js'
import type { CompiledApi } from './compiled-api.js'
import { linkVersions } from './link-versions.js'

const NO_ROUTES: ReadonlyMap<string, VersionRoute<CompiledApi>> = new Map()

/**
 * Listen-path routing as Tyk does it: a plain string-prefix match, longest listen path first,
 * ties broken by api_id so the order never depends on load order. The listen paths sit in a
 * radix tree, so a match costs the same for 1 API or 10,000. A base API's versions are
 * resolved to the APIs serving them here, once, so a router always routes within its own set.
 */
export class ApiRouter {
  private readonly index: ListenPathIndex<CompiledApi>
  private readonly served: number
  private readonly versionRoutes: ReadonlyMap<CompiledApi, ReadonlyMap<string, VersionRoute<CompiledApi>>>
  /** one line per version of a base API that no loaded API serves */
  readonly unresolvedVersions: readonly string[]

  constructor (apis: readonly CompiledApi[]) {
    // Tyk serves an internal API only to its looping (here: a base API's versions)
    const served = apis.filter((api) => !api.internal).sort((a, b) => a.apiId.localeCompare(b.apiId))
    // two APIs on one listen path (only possible past deduplicateListenPaths): the smaller api_id
    this.index = new ListenPathIndex(served.map((api) => [api.listenPath, api] as const))
    this.served = served.length
    const linked = linkVersions(apis)
    this.versionRoutes = linked.routes
    this.unresolvedVersions = linked.unresolved
  }

  match (path: string): CompiledApi | undefined {
    return this.index.match(path)
  }

  /** Who serves a request to base API `base` (its `versionLinks`) naming version `requested`. */
  routeVersion (base: CompiledApi, links: VersionLinks, requested: string): VersionRoute<CompiledApi> {
    return routeVersion(links, this.versionRoutes.get(base) ?? NO_ROUTES, requested)
  }

  get size (): number {
    return this.served
  }
}
