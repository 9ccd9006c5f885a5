import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { completeFields } from '../core/schema-fields.js'
import { firstParam, limitParam, normalizeBody, timeParam } from './body.js'
import { GatehouseError } from '../model/errors.js'
import { SessionSchema, type Session } from '../model/session.js'
import type { KeyAddress, KeyService, ModifyResult } from '../sessions/key-service.js'
import type { KeySearch, KeySearchQuery } from '../sessions/key-search.js'
import type { KeyExplainer } from '../sessions/key-explainer.js'
import { KeyExplainSchema } from './explain-schemas.js'
import { RenderedJson, sendJson, sendJsonBytes } from './reply.js'
import type { RouteTable } from './route-table.js'
import { omitEmpty } from './omit-empty.js'
import { TYK_OMIT_EMPTY } from '../model/tyk-omit-empty.js'
import { ErrorResponseSchema, KeyListQuerySchema, KeyListSchema, KeyPoliciesSchema, KeyQuerySchema, ModifyResponseSchema, PolicyInstructionSchema } from './schemas.js'

type Query = Record<string, string | string[] | undefined>
type KeyRequest = FastifyRequest<{ Params: { keyID: string }, Querystring: Query }>

const MAX_KEY_ID_LENGTH = 1024
const KeyIdParamsSchema = Type.Object({ keyID: Type.String({ description: 'key ID, token, or hash with ?hashed=true' }) })
const errorResponses = { 400: ErrorResponseSchema, 403: ErrorResponseSchema, 404: ErrorResponseSchema, 500: ErrorResponseSchema }

const normalizeSession = normalizeBody(SessionSchema)

function completeSession (body: unknown): Session {
  return completeFields(SessionSchema, body) as Session
}

/** Tyk's truthiness (spec 1.5): `hashed` is any non-empty value, `suppress_reset` exactly "1". */
function keyFlags (query: Query): { hashed: boolean, suppressReset: boolean } {
  return { hashed: firstParam(query, 'hashed') !== '', suppressReset: firstParam(query, 'suppress_reset') === '1' }
}

function sendModify (reply: FastifyReply, result: ModifyResult): FastifyReply {
  return sendJson(reply, 200, result.key_hash === undefined
    ? { key: result.key, status: 'ok', action: result.action }
    : { key: result.key, status: 'ok', action: result.action, key_hash: result.key_hash })
}

/**
 * A key id in the path, opaque: Tyk's tokens are standard Base64 and may hold '/', which a client
 * can only send as %2F (Tyk's router then answers a plain-text 404 and the key cannot be managed;
 * issue 15 asks for the key instead). The id is never a file path here, so '..', '/' and '\\' are
 * plain characters. Control characters and absurd lengths are refused outright.
 */
function keyIdOf (request: KeyRequest): string {
  const keyId = request.params.keyID
  // eslint-disable-next-line no-control-regex
  if (keyId.length > MAX_KEY_ID_LENGTH || /[\u0000-\u001f\u007f]/.test(keyId)) {
    throw new GatehouseError('KEY_ID_INVALID', { detail: keyId.length > MAX_KEY_ID_LENGTH ? `longer than ${MAX_KEY_ID_LENGTH} characters` : 'control characters are not allowed', args: ['control characters or too long'] })
  }
  return keyId
}

const SEARCH_PARAMS = ['org_id', 'policy_id', 'tag', 'alias', 'inactive', 'expires_before', 'limit', 'cursor']
const MAX_PAGE = 1000

/**
 * Key search (Gatehouse only) when any search parameter is present; Tyk's listing otherwise,
 * unpaged, whose api_id means what search's does (issue 15): the keys that can call it now.
 */
function searchQueryOf (query: Query): KeySearchQuery | undefined {
  if (!SEARCH_PARAMS.some((name) => query[name] !== undefined)) return undefined
  const text = (name: string): string | undefined => query[name] === undefined ? undefined : firstParam(query, name)
  const bad = (detail: string): GatehouseError => new GatehouseError('REQUEST_MALFORMED', { detail })
  const inactive = text('inactive')
  if (inactive !== undefined && inactive !== 'true' && inactive !== 'false') throw bad('inactive must be true or false')
  const expiresMs = timeParam(text('expires_before'), 'expires_before')
  const expiresBefore = expiresMs === undefined ? undefined : Math.floor(expiresMs / 1000)
  const limit = limitParam(text('limit'), MAX_PAGE, 100)
  const cursor = text('cursor') ?? ''
  const after = cursor === '' ? '' : decodeCursor(cursor)
  if (after === undefined) throw bad('cursor is not one this server gave out')
  const optional = (name: string): string | undefined => { const value = text(name); return value === undefined || value === '' ? undefined : value }
  return {
    orgId: optional('org_id'),
    policyId: optional('policy_id'),
    tag: optional('tag'),
    alias: optional('alias'),
    apiId: optional('api_id'),
    inactive: inactive === undefined ? undefined : inactive === 'true',
    expiresBefore,
    limit,
    after
  }
}

