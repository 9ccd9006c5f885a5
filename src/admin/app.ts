import { hash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import swagger from '@fastify/swagger'
import { errors, GatehouseError, type ErrorCode } from '../model/errors.js'
import { parseJson } from '../core/parse-json.js'
import { errorBody, sendError, sendJson, sendRouteNotFound } from './reply.js'
import { logClientError, renderError } from './render-error.js'
import { RouteTable } from './route-table.js'
import { registerKeyRoutes, type KeySearchEndpoint } from './keys.js'
import type { KeyExplainer } from '../sessions/key-explainer.js'
import type { PolicyPreview } from '../policies/policy-preview.js'
import { registerSystemRoutes, type SystemDeps } from './system.js'
import { registerPolicyRoutes } from './policies.js'
import { registerOrgRoutes } from './orgs.js'
import { registerApiRoutes } from './apis.js'
import { registerAnalyticsRoutes, type AnalyticsReader } from './analytics.js'
import type { KeyService } from '../sessions/key-service.js'
import type { OrgService } from '../sessions/org-service.js'
import type { PolicyService } from '../policies/policy-service.js'
import type { ApiService } from '../apis/api-service.js'

export interface AdminDeps extends SystemDeps {
  readonly secret: string
  readonly keys: KeyService
  readonly keySearch: KeySearchEndpoint
  readonly keyExplainer: KeyExplainer
  readonly policyPreview: PolicyPreview
  readonly policies: PolicyService
  readonly orgs: OrgService
  readonly apis: ApiService
  readonly analytics: AnalyticsReader
  readonly clock: () => number
  readonly logger: FastifyBaseLogger
  /** Largest accepted request body; Tyk has none, we refuse more than this with 413. */
  readonly bodyLimitBytes?: number
}

export interface AdminApp {
  readonly app: FastifyInstance
  /** Hands one request of the shared listener to the management API. */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The error a body that is not valid JSON of the right shape gets on this route. */
    malformed?: ErrorCode
  }
}

const TRAILING_SLASHES = /\/+$/

/** The Tyk management API (`/tyk/...`, `/hello`, `/ready`) as a fastify app without a listener. */
export async function buildAdminApp (deps: AdminDeps): Promise<AdminApp> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
  const secretDigest = digest(deps.secret)
  const app = Fastify({
    loggerInstance: deps.logger,
    // request lines would log key ids from URLs: raw keys must never reach the log
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimitBytes ?? 2 * 1024 * 1024,
    exposeHeadRoutes: false,
    // key ids are checked by the key routes (1024 characters at most), not by the router's 414
    routerOptions: { maxParamLength: 16 * 1024 },
    // Tyk strips trailing slashes before routing: /tyk/keys/ is /tyk/keys
    rewriteUrl: (req) => stripTrailingSlashes(req.url ?? '/'),
    // a path the router cannot decode (a lone '%') gets Tyk's JSON error, never fastify's own
    frameworkErrors: (err, request, reply) => renderFrameworkError(err, request, reply, secretDigest),
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false, strict: false } },
    serverFactory: (requestHandler) => {
      handler = requestHandler
      return createServer()
    }
  })
  // Answers are sent as bytes (reply.ts): response schemas document the API and are never used
  // to serialise, so none is compiled (compiling one per route cost megabytes of heap).
  app.setSerializerCompiler(() => (data) => JSON.stringify(data))
  const routes = new RouteTable()

  // callback style: no promise per request on the management API's busiest path
  app.addHook('onRequest', (request, reply, done) => {
    if ((request.url.startsWith('/tyk/') || request.url === '/tyk') && !secretMatches(request.headers['x-tyk-authorization'], secretDigest)) {
      logClientError(request, errors.ADMIN_FORBIDDEN.status, errors.ADMIN_FORBIDDEN.message, 'ADMIN_FORBIDDEN')
      sendError(reply, 'ADMIN_FORBIDDEN')
      return
    }
    // Tyk never reads a DELETE's body: without a type, fastify neither refuses one it cannot
    // parse (415) nor parses one, and any body left goes to the parser below, which ignores it
    if (request.method === 'DELETE') delete request.raw.headers['content-type']
    done()
  })
  registerBodyParser(app)
  app.setErrorHandler((err: FastifyError, request, reply) => renderError(err, request, reply))
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0] ?? ''
    if (routes.matches(path)) {
      const code = path.startsWith('/tyk') ? 'METHOD_NOT_SUPPORTED' : 'HEALTH_METHOD_NOT_ALLOWED'
      logClientError(request, errors[code].status, errors[code].message, code)
      return sendError(reply, code)
    }
    logClientError(request, 404, 'route not found')
    return sendRouteNotFound(reply)
  })

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Gatehouse management API', version: deps.version, description: 'The Tyk Gateway management API, as Gatehouse serves it.' },
      components: { securitySchemes: { tykSecret: { type: 'apiKey', in: 'header', name: 'X-Tyk-Authorization' } } },
      security: [{ tykSecret: [] }]
    }
  })
  await app.register(async (scope) => {
    registerKeyRoutes(scope, routes, deps.keys, deps.keySearch, deps.keyExplainer)
    registerPolicyRoutes(scope, routes, deps.policies, deps.policyPreview)
    registerOrgRoutes(scope, routes, deps.orgs)
    registerApiRoutes(scope, routes, deps.apis)
    registerAnalyticsRoutes(scope, routes, deps.analytics, deps.clock)
    registerSystemRoutes(scope, routes, deps)
  })
  await app.ready()
  if (handler === undefined) throw new Error('fastify did not hand over its request handler')
  return { app, handle: handler }
}

