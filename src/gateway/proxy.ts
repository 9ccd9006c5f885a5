import type { IncomingMessage, ServerResponse } from 'node:http'
import { Pool } from 'undici'
import type { Dispatcher } from 'undici'
import { errors } from '../model/errors.js'
import { writeGatewayError } from './error-writer.js'

/** Headers that describe one connection, never forwarded (RFC 9110 7.6.1; Tyk's list). */
const HOP_BY_HOP = new Set(['connection', 'proxy-connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host'])

/** Tyk's status for a request the client gave up on. */
const CLIENT_CLOSED = 499

export interface ProxyOutcome {
  readonly status: number
  readonly upstreamMs: number
}

export interface UpstreamTarget {
  readonly origin: string
  readonly host: string
}

/** One keep-alive pool per upstream origin; bodies stream both ways, never buffered whole. */
export class UpstreamProxy {
  private readonly pools = new Map<string, Pool>()

  constructor (private readonly options: { readonly headersTimeoutMs: number, readonly connectionsPerOrigin: number, readonly userAgent: string }) {}

  /** Resolves once the response is sent, with its status and the upstream's latency. */
  async forward (req: IncomingMessage, res: ServerResponse, target: UpstreamTarget, path: string, dropHeader: string | undefined, quotaHeaders: readonly [string, string, string]): Promise<ProxyOutcome> {
    const pool = this.poolFor(target.origin)
    const outgoing = requestHeaders(req, target.host, dropHeader, this.options.userAgent)
    const abort = new AbortController()
    const onClose = (): void => { if (!res.writableFinished) abort.abort() }
    res.once('close', onClose)
    const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined
    let upstream: Dispatcher.ResponseData
    const startedMs = performance.now()
    try {
      upstream = await pool.request({
        method: req.method as Dispatcher.HttpMethod,
        path,
        headers: outgoing,
        body: hasBody ? req : null,
        signal: abort.signal,
        headersTimeout: this.options.headersTimeoutMs
      })
    } catch (err) {
      res.off('close', onClose)
      const upstreamMs = performance.now() - startedMs
      if (abort.signal.aborted) return { status: CLIENT_CLOSED, upstreamMs } // nobody to answer
      const code = errorCodeOf(err)
      writeGatewayError(res, code)
      return { status: errors[code].status, upstreamMs }
    }
    const upstreamMs = performance.now() - startedMs
    const headers = responseHeaders(upstream.headers)
    // Tyk's default ("quotas") writes the key's quota into these on every proxied response
    headers['x-ratelimit-limit'] = quotaHeaders[0]
    headers['x-ratelimit-remaining'] = quotaHeaders[1]
    headers['x-ratelimit-reset'] = quotaHeaders[2]
    res.writeHead(upstream.statusCode, headers)
    try {
      for await (const chunk of upstream.body) {
        if (!res.write(chunk as Buffer)) await new Promise((resolve) => res.once('drain', resolve))
      }
      res.end()
    } catch {
      res.destroy()
    } finally {
      res.off('close', onClose)
    }
    return { status: upstream.statusCode, upstreamMs }
  }

  async close (): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()))
    this.pools.clear()
  }

  private poolFor (origin: string): Pool {
    let pool = this.pools.get(origin)
    if (pool === undefined) {
      pool = new Pool(origin, { connections: this.options.connectionsPerOrigin, pipelining: 1, keepAliveTimeout: 30_000 })
      this.pools.set(origin, pool)
    }
    return pool
  }
}

function requestHeaders (req: IncomingMessage, host: string, dropHeader: string | undefined, userAgent: string): string[] {
  const raw = req.rawHeaders
  const out: string[] = []
  const named = connectionHeaders(req.headers.connection)
  let forwardedFor = ''
  let hasUserAgent = false
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? ''
    const lower = name.toLowerCase()
    if (HOP_BY_HOP.has(lower) || named?.has(lower) === true || lower === dropHeader) continue
    if (lower === 'x-forwarded-for') {
      forwardedFor = forwardedFor === '' ? raw[i + 1] ?? '' : `${forwardedFor}, ${raw[i + 1] ?? ''}`
      continue
    }
    if (lower === 'user-agent') hasUserAgent = true
    out.push(name, raw[i + 1] ?? '')
  }
  if (req.headers.te === 'trailers') out.push('te', 'trailers')
  const peer = req.socket.remoteAddress ?? ''
  out.push('host', host, 'x-forwarded-for', forwardedFor === '' ? peer : `${forwardedFor}, ${peer}`)
  if (!hasUserAgent) out.push('user-agent', userAgent)
  return out
}

function responseHeaders (headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const named = connectionHeaders(headers.connection)
  const out: Record<string, string | string[]> = {}
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined || (HOP_BY_HOP.has(name) && name !== 'host') || named?.has(name) === true) continue
    out[name] = value
  }
  return out
}

function connectionHeaders (value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined
  const text = Array.isArray(value) ? value.join(',') : value
  if (text === 'keep-alive' || text === 'close') return undefined
  return new Set(text.split(',').map((part) => part.trim().toLowerCase()))
}

function errorCodeOf (err: unknown): 'UPSTREAM_TIMEOUT' | 'UPSTREAM_LOOKUP_FAILED' | 'PROXY_FAILED' {
  const code = (err as { code?: string }).code
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'UPSTREAM_TIMEOUT'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'UPSTREAM_LOOKUP_FAILED'
  return 'PROXY_FAILED'
}
