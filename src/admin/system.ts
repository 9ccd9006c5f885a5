import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { GatehouseError } from '../model/errors.js'
import { sendJson } from './reply.js'
import type { RouteTable } from './route-table.js'
import { ErrorResponseSchema, OkMessageSchema } from './schemas.js'

/** How a reload went; a reload resolves with it and never rejects. */
export interface ReloadOutcome {
  /** why no new set went live (the previous one stays), when that happened */
  readonly failed: string | undefined
  /** each file, policy entry or API the new set left out, naming it and why */
  readonly skipped: readonly string[]
}

export interface SystemDeps {
  readonly version: string
  /** Reloads APIs and policies from their sources; resolves when the new set is live. */
  readonly reload: () => Promise<ReloadOutcome>
  /** Asks every node (this one included) to reload. */
  readonly reloadGroup: () => Promise<ReloadOutcome>
  /** Probes the store: undefined when healthy, else what failed. */
  readonly checkStore: () => Promise<string | undefined>
  readonly healthCheckName: string
  readonly readinessCheckName: string
}

const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('pass'), Type.Literal('warn'), Type.Literal('fail')]),
  version: Type.String(),
  description: Type.String(),
  details: Type.Record(Type.String(), Type.Object({
    status: Type.String(),
    output: Type.Optional(Type.String()),
    componentType: Type.String(),
    componentId: Type.Optional(Type.String()),
    time: Type.String()
  }))
})

/** /hello, /ready, reloads and the OpenAPI document. */
export function registerSystemRoutes (app: FastifyInstance, routes: RouteTable, deps: SystemDeps): void {
  const hello = `/${deps.healthCheckName}`
  const ready = `/${deps.readinessCheckName}`
  for (const url of [hello, ready, '/tyk/reload', '/tyk/reload/group', '/tyk/openapi.json']) routes.add(url)

  // Tyk names its datastore component "redis"; monitors that read details.redis keep working,
  // and componentId says which store really answered.
  const health = async (description: string): Promise<{ ok: boolean, body: unknown }> => {
    const failure = await deps.checkStore()
    const item = failure === undefined
      ? { status: 'pass', componentType: 'datastore', componentId: 'sqlite', time: new Date().toISOString() }
      : { status: 'fail', output: failure, componentType: 'datastore', componentId: 'sqlite', time: new Date().toISOString() }
    return { ok: failure === undefined, body: { status: failure === undefined ? 'pass' : 'fail', version: deps.version, description, details: { redis: item } } }
  }

  app.get(hello, { schema: { tags: ['health'], summary: 'Liveness: always 200', security: [], response: { 200: HealthSchema } } },
    async (_request, reply) => sendJson(reply, 200, (await health('Tyk GW')).body))

  app.get(ready, { schema: { tags: ['health'], summary: 'Readiness: 503 when the store does not answer', security: [], response: { 200: HealthSchema, 503: ErrorResponseSchema } } },
    async (_request, reply) => {
      const { ok, body } = await health('Tyk GW Ready')
      return ok ? sendJson(reply, 200, body) : sendJson(reply, 503, { status: 'error', message: 'Redis connection not available' })
    })

  app.get<{ Querystring: { block?: string } }>('/tyk/reload', {
    schema: { tags: ['reload'], summary: 'Reload APIs and policies on this node', querystring: Type.Object({ block: Type.Optional(Type.String({ description: 'exactly "true": answer once the reload is live' })) }), response: { 200: OkMessageSchema, 500: ErrorResponseSchema } }
  }, async (request, reply) => {
    const reloading = deps.reload()
    if (request.query.block === 'true') {
      // Tyk answers ok whatever it skipped; a script that waits for the reload should learn
      // that it did not all go live (issue 15)
      const outcome = await reloading
      if (outcome.failed !== undefined) throw new GatehouseError('RELOAD_FAILED', { args: [outcome.failed] })
      if (outcome.skipped.length > 0) throw new GatehouseError('RELOAD_INCOMPLETE', { args: [outcome.skipped.join('; ')] })
    }
    // the reload itself logs what went wrong, when the answer cannot say it
    return sendJson(reply, 200, { status: 'ok', message: '' })
  })

  app.get('/tyk/reload/group', {
    schema: { tags: ['reload'], summary: 'Reload every node', response: { 200: OkMessageSchema } }
  }, async (request, reply) => {
    deps.reloadGroup().catch((err: unknown) => { request.log.error({ err }, 'group reload failed') }) // never rejects; a bug would
    return sendJson(reply, 200, { status: 'ok', message: '' })
  })

  app.get('/tyk/openapi.json', {
    schema: { tags: ['meta'], summary: 'This OpenAPI 3.1 document', hide: true }
  }, async (_request, reply) => sendJson(reply, 200, app.swagger()))
}
