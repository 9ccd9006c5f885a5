import type { FastifyRequest } from 'fastify'
import type { TSchema } from '@sinclair/typebox'
import { normalizeFieldNames } from '../core/schema-fields.js'

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
