import { randomKeyId } from '../core/token.js'
import { addApiVersion, type VersionParams } from '../core/add-api-version.js'
import { removeApiVersion } from '../core/remove-api-version.js'
import { versionDefinitionOf } from '../core/version-definition.js'
import { versionMetasOf, type VersionFilter, type VersionMeta } from '../core/version-metas.js'
import { parseApiDefinition } from '../core/parse-api-definition.js'
import { GatehouseError } from '../model/errors.js'
import type { ApiDefinition } from '../model/api-definition.js'
import type { ApiFolder } from '../store/files/api-folder.js'

export interface ApiServiceOptions {
  readonly folder: ApiFolder
  /** The definitions the gateway serves now. */
  readonly loaded: () => ReadonlyMap<string, ApiDefinition>
}

/**
 * /tyk/apis as Tyk serves it (spec 5.1): writes go to `<app_path>/<api_id>.json` and the
 * gateway serves them after the next reload (`/tyk/reload`), so scripts written for Tyk,
 * which always reload, see the same answers. Reads show the loaded set.
 */
export class ApiService {
  constructor (private readonly options: ApiServiceOptions) {}

  list (): ApiDefinition[] {
    return [...this.options.loaded().values()]
  }

  get (apiId: string): ApiDefinition {
    const api = this.options.loaded().get(apiId)
    if (api === undefined) throw new GatehouseError('API_NOT_FOUND')
    return api
  }

  /** Tyk's versions of a loaded base API (GET /tyk/apis/{apiID}/versions). */
  versions (apiId: string, filter: VersionFilter): { status: 'success', apis: VersionMeta[] | null } {
    return versionMetasOf(this.get(apiId), this.options.loaded(), filter)
  }

  /**
   * The loaded API whose versions include `apiId`, or undefined: Tyk binds a version to its base
   * on load (gateway/api_loader.go) and names it in x-tyk-base-api-id.
   */
  baseIdOf (apiId: string): string | undefined {
    let baseId: string | undefined
    for (const api of this.options.loaded().values()) {
      if (api.api_id !== apiId && Object.values(versionDefinitionOf(api).versions).includes(apiId)) baseId = api.api_id
    }
    return baseId
  }

  /**
   * Refuses versioning parameters Tyk refuses, before the body is read, in Tyk's order
   * (lib/apidef/version.go VersionQueryParameters.Validate).
   */
  checkVersionParams (params: VersionParams): void {
    if (params.baseApiId === '') return
    if (params.newVersionName === '') throw new GatehouseError('API_NEW_VERSION_REQUIRED')
    const base = this.options.loaded().get(params.baseApiId)
    if (base === undefined) throw new GatehouseError('API_BASE_NOT_FOUND', { args: [params.baseApiId] })
    if (params.baseApiVersionName === '' && versionDefinitionOf(base).name === '') {
      throw new GatehouseError('API_BASE_VERSION_NAME_REQUIRED', { args: [params.baseApiId] })
    }
  }

  /**
   * Writes a new API; with `base_api_id`, the base API's file gains it as a version too (Tyk's
   * gateway/api_helpers.go updateBaseAPIWithNewVersion, from the loaded base). As in Tyk, a
   * failure to rewrite the base is logged by the caller and the new API stays written.
   */
  async create (body: unknown, params?: VersionParams): Promise<{ apiId: string, baseError?: unknown }> {
    if (params !== undefined) this.checkVersionParams(params)
    let api = this.validate(body)
    if (api.api_id === '') api = { ...api, api_id: randomKeyId() }
    assertSafeApiId(api.api_id)
    await this.write(api)
    const base = params === undefined || params.baseApiId === '' ? undefined : this.options.loaded().get(params.baseApiId)
    if (base === undefined || params === undefined) return { apiId: api.api_id }
    try {
      await this.options.folder.put(base.api_id, addApiVersion(base, params, api.api_id))
      return { apiId: api.api_id }
    } catch (err) {
      return { apiId: api.api_id, baseError: err }
    }
  }

  async update (apiId: string, body: unknown): Promise<string> {
    assertSafeApiId(apiId)
    const api = this.validate(body)
    if (!this.options.loaded().has(apiId)) throw new GatehouseError('API_NOT_FOUND')
    if (api.api_id !== apiId) throw new GatehouseError('API_ID_MISMATCH')
    await this.write(api)
    return apiId
  }

  /** Deletes an API's file; a version also leaves its base API's file (Tyk's handleBaseVersionCleanup). */
  async delete (apiId: string): Promise<{ baseError?: unknown }> {
    assertSafeApiId(apiId)
    if (!this.options.loaded().has(apiId)) throw new GatehouseError('API_NOT_FOUND')
    let deleted: boolean
    try {
      deleted = await this.options.folder.delete(apiId)
    } catch (err) {
      throw new GatehouseError('DELETE_FAILED', { cause: err })
    }
    if (!deleted) throw new GatehouseError('DELETE_FAILED', { detail: `${apiId}.json is not in app_path` })
    const baseId = this.baseIdOf(apiId)
    const base = baseId === undefined ? undefined : this.options.loaded().get(baseId)
    if (base === undefined) return {}
    try {
      await this.options.folder.put(base.api_id, removeApiVersion(base, apiId))
      return {}
    } catch (err) {
      return { baseError: err }
    }
  }

  private validate (body: unknown): ApiDefinition {
    const parsed = parseApiDefinition(body)
    if (!parsed.ok) throw new GatehouseError('REQUEST_MALFORMED', { detail: parsed.problem })
    const api = parsed.api
    if (api.proxy.enable_load_balancing && api.proxy.target_list.length === 0) {
      throw new GatehouseError('API_VALIDATION_FAILED', { args: ['all load balancing targets have weight 0, at least one target must have weight > 0'] })
    }
    return api
  }

  private async write (api: ApiDefinition): Promise<void> {
    try {
      await this.options.folder.put(api.api_id, api)
    } catch (err) {
      throw new GatehouseError('API_WRITE_FAILED', { cause: err })
    }
  }
}

/** An id that is a file name in app_path and nothing else: no separators, no dot names. */
function assertSafeApiId (apiId: string): void {
  let decoded = apiId
  for (let round = 0; round < 3; round++) {
    try {
      decoded = decodeURIComponent(decoded)
    } catch {
      break
    }
  }
  for (const candidate of [apiId, decoded]) {
    // eslint-disable-next-line no-control-regex
    if (candidate === '.' || candidate === '..' || /[/\\\u0000]/.test(candidate)) throw new GatehouseError('API_ID_INVALID')
  }
}
