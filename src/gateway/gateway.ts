import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AnalyticsQueue } from '../analytics/analytics-queue.js'
import { HitBuilder } from '../analytics/build-hit.js'
import { errors, type ErrorCode } from '../model/errors.js'
import { checkAccessRights } from '../core/access.js'
import { checkAllowedUrls } from '../core/allowed-urls.js'
import { checkExpiry } from '../core/expiry.js'
import { realClientIp } from '../core/client-ip.js'
import { upstreamPath } from '../core/upstream-path.js'
import { stripUrlVersion } from '../core/url-version.js'
import { queryWithout } from '../core/query-without.js'
import { resolveVersion } from '../core/version.js'
import type { VersionLinks } from '../core/version-route.js'
import { checkPathLists, type PathOutcome } from '../core/path-lists.js'
import type { Session } from '../model/session.js'
import type { OrgSessions } from '../sessions/org-sessions.js'
import type { ResolvedKey, SessionResolver } from '../sessions/session-resolver.js'
import type { Counters } from '../store/ports.js'
import type { CompiledApi, VersionStrip } from './compiled-api.js'
import { readCredential } from './credential.js'
import { writeGatewayError, writeRouteNotFound } from './error-writer.js'
import type { UpstreamProxy } from './proxy.js'
import { requestedVersion } from './requested-version.js'
import type { ApiRouter } from './router.js'
import { checkOrgLimits } from './steps/org-limits.js'
import { checkRateAndQuota, type LimitOutcome, type QuotaHeaders } from './steps/rate-and-quota.js'

export interface GatewayDeps {
  readonly resolver: SessionResolver
  readonly proxy: UpstreamProxy
  readonly clock: () => number
  /** Tyk treats 0 as 3: shorter credentials are "not found" without a lookup. */
  readonly minTokenLength: number
  readonly counters: Counters
  /** Present when enforce_org_quotas is on: org sessions are checked before auth, as in Tyk. */
  readonly orgSessions: OrgSessions | undefined
  /** Absent when enable_analytics is false. */
  readonly analytics: AnalyticsQueue | undefined
  /** Present when enforce_org_data_age is on: an org's data_expires sets its records' retention. */
  readonly orgDataAge: OrgSessions | undefined
  /** http_server_options.xff_depth: which X-Forwarded-For entry is the client's IP */
  readonly xffDepth: number
  /** allow_master_keys: whether a key with no access rights may call every API */
  readonly allowMasterKeys: boolean
}

/** One request's state through the pipeline: one object, no closures per step. */
interface RequestContext {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  /** the API serving the request: the one its listen path matched, or the version it named */
  api: CompiledApi
  /** the base API that handed the request to `api` (new-style versioning), else undefined */
  base: CompiledApi | undefined
  /** the request's path and query, less what strip_versioning_data removes */
  path: string
  query: string
  readonly nowMs: number
  /** performance.now() when the request arrived, for the analytics latency */
  readonly startedMs: number
  /** Tyk's real IP (X-Real-IP, X-Forwarded-For, peer), read at arrival: the socket may be gone later */
  readonly clientIp: string
  /** the version the request named ('' for none) */
  requestedVersion: string
  /** the version access rights are checked against; undefined when the API is not versioned */
  version: string | undefined
  key: ResolvedKey | undefined
  /** an ignored path (spec gateway 5.5): no key is read and no key checks run */
  ignored: boolean
}

/** Keyless APIs have no session: Tyk's quota headers are all 0. */
const NO_SESSION_HEADERS: QuotaHeaders = Object.freeze(['0', '0', '0'] as const)

/**
 * The data plane, in Tyk's order: route, version and path lists, IP lists, org, auth, expiry,
 * access, allowed URLs, rate limit, quota, proxy. The router is swapped whole on reload, so a request sees one
 * consistent set of APIs.
 */
export class Gateway {
  private router: ApiRouter
  private readonly minTokenLength: number
  private readonly hits = new HitBuilder()

  constructor (router: ApiRouter, private readonly deps: GatewayDeps) {
    this.router = router
    this.minTokenLength = Math.max(deps.minTokenLength, 3)
  }

