import { isDeepStrictEqual } from 'node:util'
import type { TSchema } from '@sinclair/typebox'
import { ConfigSchema, NOT_ACTED_ON, type Config } from '../model/config.js'
import { TYK_CONF_FIELDS } from './tyk-conf-fields.js'
import { isPlainObject as isObject } from '../core/plain-object.js'

export interface IgnoredField {
  /** Dotted: `storage.host`. */
  readonly name: string
  /** Why, for a field Gatehouse reads but does not act on yet. */
  readonly reason?: string
}

export interface UnusedConfFields {
  /** Tyk's fields that are set but change nothing here. */
  readonly ignored: readonly IgnoredField[]
  /** Fields neither Tyk nor Gatehouse reads: typos, most likely. */
  readonly unknown: readonly string[]
}

type ObjectSchema = TSchema & { readonly properties: Readonly<Record<string, TSchema>> }

/** Go's zero value, all the way down: such a field asks Tyk for nothing either. */
function isZero (value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0
  if (isObject(value)) return Object.values(value).every(isZero)
  return value === false || value === 0 || value === '' || value === null
}

/**
 * Compares a loaded config (which keeps the fields it does not model) with what Gatehouse acts
 * on, which is ConfigSchema minus the fields marked NOT_ACTED_ON, and with Tyk's own field names.
 * A marked field counts only when it is set to something other than its default, a field of
 * Tyk's only when it is not Go's zero value (`"enable_jsvm": false` asks for nothing).
 */
export function unusedConfFields (config: Config): UnusedConfFields {
  const ignored: IgnoredField[] = []
  const unknown: string[] = []
  const visit = (value: Readonly<Record<string, unknown>>, schema: ObjectSchema, parent: string): void => {
    for (const [key, fieldValue] of Object.entries(value)) {
      const name = parent === '' ? key : `${parent}.${key}`
      const fieldSchema = schema.properties[key]
      if (fieldSchema === undefined) {
        if (TYK_CONF_FIELDS[parent]?.includes(key) !== true) unknown.push(name)
        else if (!isZero(fieldValue)) ignored.push({ name })
      } else if (isObject(fieldValue) && isObject(fieldSchema.properties)) {
        visit(fieldValue, fieldSchema as ObjectSchema, name)
      } else {
        const reason: unknown = fieldSchema[NOT_ACTED_ON]
        if (typeof reason === 'string' && fieldValue !== undefined && !isDeepStrictEqual(fieldValue, fieldSchema.default)) {
          ignored.push({ name, reason })
        }
      }
    }
  }
  visit(config, ConfigSchema, '')
  return { ignored, unknown }
}
