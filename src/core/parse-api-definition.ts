import { ApiDefinitionSchema, type ApiDefinition } from '../model/api-definition.js'
import { decodeWithSchema } from './decode-with-schema.js'

/** A classic API definition from JSON: Go-style decode, validated, every field filled. */
export function parseApiDefinition (value: unknown): { ok: true, api: ApiDefinition } | { ok: false, problem: string } {
  const decoded = decodeWithSchema<ApiDefinition>(ApiDefinitionSchema, value, 'definition')
  return decoded.ok ? { ok: true, api: decoded.value } : decoded
}
