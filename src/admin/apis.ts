import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { ApiService } from '../apis/api-service.js'
import { ApiDefinitionSchema } from '../model/api-definition.js'
import type { VersionParams } from '../core/add-api-version.js'
import { firstParam, normalizeBody } from './body.js'
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
// apidef.HeaderBaseAPIID
const BASE_API_ID_HEADER = 'x-tyk-base-api-id'

type Query = Record<string, string | string[] | undefined>
const param = (description: string) => Type.Optional(Type.String({ description }))
const VersionParamsQuery = Type.Object({
  base_api_id: param('make the new API a version of this loaded API; its file gains the version'),
  base_api_version_name: param('rename the base API\'s own version (required when it has no name yet)'),
  new_version_name: param('the new API\'s version name; required with base_api_id (422 without)'),
  set_default: param('exactly "true": the new version becomes the default')
}, { additionalProperties: true })
const VersionsQuery = Type.Object({
  searchText: param('only versions whose name contains this (case-insensitive)'),
  accessType: param('"internal" or "external": only APIs with that `internal` flag')
}, { additionalProperties: true })
const VersionMetasSchema = Type.Object({
  status: Type.Literal('success'),
  apis: Type.Union([Type.Null(), Type.Array(Type.Object({
    id: Type.String(),
    name: Type.String(),
    versionName: Type.String(),
    internal: Type.Boolean(),
    expirationDate: Type.String(),
    isDefaultVersion: Type.Boolean()
  }))], { description: 'the base API first, then its loaded versions by name; null when the filter leaves none' })
})

function versionParamsOf (query: Query): VersionParams {
  return {
    baseApiId: firstParam(query, 'base_api_id'),
    baseApiVersionName: firstParam(query, 'base_api_version_name'),
    newVersionName: firstParam(query, 'new_version_name'),
    setDefault: firstParam(query, 'set_default')
  }
}

/** /tyk/apis: classic API definitions, written to app_path and served after a reload. */
export function registerApiRoutes (app: FastifyInstance, routes: RouteTable, apis: ApiService): void {
  routes.add('/tyk/apis')
  routes.add('/tyk/apis/:apiID')
  routes.add('/tyk/apis/:apiID/versions')

  app.get('/tyk/apis', {
    schema: { tags, summary: 'Every loaded API definition', response: { 200: Type.Array(ApiDefinitionSchema), ...errorResponses } }
  }, async (_request, reply) => sendJson(reply, 200, omitEmpty(apis.list(), API_LIST_SHAPE)))

  app.get<{ Params: { apiID: string } }>('/tyk/apis/:apiID', {
    schema: { tags, summary: 'A loaded API definition', params: ApiIdParams, response: { 200: ApiDefinitionSchema, ...errorResponses } }
  }, async (request, reply) => {
    const api = apis.get(request.params.apiID)
    const baseId = apis.baseIdOf(api.api_id)
    if (baseId !== undefined) reply.header(BASE_API_ID_HEADER, baseId)
    return sendJson(reply, 200, omitEmpty(api, TYK_OMIT_EMPTY.apiDefinition))
  })

  app.get<{ Params: { apiID: string }, Querystring: Query }>('/tyk/apis/:apiID/versions', {
    schema: { tags, summary: 'A base API and its versions (APIs linked through definition.versions)', params: ApiIdParams, querystring: VersionsQuery, response: { 200: VersionMetasSchema, ...errorResponses } }
  }, async (request, reply) => sendJson(reply, 200, apis.versions(request.params.apiID, {
    searchText: firstParam(request.query, 'searchText'),
    accessType: firstParam(request.query, 'accessType')
  })))

  // Tyk checks the versioning parameters before it reads the body (gateway/api.go handleAddApi)
  const checkVersioning = async (request: FastifyRequest): Promise<void> => { apis.checkVersionParams(versionParamsOf(request.query as Query)) }
  const create = {
    config: { malformed: 'REQUEST_MALFORMED' as const },
    schema: { tags, summary: 'Write an API definition to app_path (served after /tyk/reload); a missing api_id is generated; with base_api_id, a new version of that API', querystring: VersionParamsQuery, body: ApiDefinitionSchema, response: { 200: ModifyResponseSchema, 422: ErrorResponseSchema, ...errorResponses } },
    preValidation: [checkVersioning, normalizeApi]
  }
  const createHandler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const { apiId, baseError } = await apis.create(request.body, versionParamsOf(request.query as Query))
    // as Tyk: the new API is written, so the answer stays 200
    if (baseError !== undefined) request.log.error({ err: baseError }, 'Failed to update base API')
    return sendJson(reply, 200, { key: apiId, status: 'ok', action: 'added' })
  }
  app.post('/tyk/apis', create, createHandler)
  app.post('/tyk/apis/:apiID', create, createHandler)

  app.put<{ Params: { apiID: string } }>('/tyk/apis/:apiID', {
    config: { malformed: 'REQUEST_MALFORMED' },
    schema: { tags, summary: 'Overwrite the file of a loaded API (served after /tyk/reload)', params: ApiIdParams, body: ApiDefinitionSchema, response: { 200: ModifyResponseSchema, ...errorResponses } },
    preValidation: normalizeApi
  }, async (request, reply) =>
    sendJson(reply, 200, { key: await apis.update(request.params.apiID, request.body), status: 'ok', action: 'modified' }))

  app.delete<{ Params: { apiID: string } }>('/tyk/apis/:apiID', {
    schema: { tags, summary: 'Delete the file of a loaded API (gone after /tyk/reload)', params: ApiIdParams, response: { 200: ModifyResponseSchema, ...errorResponses } }
  }, async (request, reply) => {
    const { baseError } = await apis.delete(request.params.apiID)
    if (baseError !== undefined) request.log.error({ err: baseError }, 'Failed to update base API after delete')
    return sendJson(reply, 200, { key: request.params.apiID, status: 'ok', action: 'deleted' })
  })
}
