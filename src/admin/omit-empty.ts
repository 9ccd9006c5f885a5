import type { OmitEmptyRule } from '../model/tyk-omit-empty.js'
import { isPlainObject } from '../core/plain-object.js'

/** Empty as Go's omitempty sees it: null, false, 0, '', or a list or map with nothing in it. */
function isEmpty (value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return true
  if (Array.isArray(value)) return value.length === 0
  return isPlainObject(value) && Object.keys(value).length === 0
}

function eachOf (value: unknown, rule: OmitEmptyRule): unknown {
  if (Array.isArray(value)) {
    let changed = false
    const out = value.map((item) => { const shaped = omitEmpty(item, rule); changed ||= shaped !== item; return shaped })
    return changed ? out : value
  }
  if (!isPlainObject(value)) return value
  let out: Record<string, unknown> | undefined
  for (const [key, entry] of Object.entries(value)) {
    const shaped = omitEmpty(entry, rule)
    if (shaped !== entry) (out ??= { ...value })[key] = shaped
  }
  return out ?? value
}

/**
 * The value as Tyk prints it: the rule's fields left out where empty, at every level the rule
 * names. Returns the value itself when nothing changes (answers are often frozen and cached),
 * otherwise a shallow copy per changed level; key order is kept.
 */
export function omitEmpty (value: unknown, rule: OmitEmptyRule): unknown {
  if (rule.each !== undefined) value = eachOf(value, rule.each)
  if (!isPlainObject(value)) return value
  let out: Record<string, unknown> | undefined
  for (const [name, nestedRule] of Object.entries(rule.nested ?? {})) {
    if (!(name in value)) continue
    const shaped = omitEmpty(value[name], nestedRule)
    if (shaped !== value[name]) (out ??= { ...value })[name] = shaped
  }
  for (const name of rule.fields ?? []) {
    if (name in value && isEmpty(value[name])) delete (out ??= { ...value })[name]
  }
  return out ?? value
}
