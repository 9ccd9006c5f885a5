import type { TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { completeFields, normalizeFieldNames } from './schema-fields.js'

export type Decoded<T> = { readonly ok: true, readonly value: T } | { readonly ok: false, readonly problem: string }

/**
 * Decodes a JSON value the way Tyk's Go decoder does (case-insensitive names, null = zero
 * value), validates it against `schema` and fills every default. `what` names the whole value
 * in a problem found at its top level.
 */
export function decodeWithSchema<T> (schema: TSchema, value: unknown, what: string): Decoded<T> {
  const normalized = normalizeFieldNames(schema, value)
  if (!Value.Check(schema, normalized)) {
    const first = Value.Errors(schema, normalized).First()
    const where = first === undefined || first.path === '' ? what : first.path.slice(1).replaceAll('/', '.')
    return { ok: false, problem: `${where}: ${first?.message ?? 'invalid'}` }
  }
  return { ok: true, value: completeFields(schema, normalized) as T }
}