function stripTrailingSlashes (url: string): string {
  const queryAt = url.indexOf('?')
  const path = queryAt === -1 ? url : url.slice(0, queryAt)
  if (path.length <= 1 || !path.endsWith('/')) return url
  const stripped = path.replace(TRAILING_SLASHES, '') || '/'
  return queryAt === -1 ? stripped : stripped + url.slice(queryAt)
}

function digest (value: string): Buffer {
  return hash('sha256', value, 'buffer') // one-shot: no Hash object per request
}

/** Constant-time: both sides are hashed to equal length first, so length leaks nothing either. */
function secretMatches (header: string | string[] | undefined, secretDigest: Buffer): boolean {
  if (typeof header !== 'string' || header === '') return false
  return timingSafeEqual(digest(header), secretDigest)
}

/**
 * Tyk parses every body as JSON whatever its Content-Type; the error depends on the route. A
 * DELETE's body is never read by Tyk (gateway/api.go handleDeleteKey and friends): an empty or
 * non-JSON one is ignored, as clients such as the quickstart send `Content-Type: application/json`
 * with no body (issue 15).
 */
function registerBodyParser (app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    if (request.method === 'DELETE') {
      done(null, undefined)
      return
    }
    const text = typeof body === 'string' ? body : body.toString('utf8')
    const parsed = parseJson(text)
    if (parsed.ok) {
      done(null, parsed.value)
      return
    }
    const code = request.routeOptions.config.malformed ?? 'REQUEST_MALFORMED'
    done(new GatehouseError(code, { detail: text.trim() === '' ? 'empty body' : parsed.problem }), undefined)
  })
}

/**
 * Errors the router raises before any hook runs (a path that is not valid percent-encoding, a
 * segment over maxParamLength): Tyk's JSON error, never fastify's own body. The secret is
 * checked here too, as the onRequest hook would have.
 */
function renderFrameworkError (err: FastifyError, request: FastifyRequest, reply: FastifyReply, secretDigest: Buffer): FastifyReply {
  const path = request.url.split('?', 1)[0] ?? ''
  if (path.startsWith('/tyk') && !secretMatches(request.headers['x-tyk-authorization'], secretDigest)) {
    logClientError(request, errors.ADMIN_FORBIDDEN.status, errors.ADMIN_FORBIDDEN.message, 'ADMIN_FORBIDDEN')
    return sendError(reply, 'ADMIN_FORBIDDEN')
  }
  const detail = err.code === 'FST_ERR_BAD_URL' ? 'the path is not valid percent-encoding' : err.message
  const invalid = path.startsWith('/tyk/keys/')
    ? new GatehouseError('KEY_ID_INVALID', { args: [err.code === 'FST_ERR_BAD_URL' ? 'not valid percent-encoding' : 'too long'] })
    : new GatehouseError('REQUEST_MALFORMED')
  logClientError(request, invalid.status, invalid.message, invalid.code)
  return sendJson(reply, invalid.status, errorBody(invalid.message, detail))
}
