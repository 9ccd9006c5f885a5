import type { ApiDefinition } from '../model/api-definition.js'
import { versionDefinitionOf } from './version-definition.js'

/** One entry of GET /tyk/apis/{apiID}/versions, in Tyk's field order (gateway/api.go VersionMeta). */
export interface VersionMeta {
  readonly id: string
  readonly name: string
  readonly versionName: string
  readonly internal: boolean
  readonly expirationDate: string
  readonly isDefaultVersion: boolean
}

export interface VersionFilter {
  /** case-insensitive substring of the version name; '' for all */
  readonly searchText: string
  /** 'internal' or 'external' keep only those APIs; anything else keeps all */
  readonly accessType: string
}

function isInternal (api: ApiDefinition): boolean {
  return (api as { internal?: unknown }).internal === true
}

function metaOf (api: ApiDefinition, versionName: string, defaultName: string): VersionMeta {
  const expiration = (api as { expiration?: unknown }).expiration
  return { id: api.api_id, name: api.name, versionName, internal: isInternal(api), expirationDate: typeof expiration === 'string' ? expiration : '', isDefaultVersion: defaultName === versionName }
}

/**
 * The versions of a base API as Tyk lists them (gateway/versions_handler.go): the base first,
 * then its versions by name; versions that are not loaded are skipped. Tyk answers `apis: null`
 * when the filter leaves nothing.
 */
export function versionMetasOf (base: ApiDefinition, loaded: ReadonlyMap<string, ApiDefinition>, filter: VersionFilter): { status: 'success', apis: VersionMeta[] | null } {
  const search = filter.searchText.toLowerCase()
  const included = (api: ApiDefinition, versionName: string): boolean => {
    if (filter.accessType === 'internal' && !isInternal(api)) return false
    if (filter.accessType === 'external' && isInternal(api)) return false
    return search === '' || versionName.toLowerCase().includes(search)
  }
  const versioning = versionDefinitionOf(base)
  // "self" names the base's own version (apidef VersionDefinition.ResolvedDefault)
  const defaultName = versioning.default === 'self' ? versioning.name : versioning.default
  const metas: VersionMeta[] = []
  for (const [versionName, apiId] of Object.entries(versioning.versions)) {
    const api = loaded.get(apiId)
    if (api !== undefined && included(api, versionName)) metas.push(metaOf(api, versionName, defaultName))
  }
  metas.sort((a, b) => a.versionName < b.versionName ? -1 : a.versionName > b.versionName ? 1 : 0)
  if (included(base, versioning.name)) metas.unshift(metaOf(base, versioning.name, defaultName))
  return { status: 'success', apis: metas.length === 0 ? null : metas }
}
