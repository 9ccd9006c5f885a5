import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { completeFields } from '../core/schema-fields.js'
import { SessionSchema, type Session } from '../model/session.js'
import type { OrgService } from '../sessions/org-service.js'
import { firstParam, normalizeBody } from './body.js'
import { omitEmpty } from './omit-empty.js'
import { TYK_OMIT_EMPTY } from '../model/tyk-omit-empty.js'
import { sendJson } from './reply.js'
import type { RouteTable } from './route-table.js'
import { ErrorResponseSchema, KeyListSchema, ModifyResponseSchema } from './schemas.js'

type Query = Record<string, string | string[] | undefined>
const tags = ['organisations']
const OrgIdParams = Type.Object({ orgID: Type.String() })
const OrgQuery = Type.Object({ reset_quota: Type.Optional(Type.String({ description: 'exactly "1": start a new org quota window' })) }, { additionalProperties: true })
const errorResponses = { 400: ErrorResponseSchema, 403: ErrorResponseSchema, 404: ErrorResponseSchema, 500: ErrorResponseSchema }

/** /tyk/org/keys: organisation sessions with Tyk's shapes. */
export function registerOrgRoutes (app: FastifyInstance, routes: RouteTable, orgs: OrgService): void {
  routes.add('/tyk/org/keys')
  routes.add('/tyk/org/keys/:orgID')

  app.get<{ Querystring: Query }>('/tyk/org/keys', {
    schema: { tags, summary: 'Org ids with an org session (`filter`: id prefix)', response: { 200: KeyListSchema, ...errorResponses } }
  }, async (request, reply) => sendJson(reply, 200, { keys: await orgs.list(firstParam(request.query, 'filter')) }))

  app.get<{ Params: { orgID: string } }>('/tyk/org/keys/:orgID', {
    schema: { tags, summary: 'An org session, as stored', params: OrgIdParams, response: { 200: SessionSchema, ...errorResponses } }
  }, async (request, reply) => sendJson(reply, 200, omitEmpty(await orgs.get(request.params.orgID), TYK_OMIT_EMPTY.session)))

  for (const [method, action] of [['POST', 'added'], ['PUT', 'modified']] as const) {
    app.route<{ Params: { orgID: string }, Querystring: Query }>({
      method,
      url: '/tyk/org/keys/:orgID',
      config: { malformed: 'REQUEST_MALFORMED' },
      schema: { tags, summary: `${method === 'POST' ? 'Create' : 'Replace'} an org session: org-wide quota, rate limit, expiry, is_inactive`, params: OrgIdParams, querystring: OrgQuery, body: SessionSchema, response: { 200: ModifyResponseSchema, ...errorResponses } },
      preValidation: normalizeBody(SessionSchema),
      handler: async (request, reply) => {
        const session = completeFields(SessionSchema, request.body) as Session
        await orgs.put(request.params.orgID, session, firstParam(request.query, 'reset_quota') === '1')
        return sendJson(reply, 200, { key: request.params.orgID, status: 'ok', action })
      }
    })
  }

  app.delete<{ Params: { orgID: string } }>('/tyk/org/keys/:orgID', {
    schema: { tags, summary: 'Delete an org session (its keys stay)', params: OrgIdParams, response: { 200: ModifyResponseSchema, ...errorResponses } }
  }, async (request, reply) => {
    await orgs.delete(request.params.orgID)
    return sendJson(reply, 200, { key: request.params.orgID, status: 'ok', action: 'deleted' })
  })
}
