import type { FastifyRequest } from 'fastify'
import type { TSchema } from '@sinclair/typebox'
import { normalizeFieldNames } from '../core/schema-fields.js'
import { GatehouseError } from '../model/errors.js'

/** Go-style decoding before validation: case-insensitive field names, null = zero value. */
export function normalizeBody (schema: TSchema) {
  return async (request: FastifyRequest): Promise<void> => {
    request.body = normalizeFieldNames(schema, request.body)
  }
}

type Query = Record<string, string | string[] | undefined>

/** The first value of a query parameter, '' when absent. */
export function firstParam (query: Query, name: string): string {
  const value = query[name]
  return (Array.isArray(value) ? value[0] : value) ?? ''
}

/** A time parameter, RFC 3339 or unix seconds, in ms; undefined when absent or empty. */
export function timeParam (text: string | undefined, name: string): number | undefined {
  if (text === undefined || text === '') return undefined
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text)
  if (!Number.isFinite(ms)) throw new GatehouseError('REQUEST_MALFORMED', { detail: `${name} must be RFC 3339 or unix seconds` })
  return ms
}

/** A page size parameter: a whole number from 1 to `max`; `fallback` when absent or empty. */
export function limitParam (text: string | undefined, max: number, fallback: number, name = 'limit'): number {
  if (text === undefined || text === '') return fallback
  const limit = /^\d+$/.test(text) ? Number(text) : NaN
  if (!(limit >= 1 && limit <= max)) throw new GatehouseError('REQUEST_MALFORMED', { detail: `${name} must be a whole number from 1 to ${max}` })
  return limit
}
