import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { ApiService } from '../apis/api-service.js'
import { ApiDefinitionSchema } from '../model/api-definition.js'
import { normalizeBody } from './body.js'
import { omitEmpty } from './omit-empty.js'
import { TYK_OMIT_EMPTY } from '../model/tyk-omit-empty.js'
import { sendJson } from './reply.js'
import type { RouteTable } from './route-table.js'
import { ErrorResponseSchema, ModifyResponseSchema } from './schemas.js'

const tags = ['apis']
const ApiIdParams = Type.Object({ apiID: Type.String() })
const errorResponses = { 400: ErrorResponseSchema, 403: ErrorResponseSchema, 404: ErrorResponseSchema, 500: ErrorResponseSchema }
const normalizeApi = normalizeBody(ApiDefinitionSchema)
const API_LIST_SHAPE = { each: TYK_OMIT_EMPTY.apiDefinition }

/** /tyk/apis: classic API definitions, written to app_path and served after a reload. */
export function registerApiRoutes (app: FastifyInstance, routes: RouteTable, apis: ApiService): void {
  routes.add('/tyk/apis')
  routes.add('/tyk/apis/:apiID')

  app.get('/tyk/apis', {
    schema: { tags, summary: 'Every loaded API definition', response: { 200: Type.Array(ApiDefinitionSchema), ...errorResponses } }
  }, async (_request, reply) => sendJson(reply, 200, omitEmpty(apis.list(), API_LIST_SHAPE)))

  app.get<{ Params: { apiID: string } }>('/tyk/apis/:apiID', {
    schema: { tags, summary: 'A loaded API definition', params: ApiIdParams, response: { 200: ApiDefinitionSchema, ...errorResponses } }
  }, async (request, reply) => sendJson(reply, 200, omitEmpty(apis.get(request.params.apiID), TYK_OMIT_EMPTY.apiDefinition)))

  const create = { config: { malformed: 'REQUEST_MALFORMED' as const }, schema: { tags, summary: 'Write an API definition to app_path (served after /tyk/reload); a missing api_id is generated', body: ApiDefinitionSchema, response: { 200: ModifyResponseSchema, ...errorResponses } }, preValidation: normalizeApi }
  app.post('/tyk/apis', create, async (request, reply) =>
    sendJson(reply, 200, { key: await apis.create(request.body), status: 'ok', action: 'added' }))
  app.post('/tyk/apis/:apiID', create, async (request, reply) =>
    sendJson(reply, 200, { key: await apis.create(request.body), status: 'ok', action: 'added' }))

  app.put<{ Params: { apiID: string } }>('/tyk/apis/:apiID', {
    config: { malformed: 'REQUEST_MALFORMED' },
    schema: { tags, summary: 'Overwrite the file of a loaded API (served after /tyk/reload)', params: ApiIdParams, body: ApiDefinitionSchema, response: { 200: ModifyResponseSchema, ...errorResponses } },
    preValidation: normalizeApi
  }, async (request, reply) =>
    sendJson(reply, 200, { key: await apis.update(request.params.apiID, request.body), status: 'ok', action: 'modified' }))

  app.delete<{ Params: { apiID: string } }>('/tyk/apis/:apiID', {
    schema: { tags, summary: 'Delete the file of a loaded API (gone after /tyk/reload)', params: ApiIdParams, response: { 200: ModifyResponseSchema, ...errorResponses } }
  }, async (request, reply) => {
    await apis.delete(request.params.apiID)
    return sendJson(reply, 200, { key: request.params.apiID, status: 'ok', action: 'deleted' })
  })
}