  replaceRouter (router: ApiRouter): void {
    this.router = router
  }

  handle (req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/'
    const queryAt = url.indexOf('?')
    const path = queryAt === -1 ? url : url.slice(0, queryAt)
    const api = this.router.match(path)
    if (api === undefined) {
      writeRouteNotFound(res)
      return
    }
    // Node joins repeated unknown headers with ', ': each is one string
    const ctx: RequestContext = { req, res, api, path, query: queryAt === -1 ? '' : url.slice(queryAt + 1), nowMs: this.deps.clock(), startedMs: performance.now(), clientIp: realClientIp(req.headers['x-real-ip'] as string | undefined, req.headers['x-forwarded-for'] as string | undefined, req.socket.remoteAddress ?? '', this.deps.xffDepth), requestedVersion: '', version: undefined, key: undefined, ignored: false, base: undefined }
    // Version errors come before authentication, as in Tyk.
    ctx.requestedVersion = requestedVersion(req, ctx.path, ctx.query, api)
    // Tyk strips where it reads the version: every later check, the record and the upstream see the rest
    if (api.versionStrip !== undefined) stripVersionData(ctx, api.versionStrip)
    if (api.versionLinks === undefined) this.serve(ctx)
    else this.serveThroughBase(ctx, api.versionLinks)
  }

  /**
   * A base API's version check (Tyk's mw_version_check.go), first in its chain: its own version
   * is served by the base; another goes, less the base's listen path when it strips it
   * (SanitizeProxyPaths), to the whole pipeline of the API serving it, its auth and limits
   * included, and is recorded under that API. The version the request named stays the one the
   * version's API sees, as Tyk caches it on the request; that API routes no further.
   */
  private serveThroughBase (ctx: RequestContext, links: VersionLinks): void {
    const route = this.router.routeVersion(ctx.api, links, ctx.requestedVersion)
    switch (route.kind) {
      case 'base':
        this.serve(ctx)
        return
      case 'deny':
        this.fail(ctx, route.error)
        return
      case 'version':
        if (ctx.api.stripListenPath) ctx.path = withoutListenPath(ctx.path, ctx.api.listenPath)
        ctx.base = ctx.api
        ctx.api = route.api
        this.serve(ctx)
    }
  }

  /** Version, path and IP lists, org, auth and the rest, by the API that serves the request. */
  private serve (ctx: RequestContext): void {
    const { api, res } = ctx
    const version = resolveVersion(api.versioning, ctx.requestedVersion, ctx.nowMs)
    if (version.kind === 'deny') {
      this.fail(ctx, version.error)
      return
    }
    ctx.version = version.version
    if (version.expiresMs !== Infinity) res.setHeader('x-tyk-api-expires', new Date(version.expiresMs).toUTCString().replace('GMT', 'UTC'))
    if (!this.passesPathAndIpLists(ctx)) return
    const orgSessions = this.deps.orgSessions
    if (orgSessions !== undefined && api.orgId !== '') {
      const org = orgSessions.get(api.orgId)
      if (org instanceof Promise) {
        org.then((session) => { this.afterOrgCheck(ctx, session) }, () => { this.fail(ctx, 'INTERNAL') })
        return
      }
      this.afterOrgCheck(ctx, org)
      return
    }
    this.authenticate(ctx)
  }

  /**
   * The version's path lists (ignored, black, white, mock replies), then the API's IP allow and
   * deny lists, before the org and the key, as in Tyk. False when the request was answered.
   */
  private passesPathAndIpLists (ctx: RequestContext): boolean {
    const { api, path } = ctx
    const lists = ctx.version === undefined ? api.defaultPathLists : api.pathLists.get(ctx.version)
    if (lists !== undefined) {
      const listed = checkPathLists(lists, ctx.req.method ?? 'GET', withoutListenPath(path, api.listenPath), path)
      if (listed.kind === 'forbidden') {
        this.fail(ctx, 'ENDPOINT_FORBIDDEN')
        return false
      }
      if (listed.kind === 'reply') {
        this.replyDirectly(ctx, listed)
        return false
      }
      ctx.ignored = listed.kind === 'ignored'
    }
    if ((api.ipAllowList !== undefined && !api.ipAllowList.has(ctx.clientIp)) || api.ipDenyList?.has(ctx.clientIp) === true) {
      this.fail(ctx, 'IP_DISALLOWED')
      return false
    }
    return true
  }

