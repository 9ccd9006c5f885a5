import { Value } from '@sinclair/typebox/value'
import { PolicySchema, type Policy } from '../model/policy.js'
import { completeFields, normalizeFieldNames } from './schema-fields.js'

/** Go-style decode (case-insensitive names, null = zero value), validate, fill defaults. */
export function parsePolicy (value: unknown): { ok: true, policy: Policy } | { ok: false, problem: string } {
  const normalized = normalizeFieldNames(PolicySchema, value)
  if (!Value.Check(PolicySchema, normalized)) {
    const first = Value.Errors(PolicySchema, normalized).First()
    const where = first === undefined || first.path === '' ? 'policy' : first.path.slice(1).replaceAll('/', '.')
    return { ok: false, problem: `${where}: ${first?.message ?? 'invalid'}` }
  }
  return { ok: true, policy: completeFields(PolicySchema, normalized) as Policy }
}
