/** A JSON object: not null, not an array (what Go would decode into a struct or a map). */
export function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
