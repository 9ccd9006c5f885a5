import type { ApiDefinition } from '../model/api-definition.js'
import { isPlainObject } from './plain-object.js'

/**
 * The versioning part of an API's `definition` (apidef VersionDefinition): Tyk's versions as
 * separate APIs linked to a base API. These fields are kept as sent (the schema does not model
 * them), so they are read here defensively: a wrong type counts as absent.
 */
export interface VersionDefinition {
  readonly enabled: boolean
  /** the base API's own version name */
  readonly name: string
  /** the default version's name, or "self" for the base itself */
  readonly default: string
  readonly location: string
  readonly key: string
  /** version name -> api_id of the API serving it */
  readonly versions: Readonly<Record<string, string>>
}

export function versionDefinitionOf (api: ApiDefinition): VersionDefinition {
  const definition = api.definition as Record<string, unknown>
  const text = (name: string): string => typeof definition[name] === 'string' ? definition[name] : ''
  const versions: Record<string, string> = {}
  const listed = definition.versions
  if (isPlainObject(listed)) {
    for (const [name, apiId] of Object.entries(listed)) if (typeof apiId === 'string') versions[name] = apiId
  }
  return { enabled: definition.enabled === true, name: text('name'), default: text('default'), location: text('location'), key: text('key'), versions }
}
