import type { IncomingMessage } from 'node:http'
import type { HitValues } from './hit-batch.js'
import { KEPT_FOR_GOOD_MS } from '../model/analytics-record.js'
import type { Session } from '../model/session.js'
import type { ResolvedKey } from '../sessions/session-resolver.js'

/** What a request leaves behind for its analytics record: the gateway's request context. */
export interface HitSource {
  readonly req: IncomingMessage
  /** read at arrival: the socket may be gone when the record is written */
  readonly clientIp: string
  /** the request path, listen path included */
  readonly path: string
  readonly api: {
    readonly listenPath: string
    readonly stripListenPath: boolean
    readonly apiId: string
    readonly orgId: string
    readonly name: string
    readonly tags: readonly string[]
  }
  /** the version the request named, '' when none */
  readonly requestedVersion: string
  readonly key: ResolvedKey | undefined
  readonly nowMs: number
}

type Writable<T> = { -readonly [K in keyof T]: T[K] }

const NO_TAGS: readonly string[] = Object.freeze([])
/** A key's own analytics tags, made once per merged session (sessions are frozen and cached). */
const keyTagsCache = new WeakMap<Session, readonly string[]>()

/**
 * Fills one analytics hit (spec gateway 7.2) with only what the store cannot know.
 * One HitBuilder per gateway, its hit overwritten per request: the queue copies the values into
 * its columns at once, so no object is made per request.
 */
export class HitBuilder {
  private readonly hit: Writable<HitValues> = {
    nowMs: 0,
    status: 0,
    totalMs: 0,
    upstreamMs: 0,
    method: '',
    rawPath: '',
    host: '',
    userAgent: '',
    contentLength: -1,
    clientIp: '',
    apiKey: '',
    apiId: '',
    orgId: '',
    apiName: '',
    apiVersion: '',
    alias: '',
    oauthId: '',
    keyTags: NO_TAGS,
    apiTags: NO_TAGS,
    expireAtMs: 0
  }

  /**
   * The hit of `source`; valid until the next call. `retentionS`: how long the record is kept,
   * 0 (or less) for good, as Tyk's SetExpiry reads 0 as 100 years.
   */
  build (source: HitSource, status: number, totalMs: number, upstreamMs: number, retentionS: number): HitValues {
    const { req, api, path } = source
    const session = source.key?.session
    const headers = req.headers
    const length = headers['content-length']
    const stripped = api.stripListenPath && path.startsWith(api.listenPath) ? path.slice(api.listenPath.length) : path
    const hit = this.hit
    hit.nowMs = source.nowMs
    hit.status = status
    hit.totalMs = totalMs
    hit.upstreamMs = upstreamMs
    hit.method = req.method ?? ''
    hit.rawPath = stripped.startsWith('/') ? stripped : '/' + stripped
    hit.host = headers.host ?? ''
    hit.userAgent = headers['user-agent'] ?? ''
    hit.contentLength = length === undefined ? -1 : Number(length)
    hit.clientIp = source.clientIp
    hit.apiKey = source.key?.id ?? ''
    hit.apiId = api.apiId
    hit.orgId = api.orgId
    hit.apiName = api.name
    hit.apiVersion = source.requestedVersion === '' ? 'Non Versioned' : source.requestedVersion
    hit.alias = session?.alias ?? ''
    hit.oauthId = session?.oauth_client_id ?? ''
    hit.keyTags = session === undefined ? NO_TAGS : keyTagsOf(session)
    hit.apiTags = api.tags
    hit.expireAtMs = source.nowMs + (retentionS > 0 ? retentionS * 1000 : KEPT_FOR_GOOD_MS)
    return hit
  }
}

/** Tyk's tag order (spec gateway 7.3): pol-<id> per policy, dev-<developer id>, the key's tags. */
function keyTagsOf (session: Session): readonly string[] {
  let tags = keyTagsCache.get(session)
  if (tags === undefined) {
    const built = session.apply_policies.map((id) => `pol-${id}`)
    const developer = session.meta_data.tyk_developer_id
    if (typeof developer === 'string' && developer !== '') built.push(`dev-${developer}`)
    built.push(...session.tags)
    tags = Object.freeze(built)
    keyTagsCache.set(session, tags)
  }
  return tags
}
