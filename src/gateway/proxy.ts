import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Dispatcher, Pool as UndiciPool } from 'undici'
import { dispatchTo, Pool, type UpstreamHandler } from './undici-pool.js'
import { errors } from '../model/errors.js'
import { writeGatewayError } from './error-writer.js'
import type { StripAuth } from './compiled-api.js'

/** Headers that describe one connection, never forwarded (RFC 9110 7.6.1; Tyk's list). */
const HOP_BY_HOP = new Set(['connection', 'proxy-connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host'])

/**
 * The client's headers never sent upstream: the hop-by-hop ones, and `expect`, which undici
 * refuses (issue 15: curl's uploads over 1 MiB answered 500). The client's 100-continue is ours
 * to answer (gateway/edge-listeners.ts); the upstream gets the body at once, as Tyk's
 * transport sends it (ExpectContinueTimeout 0 in gateway/reverse_proxy.go).
 */
const NOT_FORWARDED = new Set([...HOP_BY_HOP, 'expect'])

/** Tyk's status for a request the client gave up on. */
const CLIENT_CLOSED = 499

/** X-RateLimit-Limit, -Remaining, -Reset (Tyk's default "quotas" mode). */
export type QuotaHeaderValues = readonly [string, string, string]

export type ExchangeDone<T> = (context: T, status: number, upstreamMs: number) => void

/** Why an upstream request is cut short: its client went away. */
class ClientGoneError extends Error {
  readonly code = 'GATEHOUSE_CLIENT_GONE'
}
const CLIENT_GONE = new ClientGoneError('the client closed the connection')

/** The exchange a response belongs to, so one module-level 'close' listener serves them all. */
const EXCHANGE = Symbol('gatehouse.exchange')
interface ProxiedResponse extends ServerResponse {
  [EXCHANGE]?: ProxyExchange<unknown>
}

function onResponseClose (this: ProxiedResponse): void {
  this[EXCHANGE]?.clientClosed()
}

/**
 * One proxied request, as undici's handler: the upstream's head becomes ours, its body is
 * written to `res` with backpressure (the upstream pauses while the client is slow), and
 * `onDone` runs exactly once, with the status the client got (499 when it left first).
 */
class ProxyExchange<T> implements UpstreamHandler {
  private abortUpstream: ((reason?: Error) => void) | undefined = undefined
  private resumeUpstream: (() => void) | undefined = undefined
  private upstreamMs = 0
  private status = 0
  private over = false

  constructor (
    private readonly res: ProxiedResponse,
    private readonly quotaHeaders: QuotaHeaderValues,
    private readonly startedMs: number,
    private readonly context: T,
    private readonly onDone: ExchangeDone<T>
  ) {}

  onConnect (abort: (reason?: Error) => void): void {
    if (this.res.destroyed) abort(CLIENT_GONE)
    else this.abortUpstream = abort
  }

  onHeaders (statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true // 1xx: informational, not relayed
    this.upstreamMs = performance.now() - this.startedMs
    this.status = statusCode
    this.resumeUpstream = resume
    const out = responseHeaders(rawHeaders)
    // Tyk's default ("quotas") writes the key's quota into these on every proxied response
    out.push('x-ratelimit-limit', this.quotaHeaders[0], 'x-ratelimit-remaining', this.quotaHeaders[1], 'x-ratelimit-reset', this.quotaHeaders[2])
    this.res.writeHead(statusCode, out)
    return true
  }

  onData (chunk: Buffer): boolean {
    if (this.res.write(chunk)) return true
    // the client reads slower than the upstream sends: undici pauses until the client drains
    if (this.resumeUpstream !== undefined && !this.res.destroyed) this.res.once('drain', this.resumeUpstream)
    return false
  }

  onComplete (): void {
    this.res.end()
    this.finish()
  }

  onError (err: Error): void {
    if (this.over) return
    if (this.status === 0) this.upstreamMs = performance.now() - this.startedMs
    const res = this.res
    if (res.headersSent || res.destroyed) {
      // the client left, or the upstream broke off mid-body: nothing more can be said
      if (!res.destroyed) res.destroy()
      if (this.status === 0) this.status = CLIENT_CLOSED
    } else {
      const code = errorCodeOf(err)
      writeGatewayError(res, code)
      this.status = errors[code].status
    }
    this.finish()
  }

  /** The client's connection closed: an unfinished upstream request is abandoned. */
  clientClosed (): void {
    if (!this.over) this.abortUpstream?.(CLIENT_GONE)
  }

  private finish (): void {
    if (this.over) return
    this.over = true
    this.onDone(this.context, this.status, this.upstreamMs)
  }
}

export interface UpstreamTarget {
  /** scheme://host[:port]: one keep-alive pool each, and the host header upstream */
  readonly origin: string
  /** proxy.preserve_host_header: the upstream gets the client's Host header instead */
  readonly preserveHost: boolean
}

/** One keep-alive pool per upstream origin; bodies stream both ways, never buffered whole. */
export class UpstreamProxy {
  private readonly pools = new Map<string, UndiciPool>()

  /**
   * @param options.timeoutMs proxy_default_timeout: how long the upstream may keep silent, before
   *   its answer starts and between pieces of its body
   */
  constructor (private readonly options: { readonly timeoutMs: number, readonly connectionsPerOrigin: number, readonly userAgent: string }) {}