/** Opaque to clients: the last id of the page, base64url with a version mark. */
function encodeCursor (lastId: string): string {
  return Buffer.from('1:' + lastId).toString('base64url')
}

function decodeCursor (cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  return text.startsWith('1:') && text.length > 2 ? text.slice(2) : undefined
}

function addressOf (keyId: string, query: Query): KeyAddress {
  const apiId = firstParam(query, 'api_id')
  return { segment: keyId, orgId: firstParam(query, 'org_id'), hashed: firstParam(query, 'hashed') !== '', ...(apiId === '' ? {} : { apiId }) }
}

/** Key search behind GET /tyk/keys, and whether listing is allowed at all. */
export interface KeySearchEndpoint {
  readonly search: KeySearch
  /** Tyk's listing rule: with hashing on, only when enable_hashed_keys_listing */
  readonly listingAllowed: boolean
}

export function registerKeyRoutes (app: FastifyInstance, routes: RouteTable, keys: KeyService, searching: KeySearchEndpoint, explainer: KeyExplainer): void {
  const tags = ['keys']
  // KeyService hands out the same frozen session while nothing behind it changed
  const rendered = new RenderedJson((session) => omitEmpty(session, TYK_OMIT_EMPTY.session))
  for (const url of ['/tyk/keys', '/tyk/keys/create', '/tyk/keys/preview', '/tyk/keys/policy/:keyID', '/tyk/keys/:keyID', '/tyk/keys/:keyID/explain']) routes.add(url)

  app.post('/tyk/keys/create', {
    config: { malformed: 'UNMARSHALLING_FAILED' },
    schema: { tags, summary: 'Create a key with a generated ID', body: SessionSchema, response: { 200: ModifyResponseSchema, ...errorResponses } },
    preValidation: normalizeSession
  }, async (request, reply) => sendModify(reply, await keys.create(completeSession(request.body))))

  app.post('/tyk/keys/preview', {
    config: { malformed: 'UNMARSHALLING_FAILED' },
    schema: { tags, summary: 'Show a session after its policies are applied, without saving it', body: SessionSchema, response: { 200: SessionSchema, ...errorResponses } },
    preValidation: normalizeSession
  }, async (request, reply) => sendJson(reply, 200, omitEmpty(keys.preview(completeSession(request.body)), TYK_OMIT_EMPTY.session)))

  app.post<{ Params: { keyID: string }, Querystring: Query, Body: { policy?: string, apply_policies?: string[] } }>('/tyk/keys/policy/:keyID', {
    config: { malformed: 'POLICY_INSTRUCTION_MALFORMED' },
    schema: { tags, summary: 'Replace the policies of a key addressed by its hash', params: KeyIdParamsSchema, body: PolicyInstructionSchema, response: { 200: ModifyResponseSchema, ...errorResponses } },
    preValidation: normalizeBody(PolicyInstructionSchema)
  }, async (request, reply) => {
    const keyId = keyIdOf(request)
    const policies = [...(request.body.apply_policies ?? [])]
    if (request.body.policy !== undefined && request.body.policy !== '') policies.push(request.body.policy)
    return sendModify(reply, await keys.setPolicies(keyId, policies))
  })

  app.get<{ Params: { keyID: string }, Querystring: Query }>('/tyk/keys/policy/:keyID', {
    schema: { tags, summary: 'The policies of a key addressed by its hash (Gatehouse only)', params: KeyIdParamsSchema, response: { 200: KeyPoliciesSchema, ...errorResponses } }
  }, async (request, reply) => {
    const keyId = keyIdOf(request)
    return sendJson(reply, 200, { key: keyId, ...await keys.policiesOf(keyId) })
  })

  app.get<{ Querystring: Query }>('/tyk/keys', {
    schema: { tags, summary: 'List keys (hashes when keys are stored hashed)', querystring: KeyListQuerySchema, response: { 200: KeyListSchema, ...errorResponses } }
  }, async (request, reply) => {
    const search = searchQueryOf(request.query)
    if (search !== undefined) {
      if (!searching.listingAllowed) throw new GatehouseError('HASHED_LISTING_DISABLED')
      const page = await searching.search.search(search)
      return sendJson(reply, 200, { keys: page.keys, next_cursor: page.after === '' ? '' : encodeCursor(page.after) })
    }
    const ids = await keys.list({ filter: firstParam(request.query, 'filter'), apiId: firstParam(request.query, 'api_id') })
    return sendJson(reply, 200, { keys: ids })
  })

  app.post<{ Querystring: Query }>('/tyk/keys', {
    config: { malformed: 'REQUEST_MALFORMED' },
    schema: { tags, summary: 'Create a key with a generated ID through the add/update pipeline', querystring: KeyQuerySchema, body: SessionSchema, response: { 200: ModifyResponseSchema, ...errorResponses } },
    preValidation: normalizeSession
  }, async (request, reply) => sendModify(reply, await keys.add('', completeSession(request.body), keyFlags(request.query))))

  app.put('/tyk/keys', { schema: { tags, summary: 'Always 404: an update needs a key ID', response: { 404: ErrorResponseSchema } } },
    async () => { throw new GatehouseError('KEY_NOT_FOUND_ON_UPDATE') })
  app.delete('/tyk/keys', { schema: { tags, summary: 'Always 404: a delete needs a key ID', response: { 404: ErrorResponseSchema } } },
    async () => { throw new GatehouseError('KEY_NOT_FOUND_ON_DELETE') })

  app.get<{ Params: { keyID: string }, Querystring: Query }>('/tyk/keys/:keyID', {
    schema: { tags, summary: 'A key, with its policies applied', params: KeyIdParamsSchema, querystring: KeyQuerySchema, response: { 200: SessionSchema, ...errorResponses } }
  }, async (request, reply) => {
    const keyId = keyIdOf(request)
    const { id, session } = await keys.read(addressOf(keyId, request.query))
    // Tyk's GET body has a fixed shape: the hash function goes in a header
    reply.header('x-gatehouse-key-hash', keys.hashFunctionOf(id))
    return sendJsonBytes(reply, 200, rendered.of(session))
  })

  app.get<{ Params: { keyID: string }, Querystring: Query }>('/tyk/keys/:keyID/explain', {
    schema: {
      tags,
      summary: 'Why a key gets what it gets (Gatehouse only): the effective session and, per limit and per API, which source set it and by which rule',
      params: KeyIdParamsSchema,
      querystring: KeyQuerySchema,
      response: { 200: KeyExplainSchema, ...errorResponses }
    }
  }, async (request, reply) => {
    const keyId = keyIdOf(request)
    return sendJson(reply, 200, await explainer.explain(addressOf(keyId, request.query)))
  })

  app.post<{ Params: { keyID: string }, Querystring: Query }>('/tyk/keys/:keyID', {
    config: { malformed: 'REQUEST_MALFORMED' },
    schema: { tags, summary: 'Create or import a key with a chosen ID (org_id + ID)', params: KeyIdParamsSchema, querystring: KeyQuerySchema, body: SessionSchema, response: { 200: ModifyResponseSchema, ...errorResponses } },
    preValidation: normalizeSession
  }, async (request, reply) => {
    const keyId = keyIdOf(request)
    return sendModify(reply, await keys.add(keyId, completeSession(request.body), keyFlags(request.query)))
  })

  app.put<{ Params: { keyID: string }, Querystring: Query }>('/tyk/keys/:keyID', {
    config: { malformed: 'REQUEST_MALFORMED' },
    schema: { tags, summary: 'Replace a key (quota reset unless suppress_reset=1)', params: KeyIdParamsSchema, querystring: KeyQuerySchema, body: SessionSchema, response: { 200: ModifyResponseSchema, ...errorResponses } },
    preValidation: normalizeSession
  }, async (request, reply) => {
    const keyId = keyIdOf(request)
    return sendModify(reply, await keys.update(keyId, completeSession(request.body), keyFlags(request.query)))
  })

  app.delete<{ Params: { keyID: string }, Querystring: Query }>('/tyk/keys/:keyID', {
    schema: { tags, summary: 'Delete a key and its quota counters', params: KeyIdParamsSchema, querystring: KeyQuerySchema, response: { 200: Type.Union([ModifyResponseSchema, Type.Null()]), ...errorResponses } }
  }, async (request, reply) => {
    const keyId = keyIdOf(request)
    const result = await keys.delete(addressOf(keyId, request.query))
    // Tyk answers a literal null when api_id=-1 (spec 2.8)
    return firstParam(request.query, 'api_id') === '-1' ? sendJson(reply, 200, null) : sendModify(reply, result)
  })
}