  /** Tyk's OrganizationMonitor: inactive org, org rate limit, org quota, before auth. */
  private afterOrgCheck (ctx: RequestContext, org: Session | undefined): void {
    const refused = checkOrgLimits(ctx.api.orgId, org, this.deps.counters, ctx.nowMs)
    if (refused instanceof Promise) {
      refused.then((error) => { this.afterOrgLimits(ctx, error) }, () => { this.fail(ctx, 'INTERNAL') })
    } else {
      this.afterOrgLimits(ctx, refused)
    }
  }

  private afterOrgLimits (ctx: RequestContext, error: ErrorCode | undefined): void {
    if (error !== undefined) {
      this.fail(ctx, error)
      return
    }
    this.authenticate(ctx)
  }

  private authenticate (ctx: RequestContext): void {
    if (ctx.api.keyless || ctx.ignored) {
      this.afterLimits(ctx, { kind: 'pass', headers: NO_SESSION_HEADERS })
      return
    }
    const credential = readCredential(ctx.req, ctx.query, ctx.api)
    if (credential === '') {
      this.fail(ctx, 'AUTH_FIELD_MISSING')
      return
    }
    if (credential.length < this.minTokenLength) {
      this.fail(ctx, 'ACCESS_DISALLOWED')
      return
    }
    const resolved = this.deps.resolver.resolve(credential, ctx.api.orgId)
    if (resolved instanceof Promise) {
      resolved.then((key) => { this.authorize(ctx, key) }, () => { this.fail(ctx, 'INTERNAL') })
    } else {
      this.authorize(ctx, resolved)
    }
  }

  private authorize (ctx: RequestContext, key: ResolvedKey | undefined): void {
    if (key === undefined) {
      this.fail(ctx, 'ACCESS_DISALLOWED')
      return
    }
    ctx.key = key
    const expiry = checkExpiry(key.session, ctx.nowMs)
    if (!expiry.ok) {
      this.fail(ctx, expiry.error)
      return
    }
    const { versioning } = ctx.api
    const access = checkAccessRights(key.session, ctx.api.apiId, ctx.version, versioning.fallbackToDefault ? versioning.defaultVersion : undefined, this.deps.allowMasterKeys)
    if (!access.ok) {
      this.fail(ctx, access.error)
      return
    }
    const urls = checkAllowedUrls(key.session.access_rights[ctx.api.apiId]?.allowed_urls, ctx.req.method ?? 'GET', ctx.path)
    if (!urls.ok) {
      this.fail(ctx, urls.error)
      return
    }
    const limits = checkRateAndQuota(ctx.api, key, this.deps.counters, this.deps.clock)
    if (limits instanceof Promise) {
      limits.then((outcome) => { this.afterLimits(ctx, outcome) }, () => { this.fail(ctx, 'INTERNAL') })
    } else {
      this.afterLimits(ctx, limits)
    }
  }

  private afterLimits (ctx: RequestContext, outcome: LimitOutcome): void {
    if (outcome.kind === 'deny') {
      this.fail(ctx, outcome.error)
      return
    }
    // The API-wide limit runs after the key's checks, for keyed and keyless APIs alike.
    const global = ctx.api.globalRateLimit
    if (global !== undefined) {
      const decision = this.deps.counters.rate(global.counter, global.rate, global.per, ctx.nowMs, false)
      if (decision instanceof Promise) {
        decision.then((settled) => {
          if (settled.kind === 'block') this.fail(ctx, 'API_RATE_LIMITED')
          else this.forward(ctx, outcome.headers)
        }, () => { this.fail(ctx, 'INTERNAL') })
        return
      }
      if (decision.kind === 'block') {
        this.fail(ctx, 'API_RATE_LIMITED')
        return
      }
    }
    this.forward(ctx, outcome.headers)
  }

