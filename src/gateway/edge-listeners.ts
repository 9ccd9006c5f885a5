import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { rawGatewayError } from './error-writer.js'

/**
 * The node:http server events besides 'request' that the listener must answer (issue 15):
 *
 * - 'checkContinue' (a request with `Expect: 100-continue`): the client gets its 100 Continue
 *   when the body is first read, as Go's server sends it for Tyk (net/http's
 *   expectContinueReader). A proxied request reads it, so the upload goes through; a request
 *   refused before that (401, 403, 429...) is answered without the client sending its body,
 *   and node:http closes that connection, since the body may still come.
 * - 'connect' (a CONNECT): no API tunnels, so a 405 in Tyk's format, then the socket closes.
 *   With no listener, node:http would close it without a word.
 *
 * Methods the parser knows (PROPFIND, PURGE, MKCOL...) reach 'request' and are proxied like any
 * other; a request the parser rejects gets node:http's own 400 ('clientError').
 */
export function addEdgeListeners (server: Server): void {
  server.on('checkContinue', onCheckContinue)
  server.on('connect', refuseConnect)
}

/** Only requests that carry the expectation land here: not the hot path. */
const responseOf = new WeakMap<IncomingMessage, ServerResponse>()

function onCheckContinue (this: Server, req: IncomingMessage, res: ServerResponse): void {
  responseOf.set(req, res)
  // a stream emits 'resume' when a reader starts to consume it (undici, fastify's body parser)
  req.once('resume', continueOnRead)
  this.emit('request', req, res)
}

function continueOnRead (this: IncomingMessage): void {
  const res = responseOf.get(this)
  // node:http also resumes an unread body after the answer, to drain it: no 100 then
  if (res !== undefined && !res.headersSent && !res.writableEnded) res.writeContinue()
}

/** RFC 9110 15.5.6: a 405 lists what the target allows; every other method is proxied. */
const CONNECT_REFUSED = rawGatewayError('CONNECT_NOT_ALLOWED', { allow: 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS' })

function refuseConnect (_req: IncomingMessage, socket: Duplex): void {
  socket.on('error', ignoreError)
  socket.end(CONNECT_REFUSED, () => { socket.destroy() })
}

/** The client may reset the connection first; there is no one left to tell. */
function ignoreError (): void {}
