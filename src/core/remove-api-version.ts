import type { ApiDefinition } from '../model/api-definition.js'

/**
 * The base API without the version served by `apiId`, as Tyk's gateway/api_helpers.go
 * removeVersionFromDefinition does it on DELETE: if that version was the default, the base's
 * own version name becomes the default.
 */
export function removeApiVersion (base: ApiDefinition, apiId: string): ApiDefinition {
  const definition = { ...(base.definition as Record<string, unknown>) }
  const listed = definition.versions
  if (typeof listed !== 'object' || listed === null || Array.isArray(listed)) return base
  const entry = Object.entries(listed).find(([, versionApiId]) => versionApiId === apiId)
  if (entry === undefined) return base
  const versions: Record<string, unknown> = { ...(listed as Record<string, unknown>) }
  delete versions[entry[0]]
  definition.versions = versions
  if (definition.default === entry[0]) definition.default = definition.name
  return { ...base, definition: definition as ApiDefinition['definition'] }
}
