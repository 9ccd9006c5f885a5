import type { IncomingMessage } from 'node:http'
import { stripBearer } from '../core/bearer.js'
import type { CompiledApi } from './compiled-api.js'

/** The key a request carries: header, then query parameter, then cookie (later non-empty wins). */
export function readCredential (req: IncomingMessage, query: string, api: CompiledApi): string {
  const header = req.headers[api.authHeader]
  let credential = typeof header === 'string' ? header : ''
  if (api.authParam !== undefined && query !== '') {
    const fromQuery = new URLSearchParams(query).get(api.authParam)
    if (fromQuery !== null && fromQuery !== '') credential = fromQuery
  }
  if (api.authCookie !== undefined && req.headers.cookie !== undefined) {
    const fromCookie = cookieValue(req.headers.cookie, api.authCookie)
    if (fromCookie !== '') credential = fromCookie
  }
  return stripBearer(credential)
}

function cookieValue (header: string, name: string): string {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim() === name) return decodeURIComponentSafe(part.slice(eq + 1).trim())
  }
  return ''
}

function decodeURIComponentSafe (value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}
