import type { FastifyReply } from 'fastify'
import { errors, type ErrorCode } from '../model/errors.js'

const GO_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' }

/** JSON as Go's encoder writes it: HTML characters escaped, one trailing newline. */
export function goJson (value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (char) => GO_ESCAPES[char] ?? char) + '\n'
}

/**
 * Sent as bytes: fastify would otherwise append "; charset=utf-8" (Tyk sends the bare type) and
 * run the response schema's serializer, which drops the unknown fields we promise to keep.
 */
export function sendJson (reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return sendJsonBytes(reply, status, Buffer.from(goJson(body)))
}

export function sendJsonBytes (reply: FastifyReply, status: number, bytes: Buffer): FastifyReply {
  return reply.code(status).header('content-type', 'application/json').send(bytes)
}

/**
 * Rendered bodies of immutable values, by identity: a service that hands out the same frozen
 * object again (a cached view) gets its JSON rendered once.
 */
export class RenderedJson {
  private readonly rendered = new WeakMap<object, Buffer>()

  /** `shape` turns a value into what is printed (e.g. Tyk's omitempty), once per value. */
  constructor (private readonly shape: (value: object) => unknown = (value) => value) {}

  of (value: object): Buffer {
    let bytes = this.rendered.get(value)
    if (bytes === undefined) {
      bytes = Buffer.from(goJson(this.shape(value)))
      this.rendered.set(value, bytes)
    }
    return bytes
  }
}

/** Tyk's error body; `detail` (ours) says what exactly was wrong and is omitted when unknown. */
export function errorBody (message: string, detail?: string): { status: 'error', message: string, detail?: string } {
  return detail === undefined ? { status: 'error', message } : { status: 'error', message, detail }
}

export function sendError (reply: FastifyReply, code: ErrorCode, detail?: string): FastifyReply {
  return sendJson(reply, errors[code].status, errorBody(errors[code].message, detail))
}

/** Tyk's router answer for a path no route matches: plain text, not the JSON error. */
export function sendRouteNotFound (reply: FastifyReply): FastifyReply {
  return reply.code(404).header('content-type', 'text/plain; charset=utf-8').send(Buffer.from('404 page not found\n'))
}
