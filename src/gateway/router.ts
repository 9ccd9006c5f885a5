import type { CompiledApi } from './compiled-api.js'

/**
 * Listen-path routing as Tyk does it: a plain string-prefix match, longest listen path first,
 * ties broken by api_id so the order never depends on load order.
 */
export class ApiRouter {
  private readonly apis: readonly CompiledApi[]

  constructor (apis: readonly CompiledApi[]) {
    this.apis = [...apis].sort((a, b) => b.listenPath.length - a.listenPath.length || a.apiId.localeCompare(b.apiId))
  }

  match (path: string): CompiledApi | undefined {
    for (const api of this.apis) {
      if (path.startsWith(api.listenPath)) return api
    }
    return undefined
  }

  get size (): number {
    return this.apis.length
  }
}
