import { Value } from '@sinclair/typebox/value'
import { ApiDefinitionSchema, type ApiDefinition } from '../model/api-definition.js'
import { completeFields, normalizeFieldNames } from './schema-fields.js'

/** Go-style decode (case-insensitive names, null = zero value), validate, fill defaults. */
export function parseApiDefinition (value: unknown): { ok: true, api: ApiDefinition } | { ok: false, problem: string } {
  const normalized = normalizeFieldNames(ApiDefinitionSchema, value)
  if (!Value.Check(ApiDefinitionSchema, normalized)) {
    const first = Value.Errors(ApiDefinitionSchema, normalized).First()
    const where = first === undefined || first.path === '' ? 'definition' : first.path.slice(1).replaceAll('/', '.')
    return { ok: false, problem: `${where}: ${first?.message ?? 'invalid'}` }
  }
  return { ok: true, api: completeFields(ApiDefinitionSchema, normalized) as ApiDefinition }
}