  private forward (ctx: RequestContext, quotaHeaders: QuotaHeaders): void {
    const { api } = ctx
    // strip_auth_data with use_param: the parameter goes, and the query is re-encoded (as Tyk does)
    const query = api.stripAuth?.param !== undefined ? queryWithout(ctx.query, api.stripAuth.param, false) : ctx.query
    const upstream = api.nextUpstream()
    const target = upstreamPath(ctx.path, query, api.listenPath, api.stripListenPath, upstream.targetPath, upstream.targetQuery)
    // the header is stripped where the version was read: by the base, when one handed it over
    const versionStrip = (ctx.base ?? api).versionStrip
    const versionHeader = versionStrip?.location === 'header' ? versionStrip.header : undefined
    this.deps.proxy.forward(ctx.req, ctx.res, upstream.target, target, api.stripAuth, versionHeader, quotaHeaders, ctx, this.recordProxied)
  }

  /** Bound once: the proxy calls it when an exchange is over. */
  private readonly recordProxied = (ctx: RequestContext, status: number, upstreamMs: number): void => {
    this.record(ctx, status, upstreamMs)
  }

  /** A mock reply from a path list (method_actions "reply"): nothing after the version check runs. */
  private replyDirectly (ctx: RequestContext, reply: Extract<PathOutcome, { kind: 'reply' }>): void {
    ctx.res.writeHead(reply.code, reply.headers)
    ctx.res.end(reply.body)
    this.record(ctx, reply.code, 0)
  }

  /** A gateway error in Tyk's format; recorded in analytics like any other answer. */
  private fail (ctx: RequestContext, code: ErrorCode): void {
    writeGatewayError(ctx.res, code)
    this.record(ctx, errors[code].status, 0)
  }

  private record (ctx: RequestContext, status: number, upstreamMs: number): void {
    if (this.deps.analytics === undefined || ctx.api.doNotTrack) return
    const totalMs = performance.now() - ctx.startedMs
    const orgs = this.deps.orgDataAge
    if (orgs === undefined) {
      this.writeHit(ctx, status, totalMs, upstreamMs, ctx.api.analyticsRetentionS)
      return
    }
    const org = orgs.get(ctx.api.orgId)
    if (org instanceof Promise) {
      org.then(
        (session) => { this.writeHit(ctx, status, totalMs, upstreamMs, recordRetention(ctx.api.analyticsRetentionS, session)) },
        () => { this.writeHit(ctx, status, totalMs, upstreamMs, recordRetention(ctx.api.analyticsRetentionS, undefined)) }
      )
      return
    }
    this.writeHit(ctx, status, totalMs, upstreamMs, recordRetention(ctx.api.analyticsRetentionS, org))
  }

  private writeHit (ctx: RequestContext, status: number, totalMs: number, upstreamMs: number, retentionS: number): void {
    this.deps.analytics?.record(this.hits.build(ctx, status, totalMs, upstreamMs, retentionS))
  }
}

/** The request path as the API sees it: the listen path gone, a leading slash kept. */
function withoutListenPath (path: string, listenPath: string): string {
  if (!path.startsWith(listenPath)) return path
  const rest = path.slice(listenPath.length)
  return rest.startsWith('/') ? rest : '/' + rest
}

/** strip_versioning_data: the version goes from the path or the query; the proxy drops a header. */
function stripVersionData (ctx: RequestContext, strip: VersionStrip): void {
  switch (strip.location) {
    case 'url':
      ctx.path = stripUrlVersion(ctx.path, ctx.requestedVersion, strip.pattern)
      break
    case 'url-param':
      ctx.query = queryWithout(ctx.query, strip.param, true)
      break
    case 'header':
      break
  }
}

/** Tyk's retention when enforce_org_data_age is on and the org has no session: 7 days. */
const ORG_WITHOUT_SESSION_RETENTION_S = 604_800

/**
 * With enforce_org_data_age, as Tyk's RecordHit: the org's data_expires when above 0, else the
 * API's expire_analytics_after; an org without a session keeps its records 7 days.
 */
function recordRetention (apiRetentionS: number, org: Session | undefined): number {
  if (org === undefined) return ORG_WITHOUT_SESSION_RETENTION_S
  const orgRetentionS = org.data_expires ?? 0
  return orgRetentionS > 0 ? orgRetentionS : apiRetentionS
}
