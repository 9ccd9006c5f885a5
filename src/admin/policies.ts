import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { GatehouseError } from '../model/errors.js'
import { PolicySchema } from '../model/policy.js'
import type { PolicyService } from '../policies/policy-service.js'
import { firstParam, limitParam, normalizeBody } from './body.js'
import type { PolicyPreview } from '../policies/policy-preview.js'
import { PolicyPreviewQuerySchema, PolicyPreviewSchema } from './explain-schemas.js'
import { omitEmpty } from './omit-empty.js'
import { TYK_OMIT_EMPTY } from '../model/tyk-omit-empty.js'
import { sendJson } from './reply.js'
import type { RouteTable } from './route-table.js'
import { ErrorResponseSchema, ModifyResponseSchema } from './schemas.js'

const tags = ['policies']
const PolicyIdParams = Type.Object({ polID: Type.String() })
const errorResponses = { 400: ErrorResponseSchema, 403: ErrorResponseSchema, 404: ErrorResponseSchema, 500: ErrorResponseSchema }
const normalizePolicy = normalizeBody(PolicySchema)
const POLICY_LIST_SHAPE = { each: TYK_OMIT_EMPTY.policy }

/** /tyk/policies: Tyk's routes and answers; writes are live at once (issue #5). */
export function registerPolicyRoutes (app: FastifyInstance, routes: RouteTable, policies: PolicyService, preview: PolicyPreview): void {
  routes.add('/tyk/policies')
  routes.add('/tyk/policies/:polID')
  routes.add('/tyk/policies/:polID/preview')

  app.get('/tyk/policies', {
    schema: { tags, summary: 'Every loaded policy', response: { 200: Type.Array(PolicySchema), ...errorResponses } }
  }, async (_request, reply) => sendJson(reply, 200, omitEmpty(policies.list(), POLICY_LIST_SHAPE)))

  app.get<{ Params: { polID: string } }>('/tyk/policies/:polID', {
    schema: { tags, summary: 'One policy', params: PolicyIdParams, response: { 200: PolicySchema, ...errorResponses } }
  }, async (request, reply) => sendJson(reply, 200, omitEmpty(policies.get(request.params.polID), TYK_OMIT_EMPTY.policy)))

  const create = { config: { malformed: 'REQUEST_MALFORMED' as const }, schema: { tags, summary: 'Create or overwrite a policy (the body\'s id is used)', body: PolicySchema, response: { 200: ModifyResponseSchema, ...errorResponses } }, preValidation: normalizePolicy }
  app.post('/tyk/policies', create, async (request, reply) =>
    sendJson(reply, 200, { key: await policies.create(request.body), status: 'ok', action: 'added' }))
  app.post('/tyk/policies/:polID', create, async (request, reply) =>
    sendJson(reply, 200, { key: await policies.create(request.body), status: 'ok', action: 'added' }))

  app.put<{ Params: { polID: string } }>('/tyk/policies/:polID', {
    config: { malformed: 'REQUEST_MALFORMED' },
    schema: { tags, summary: 'Replace a policy: every key using it changes at once', params: PolicyIdParams, body: PolicySchema, response: { 200: ModifyResponseSchema, ...errorResponses } },
    preValidation: normalizePolicy
  }, async (request, reply) =>
    sendJson(reply, 200, { key: await policies.update(request.params.polID, request.body), status: 'ok', action: 'modified' }))

  app.delete<{ Params: { polID: string } }>('/tyk/policies/:polID', {
    schema: { tags, summary: 'Delete a policy written through the API', params: PolicyIdParams, response: { 200: ModifyResponseSchema, ...errorResponses } }
  }, async (request, reply) => {
    await policies.delete(request.params.polID)
    return sendJson(reply, 200, { key: request.params.polID, status: 'ok', action: 'deleted' })
  })

  app.post<{ Params: { polID: string }, Querystring: Record<string, string | string[] | undefined> }>('/tyk/policies/:polID/preview', {
    config: { malformed: 'REQUEST_MALFORMED' },
    schema: {
      tags,
      summary: 'What saving this policy would change, without saving it (Gatehouse only): keys changed, keys losing APIs, old -> new limits',
      params: PolicyIdParams,
      querystring: PolicyPreviewQuerySchema,
      body: PolicySchema,
      response: { 200: PolicyPreviewSchema, ...errorResponses }
    },
    preValidation: normalizePolicy
  }, async (request, reply) => {
    const candidate = policies.candidate(request.params.polID, request.body)
    const sample = limitParam(firstParam(request.query, 'sample'), 100, 20, 'sample')
    const lostAccessLimit = limitParam(firstParam(request.query, 'lost_access_limit'), 10_000, 1000, 'lost_access_limit')
    return sendJson(reply, 200, await preview.preview(candidate, { sample, lostAccessLimit }))
  })

  app.put('/tyk/policies', { schema: { tags, hide: true } }, async () => { throw new GatehouseError('POLICY_UPDATE_NEEDS_ID') })
  app.delete('/tyk/policies', { schema: { tags, hide: true } }, async () => { throw new GatehouseError('POLICY_DELETE_NEEDS_ID') })
}
