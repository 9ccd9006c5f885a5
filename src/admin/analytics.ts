import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { GatehouseError } from '../model/errors.js'
import { AnalyticsRecordSchema, AnalyticsSummarySchema, type AnalyticsQuery, type AnalyticsRecord, type AnalyticsSummary, type RecordsQuery } from '../model/analytics-record.js'
import { firstParam, limitParam, timeParam } from './body.js'
import { sendJson } from './reply.js'
import type { RouteTable } from './route-table.js'
import { ErrorResponseSchema } from './schemas.js'

export interface AnalyticsReader {
  summarize: (query: AnalyticsQuery) => AnalyticsSummary | Promise<AnalyticsSummary>
  records: (query: RecordsQuery) => AnalyticsRecord[] | Promise<AnalyticsRecord[]>
  /** Writes out what is queued, so a query sees every request answered so far. */
  flush: () => Promise<void>
}

type Query = Record<string, string | string[] | undefined>

const MAX_RECORDS_LIMIT = 10_000

/** Whose requests (exactly one of the three) and when: shared by both analytics queries. */
const rangeFields = {
  key_hash: Type.Optional(Type.String({ description: 'a key\'s hash (its token when hashing is off)' })),
  api_id: Type.Optional(Type.String()),
  org_id: Type.Optional(Type.String()),
  from: Type.Optional(Type.String({ description: 'RFC 3339 or unix seconds; default 24 h before `to`' })),
  to: Type.Optional(Type.String({ description: 'RFC 3339 or unix seconds; default now' }))
}

const AnalyticsQuerySchema = Type.Object({
  ...rangeFields,
  resolution: Type.Optional(Type.Union([Type.Literal('hour'), Type.Literal('day')], { description: 'default hour' }))
}, { additionalProperties: true })

const RecordsQuerySchema = Type.Object({
  ...rangeFields,
  limit: Type.Optional(Type.String({ description: `records at most, 1 to ${MAX_RECORDS_LIMIT}; default 100` }))
}, { additionalProperties: true })

const FIELDS = [['key_hash', 'api_key'], ['api_id', 'api_id'], ['org_id', 'org_id']] as const
const MAX_RANGE_MS = 400 * 86_400_000

/** GET /tyk/analytics (Gatehouse only): request counts by status and by hour or day. */
export function registerAnalyticsRoutes (app: FastifyInstance, routes: RouteTable, reader: AnalyticsReader, clock: () => number): void {
  routes.add('/tyk/analytics')
  app.get<{ Querystring: Query }>('/tyk/analytics', {
    schema: { tags: ['analytics'], summary: 'Requests of one key (by hash), API or org over a time range, by status and by hour or day (Gatehouse only)', querystring: AnalyticsQuerySchema, response: { 200: AnalyticsSummarySchema, 400: ErrorResponseSchema, 403: ErrorResponseSchema } }
  }, async (request, reply) => {
    const query = parseQuery(request.query, clock())
    await reader.flush()
    return sendJson(reply, 200, await reader.summarize(query))
  })

  routes.add('/tyk/analytics/records')
  app.get<{ Querystring: Query }>('/tyk/analytics/records', {
    schema: { tags: ['analytics'], summary: 'Tyk analytics records of one key (by hash), API or org over a time range, oldest first (Gatehouse only)', querystring: RecordsQuerySchema, response: { 200: Type.Object({ records: Type.Array(AnalyticsRecordSchema) }), 400: ErrorResponseSchema, 403: ErrorResponseSchema } }
  }, async (request, reply) => {
    const { field, value, fromMs, toMs } = parseRange(request.query, clock())
    const limit = limitParam(firstParam(request.query, 'limit'), MAX_RECORDS_LIMIT, 100)
    await reader.flush()
    return sendJson(reply, 200, { records: await reader.records({ field, value, fromMs, toMs, limit }) })
  })
}

function parseQuery (query: Query, nowMs: number): AnalyticsQuery {
  const range = parseRange(query, nowMs)
  const resolution = firstParam(query, 'resolution') === '' ? 'hour' : firstParam(query, 'resolution')
  if (resolution !== 'hour' && resolution !== 'day') throw new GatehouseError('REQUEST_MALFORMED', { detail: 'resolution must be hour or day' })
  return { ...range, resolution }
}

/** Exactly one of key_hash, api_id, org_id, and a time range of at most 400 days. */
function parseRange (query: Query, nowMs: number): Omit<AnalyticsQuery, 'resolution'> {
  const chosen = FIELDS.filter(([param]) => firstParam(query, param) !== '')
  if (chosen.length !== 1) throw new GatehouseError('REQUEST_MALFORMED', { detail: 'give exactly one of key_hash, api_id, org_id' })
  const [param, field] = chosen[0] ?? FIELDS[0]
  const toMs = timeParam(firstParam(query, 'to'), 'to') ?? nowMs
  const fromMs = timeParam(firstParam(query, 'from'), 'from') ?? toMs - 86_400_000
  if (fromMs >= toMs) throw new GatehouseError('REQUEST_MALFORMED', { detail: 'from must be before to' })
  if (toMs - fromMs > MAX_RANGE_MS) throw new GatehouseError('REQUEST_MALFORMED', { detail: 'the range is limited to 400 days' })
  return { field, value: firstParam(query, param), fromMs, toMs }
}
