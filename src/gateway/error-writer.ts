import type { ServerResponse } from 'node:http'
import { errors, type ErrorCode } from '../model/errors.js'

/**
 * Tyk's templates/error.json rendered once per code at start-up: `{\n    "error": "…"\n}` with no
 * trailing newline, plus `X-Generator: tyk.io` (gateway/handler_error.go).
 */
const BODIES = new Map<ErrorCode, Buffer>(
  (Object.keys(errors) as ErrorCode[]).map((code) => [code, Buffer.from(`{\n    "error": ${JSON.stringify(errors[code].message)}\n}`)])
)
const HEADERS_BY_CODE = new Map<ErrorCode, Record<string, string>>(
  [...BODIES].map(([code, body]) => [code, { 'content-type': 'application/json', 'content-length': String(body.length), 'x-generator': 'tyk.io' }])
)

export function writeGatewayError (res: ServerResponse, code: ErrorCode, extraHeaders?: Record<string, string>): void {
  const body = BODIES.get(code)
  const headers = HEADERS_BY_CODE.get(code)
  if (body === undefined || headers === undefined || res.headersSent) {
    res.destroy()
    return
  }
  res.writeHead(errors[code].status, extraHeaders === undefined ? headers : { ...headers, ...extraHeaders })
  res.end(body)
}

/**
 * A whole HTTP/1.1 error answer in Tyk's format, as bytes, for a socket node:http has handed
 * over (a CONNECT): built once by the caller; the connection closes after it.
 */
export function rawGatewayError (code: ErrorCode, extraHeaders: Readonly<Record<string, string>> = {}): Buffer {
  const body = BODIES.get(code) ?? Buffer.alloc(0)
  const { status, message } = errors[code]
  const headers = { ...HEADERS_BY_CODE.get(code), ...extraHeaders, connection: 'close' }
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')
  return Buffer.concat([Buffer.from(`HTTP/1.1 ${status} ${message}\r\n${head}\r\n`, 'latin1'), body])
}

const NOT_FOUND = Buffer.from('Not Found')

/** No API matches the path: the router's plain-text 404, not JSON (gateway/proxy_muxer.go). */
export function writeRouteNotFound (res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(NOT_FOUND.length) })
  res.end(NOT_FOUND)
}
