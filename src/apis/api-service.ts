import { randomKeyId } from '../core/token.js'
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

  async create (body: unknown): Promise<string> {
    let api = this.validate(body)
    if (api.api_id === '') api = { ...api, api_id: randomKeyId() }
    assertSafeApiId(api.api_id)
    await this.write(api)
    return api.api_id
  }

  async update (apiId: string, body: unknown): Promise<string> {
    assertSafeApiId(apiId)
    const api = this.validate(body)
    if (!this.options.loaded().has(apiId)) throw new GatehouseError('API_NOT_FOUND')
    if (api.api_id !== apiId) throw new GatehouseError('API_ID_MISMATCH')
    await this.write(api)
    return apiId
  }

  async delete (apiId: string): Promise<void> {
    assertSafeApiId(apiId)
    if (!this.options.loaded().has(apiId)) throw new GatehouseError('API_NOT_FOUND')
    let deleted: boolean
    try {
      deleted = await this.options.folder.delete(apiId)
    } catch (err) {
      throw new GatehouseError('DELETE_FAILED', { cause: err })
    }
    if (!deleted) throw new GatehouseError('DELETE_FAILED', { detail: `${apiId}.json is not in app_path` })
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
