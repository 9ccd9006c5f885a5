import { PolicySchema, type Policy } from '../model/policy.js'
import { decodeWithSchema } from './decode-with-schema.js'

/** A policy from JSON: Go-style decode, validated, every field filled. */
export function parsePolicy (value: unknown): { ok: true, policy: Policy } | { ok: false, problem: string } {
  const decoded = decodeWithSchema<Policy>(PolicySchema, value, 'policy')
  return decoded.ok ? { ok: true, policy: decoded.value } : decoded
}
