import type { IncomingMessage, ServerResponse } from 'node:http'
import { checkAccessRights } from '../core/access.js'
import { checkExpiry } from '../core/expiry.js'
import { upstreamPath } from '../core/upstream-path.js'
import type { Session } from '../model/session.js'
import type { OrgSessions } from '../sessions/org-sessions.js'
import type { SessionResolver } from '../sessions/session-resolver.js'
import type { CompiledApi } from './compiled-api.js'
import { readCredential } from './credential.js'
import { writeGatewayError, writeRouteNotFound } from './error-writer.js'
import type { UpstreamProxy } from './proxy.js'
import { checkRateAndQuota, type LimitOutcome, type QuotaHeaders } from './steps/rate-and-quota.js'
import type { Counters } from '../store/ports.js'

/** Keyless APIs have no session: Tyk's quota headers are all 0. */
const NO_SESSION_HEADERS: QuotaHeaders = Object.freeze(['0', '0', '0'] as const)
import type { ApiRouter } from './router.js'

export interface GatewayDeps {
  readonly resolver: SessionResolver
  readonly proxy: UpstreamProxy
  readonly clock: () => number
  /** Tyk treats 0 as 3: shorter credentials are "not found" without a lookup. */
  readonly minTokenLength: number
  readonly counters: Counters
  /** Present when enforce_org_quotas is on: org sessions are checked before auth, as in Tyk. */
  readonly orgSessions: OrgSessions | undefined
}

/**
 * The data plane: route, authenticate, check expiry and access, proxy, in Tyk's order. The
 * router is swapped whole on reload, so a request sees one consistent set of APIs.
 */
export class Gateway {
  private router: ApiRouter
  private readonly minTokenLength: number

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
    const query = queryAt === -1 ? '' : url.slice(queryAt + 1)
    const api = this.router.match(path)
    if (api === undefined) {
      writeRouteNotFound(res)
      return
    }
    const orgSessions = this.deps.orgSessions
    if (orgSessions !== undefined && api.orgId !== '') {
      const org = orgSessions.get(api.orgId)
      if (org instanceof Promise) {
        org.then((session) => { this.afterOrgCheck(req, res, api, path, query, session) }, () => { writeGatewayError(res, 'INTERNAL') })
        return
      }
      this.afterOrgCheck(req, res, api, path, query, org)
      return
    }
    this.authenticate(req, res, api, path, query)
  }

  /** Tyk's OrganizationMonitor: an inactive org stops every request to its APIs. */
  private afterOrgCheck (req: IncomingMessage, res: ServerResponse, api: CompiledApi, path: string, query: string, org: Session | undefined): void {
    if (org?.is_inactive === true) {
      writeGatewayError(res, 'ORG_INACTIVE')
      return
    }
    this.authenticate(req, res, api, path, query)
  }

  private authenticate (req: IncomingMessage, res: ServerResponse, api: CompiledApi, path: string, query: string): void {
    if (api.keyless) {
      this.forward(req, res, api, path, query, NO_SESSION_HEADERS)
      return
    }
    const credential = readCredential(req, query, api)
    if (credential === '') {
      writeGatewayError(res, 'AUTH_FIELD_MISSING')
      return
    }
    if (credential.length < this.minTokenLength) {
      writeGatewayError(res, 'ACCESS_DISALLOWED')
      return
    }
    const resolved = this.deps.resolver.resolve(credential, api.orgId)
    if (resolved instanceof Promise) {
      resolved.then(
        (key) => { this.authorize(req, res, api, path, query, key) },
        () => { writeGatewayError(res, 'INTERNAL') }
      )
    } else {
      this.authorize(req, res, api, path, query, resolved)
    }
  }

  private authorize (req: IncomingMessage, res: ServerResponse, api: CompiledApi, path: string, query: string, key: Awaited<ReturnType<SessionResolver['resolve']>>): void {
    if (key === undefined) {
      writeGatewayError(res, 'ACCESS_DISALLOWED')
      return
    }
    const expiry = checkExpiry(key.session, this.deps.clock())
    if (!expiry.ok) {
      writeGatewayError(res, expiry.error)
      return
    }
    const access = checkAccessRights(key.session, api.apiId, undefined)
    if (!access.ok) {
      writeGatewayError(res, access.error)
      return
    }
    const limits = checkRateAndQuota(api, key, this.deps.counters, this.deps.clock)
    if (limits instanceof Promise) {
      limits.then((outcome) => { this.afterLimits(req, res, api, path, query, outcome) }, () => { writeGatewayError(res, 'INTERNAL') })
    } else {
      this.afterLimits(req, res, api, path, query, limits)
    }
  }

  private afterLimits (req: IncomingMessage, res: ServerResponse, api: CompiledApi, path: string, query: string, outcome: LimitOutcome): void {
    if (outcome.kind === 'deny') {
      writeGatewayError(res, outcome.error)
      return
    }
    this.forward(req, res, api, path, query, outcome.headers)
  }

  private forward (req: IncomingMessage, res: ServerResponse, api: CompiledApi, path: string, query: string, quotaHeaders: QuotaHeaders): void {
    const target = upstreamPath(path, query, api.listenPath, api.stripListenPath, api.targetPath, api.targetQuery)
    this.deps.proxy.forward(req, res, api.target, target, api.stripHeader, quotaHeaders).catch(() => {
      writeGatewayError(res, 'PROXY_FAILED')
    })
  }
}
