import type { TSchema } from '@sinclair/typebox'
import { FORBIDDEN_MEMBER_NAMES } from './parse-json.js'
import { isPlainObject } from './plain-object.js'

/**
 * Tyk decodes JSON with Go's encoding/json: object keys match struct fields case-insensitively
 * ("ID", "Rate" fill id, rate) and a null leaves a field at its zero value. These two helpers
 * give our TypeBox schemas the same manners, walking the schema alongside the value:
 * `normalizeFieldNames` runs before validation, `completeFields` after it.
 * Both copy key by key with `out[key] = value`, where a key `__proto__` would set the copy's
 * prototype (issue 15): the names parseJson drops are skipped here too, and fields are looked up
 * with Object.hasOwn, never `in` (`'constructor' in {}` is true).
 */

type ObjectSchema = TSchema & { properties: Record<string, TSchema> }
const lowerNamesCache = new WeakMap<TSchema, Map<string, string>>()

function objectSchemaOf (schema: TSchema, value: unknown): ObjectSchema | undefined {
  if (isPlainObject(schema.properties)) return schema as ObjectSchema
  // a nullable object (Type.Union([Null, Object])): use the object branch for an object value
  if (Array.isArray(schema.anyOf) && isPlainObject(value)) {
    return (schema.anyOf as TSchema[]).find((member) => isPlainObject(member.properties)) as ObjectSchema | undefined
  }
  return undefined
}

function recordValueSchemaOf (schema: TSchema): TSchema | undefined {
  const pattern = schema.patternProperties as Record<string, TSchema> | undefined
  return pattern === undefined ? undefined : Object.values(pattern)[0]
}

function lowerNames (schema: ObjectSchema): Map<string, string> {
  let names = lowerNamesCache.get(schema)
  if (names === undefined) {
    names = new Map(Object.keys(schema.properties).map((name) => [name.toLowerCase(), name]))
    lowerNamesCache.set(schema, names)
  }
  return names
}

/** Renames keys to the schema's spelling and drops nulls of known fields; returns a new value. */
export function normalizeFieldNames (schema: TSchema, value: unknown): unknown {
  const objectSchema = objectSchemaOf(schema, value)
  if (objectSchema !== undefined && isPlainObject(value)) {
    const out: Record<string, unknown> = {}
    for (const [key, fieldValue] of Object.entries(value)) {
      if (FORBIDDEN_MEMBER_NAMES.has(key)) continue
      const name = Object.hasOwn(objectSchema.properties, key) ? key : (lowerNames(objectSchema).get(key.toLowerCase()) ?? key)
      const fieldSchema = Object.hasOwn(objectSchema.properties, name) ? objectSchema.properties[name] : undefined
      if (fieldSchema === undefined) {
        out[key] = fieldValue
      } else if (fieldValue === null && !acceptsNull(fieldSchema)) {
        delete out[name] // Go: null leaves the zero value
      } else {
        out[name] = normalizeFieldNames(fieldSchema, fieldValue)
      }
    }
    return out
  }
  const valueSchema = recordValueSchemaOf(schema)
  if (valueSchema !== undefined && isPlainObject(value)) {
    const out: Record<string, unknown> = {}
    for (const [key, entry] of Object.entries(value)) {
      if (!FORBIDDEN_MEMBER_NAMES.has(key)) out[key] = normalizeFieldNames(valueSchema, entry)
    }
    return out
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    return value.map((item) => normalizeFieldNames(schema.items as TSchema, item))
  }
  return value
}

interface Field { readonly name: string, readonly schema: TSchema, readonly hasDefault: boolean, readonly defaultValue: unknown }
const fieldsCache = new WeakMap<TSchema, readonly Field[]>()

/** An object schema's fields in order, worked out once per schema (keys are created often). */
function fieldsOf (schema: ObjectSchema): readonly Field[] {
  let fields = fieldsCache.get(schema)
  if (fields === undefined) {
    fields = Object.entries(schema.properties).map(([name, fieldSchema]) => {
      const hasDefault = 'default' in fieldSchema
      // Go's zero value of an absent nested struct has every field at its own zero value: the
      // default object is completed here, once per schema, and only copied per value.
      return { name, schema: fieldSchema, hasDefault, defaultValue: hasDefault ? completeFields(fieldSchema, fieldSchema.default) : undefined }
    })
    fieldsCache.set(schema, fields)
  }
  return fields
}

/** Primitives as they are, empty containers new, anything else a deep copy: defaults are shared. */
function copyOfDefault (value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.length === 0 ? [] : structuredClone(value)
  return Object.keys(value).length === 0 ? {} : structuredClone(value)
}

function acceptsNull (schema: TSchema): boolean {
  return Array.isArray(schema.anyOf) && (schema.anyOf as TSchema[]).some((member) => member.type === 'null')
}

/**
 * Fills every absent field that has a `default` with a copy of it, in the schema's order, with
 * unknown fields after the known ones: the full form Tyk (<= 5.11) prints.
 */
export function completeFields (schema: TSchema, value: unknown): unknown {
  const objectSchema = objectSchemaOf(schema, value)
  if (objectSchema !== undefined && isPlainObject(value)) {
    const out: Record<string, unknown> = {}
    for (const field of fieldsOf(objectSchema)) {
      const name = field.name
      if (Object.hasOwn(value, name)) out[name] = completeFields(field.schema, value[name])
      else if (field.hasDefault) out[name] = copyOfDefault(field.defaultValue)
    }
    for (const [key, fieldValue] of Object.entries(value)) {
      if (!Object.hasOwn(objectSchema.properties, key) && !FORBIDDEN_MEMBER_NAMES.has(key)) out[key] = fieldValue
    }
    return out
  }
  const valueSchema = recordValueSchemaOf(schema)
  if (valueSchema !== undefined && isPlainObject(value)) {
    const out: Record<string, unknown> = {}
    for (const [key, entry] of Object.entries(value)) {
      if (!FORBIDDEN_MEMBER_NAMES.has(key)) out[key] = completeFields(valueSchema, entry)
    }
    return out
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    return value.map((item) => completeFields(schema.items as TSchema, item))
  }
  return value
}
