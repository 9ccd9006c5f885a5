import type { ApiDefinition } from '../model/api-definition.js'
import { isPlainObject } from './plain-object.js'

/** The versioning query parameters of POST /tyk/apis ('' when absent). */
export interface VersionParams {
  readonly baseApiId: string
  readonly baseApiVersionName: string
  readonly newVersionName: string
  readonly setDefault: string
}

/**
 * The base API with `newApiId` added as version `newVersionName`, as Tyk's
 * lib/apidef/version.go ConfigureVersionDefinition does it: versioning on, the base's own
 * version renamed when asked, the new version the default on `set_default=true`, and Tyk's
 * defaults for an empty key ("x-api-version"), location ("header") and default ("self").
 * Other fields of `definition`, known or not, are kept.
 */
export function addApiVersion (base: ApiDefinition, params: VersionParams, newApiId: string): ApiDefinition {
  const definition = { ...(base.definition as Record<string, unknown>) }
  definition.enabled = true
  if (params.baseApiVersionName !== '') definition.name = params.baseApiVersionName
  if (params.setDefault === 'true') definition.default = params.newVersionName
  const listed = definition.versions
  const versions = isPlainObject(listed) ? { ...listed } : {}
  versions[params.newVersionName] = newApiId
  definition.versions = versions
  if (definition.key === '' || definition.key === undefined) definition.key = 'x-api-version'
  if (definition.location === '' || definition.location === undefined) definition.location = 'header'
  if (definition.default === '' || definition.default === undefined) definition.default = 'self'
  return { ...base, definition: definition as ApiDefinition['definition'] }
}