  /**
   * Streams the request to the upstream and its answer back. `onDone` runs once the exchange
   * is over, with the status the client got (499 when it left) and the upstream's latency.
   * One handler object per request and module-level listeners: no closures on this path.
   */
  forward<T> (req: IncomingMessage, res: ServerResponse, target: UpstreamTarget, path: string, stripAuth: StripAuth | undefined, versionHeader: string | undefined, quotaHeaders: QuotaHeaderValues, context: T, onDone: ExchangeDone<T>): void {
    const exchange = new ProxyExchange(res, quotaHeaders, performance.now(), context, onDone)
    const proxied = res as ProxiedResponse
    proxied[EXCHANGE] = exchange as ProxyExchange<unknown>
    proxied.on('close', onResponseClose)
    const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined
    dispatchTo(this.poolFor(target.origin), {
      method: req.method as Dispatcher.HttpMethod,
      path,
      headers: requestHeaders(req, stripAuth, versionHeader, this.options.userAgent, target.preserveHost),
      body: hasBody ? req : null,
      headersTimeout: this.options.timeoutMs,
      // one value for both: undici then refreshes the connection's timer between the head and the
      // body instead of making a second one per request (seen as extra promotion in GC traces)
      bodyTimeout: this.options.timeoutMs
    }, exchange)
  }

  async close (): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()))
    this.pools.clear()
  }

  private poolFor (origin: string): UndiciPool {
    let pool = this.pools.get(origin)
    if (pool === undefined) {
      pool = new Pool(origin, { connections: this.options.connectionsPerOrigin, pipelining: 1, keepAliveTimeout: 30_000 })
      this.pools.set(origin, pool)
    }
    return pool
  }
}

/**
 * The client's headers for the upstream. No host header unless preserve_host_header: undici
 * writes the pool origin's own (the target's host, as Tyk sends by default) from a string it
 * made once, and the client's when one is given. `versionHeader`: the version header that
 * strip_versioning_data removes (lower case).
 */
function requestHeaders (req: IncomingMessage, stripAuth: StripAuth | undefined, versionHeader: string | undefined, userAgent: string, preserveHost: boolean): string[] {
  const raw = req.rawHeaders
  const out: string[] = []
  const named = connectionHeaders(req.headers.connection)
  let forwardedFor = ''
  let hasUserAgent = false
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? ''
    const lower = name.toLowerCase()
    if (NOT_FORWARDED.has(lower) || named?.has(lower) === true || lower === stripAuth?.header || lower === versionHeader) continue
    if (lower === 'cookie' && stripAuth?.cookie !== undefined) {
      const kept = withoutCookie(raw[i + 1] ?? '', stripAuth.cookie)
      if (kept !== '') out.push(name, kept)
      continue
    }
    if (lower === 'x-forwarded-for') {
      forwardedFor = forwardedFor === '' ? raw[i + 1] ?? '' : `${forwardedFor}, ${raw[i + 1] ?? ''}`
      continue
    }
    if (lower === 'user-agent') hasUserAgent = true
    out.push(name, raw[i + 1] ?? '')
  }
  if (req.headers.te === 'trailers') out.push('te', 'trailers')
  const peer = req.socket.remoteAddress ?? ''
  out.push('x-forwarded-for', forwardedFor === '' ? peer : `${forwardedFor}, ${peer}`)
  if (!hasUserAgent) out.push('user-agent', userAgent)
  if (preserveHost && req.headers.host !== undefined) out.push('host', req.headers.host)
  return out
}

/** Tyk's cookie stripping (spec gateway 6.3): the first item whose trimmed text starts with the name. */
function withoutCookie (header: string, name: string): string {
  const items = header.split(';')
  const at = items.findIndex((item) => item.trim().startsWith(name))
  if (at === -1) return header
  items.splice(at, 1)
  return items.map((item) => item.trim()).filter((item) => item !== '').join('; ')
}

/** Hop-by-hop names have these lengths: most headers are told apart without lower-casing them. */
const HOP_BY_HOP_LENGTHS = new Set([...HOP_BY_HOP].map((name) => name.length))

/**
 * The upstream's header pairs, as received, minus hop-by-hop ones: a flat name, value list, as
 * writeHead takes it. Bytes become latin1 strings, which Node writes back byte for byte.
 */
function responseHeaders (raw: readonly Buffer[]): string[] {
  const out: string[] = []
  let named: Set<string> | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]?.toString('latin1') ?? ''
    const value = raw[i + 1]?.toString('latin1') ?? ''
    if (HOP_BY_HOP_LENGTHS.has(name.length)) {
      const lower = name.toLowerCase()
      if (lower === 'connection') named = connectionHeaders(value)
      if (HOP_BY_HOP.has(lower) && lower !== 'host') continue
    }
    out.push(name, value)
  }
  if (named === undefined) return out
  // headers the upstream's Connection header names are hop-by-hop too
  const kept: string[] = []
  for (let i = 0; i < out.length; i += 2) {
    if (!named.has((out[i] ?? '').toLowerCase())) kept.push(out[i] ?? '', out[i + 1] ?? '')
  }
  return kept
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
