import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { errors, GatehouseError, type ErrorCode } from '../model/errors.js'
import { errorBody, sendError, sendJson } from './reply.js'
import { drainBody } from './drain-body.js'

/**
 * The management API's one error edge: every thrown error becomes Tyk's JSON error body here,
 * and one log line. A client's mistake is a warn line without a stack (issue 15); a stack is
 * only for our own faults, at error. Log lines name the route pattern, never the URL: key ids
 * in /tyk/keys/... URLs are raw keys.
 */
export async function renderError (err: FastifyError, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const malformed = request.routeOptions.config.malformed ?? 'REQUEST_MALFORMED'
  if (err instanceof GatehouseError) {
    if (err.status >= 500) logFault(request, err.status, err.cause ?? err)
    else logClientError(request, err.status, err.message, err.code)
    return sendJson(reply, err.status, errorBody(err.message, err.detail))
  }
  if (err.validation !== undefined) {
    const first = err.validation[0]
    const where = first?.instancePath === '' || first?.instancePath === undefined ? 'body' : first.instancePath.slice(1).replaceAll('/', '.')
    return clientError(request, reply, malformed, `${err.validationContext ?? 'body'} ${where}: ${first?.message ?? 'invalid'}`.replace(/^body body/, 'body'))
  }
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    // fastify stops reading at the limit; the rest is read first so the client sees the 413
    await drainBody(request.raw)
    reply.header('connection', 'close')
    return clientError(request, reply, 'BODY_TOO_LARGE')
  }
  if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return clientError(request, reply, malformed, 'empty body')
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    logClientError(request, err.statusCode, err.message, err.code)
    return sendJson(reply, err.statusCode, errorBody(err.message))
  }
  logFault(request, 500, err)
  return sendError(reply, 'INTERNAL')
}

function clientError (request: FastifyRequest, reply: FastifyReply, code: ErrorCode, detail?: string): FastifyReply {
  logClientError(request, errors[code].status, errors[code].message, code)
  return sendError(reply, code, detail)
}

/**
 * One warn line for an answer in the 4xx range: no stack, no URL, no body text (a malformed
 * body's detail quotes the body, which may hold a password).
 */
export function logClientError (request: FastifyRequest, status: number, message: string, code?: string): void {
  request.log.warn({ status, method: request.method, route: request.routeOptions.url ?? null, code }, message)
}

function logFault (request: FastifyRequest, status: number, err: unknown): void {
  request.log.error({ err, status, method: request.method, route: request.routeOptions.url ?? null }, 'management API request failed')
}
