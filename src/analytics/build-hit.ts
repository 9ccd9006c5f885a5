import type { IncomingMessage } from 'node:http'
import type { HitValues } from './hit-batch.js'
import type { Session } from '../model/session.js'

export interface HitInput {
  readonly req: IncomingMessage
  readonly clientIp: string
  /** the request path, listen path included */
  readonly path: string
  readonly listenPath: string
  readonly stripListenPath: boolean
  readonly apiId: string
  readonly orgId: string
  readonly apiName: string
  readonly apiTags: readonly string[]
  /** the version the request named, '' when none */
  readonly requestedVersion: string
  readonly keyId: string
  readonly session: Session | undefined
  readonly status: number
  readonly totalMs: number
  readonly upstreamMs: number
  readonly nowMs: number
}

const NO_TAGS: readonly string[] = Object.freeze([])
/** A key's own analytics tags, made once per merged session (sessions are frozen and cached). */
const keyTagsCache = new WeakMap<Session, readonly string[]>()

/** One analytics hit (spec gateway 7.2): only what the writer thread cannot know. */
export function buildHit (input: HitInput): HitValues {
  const { req, session } = input
  const stripped = input.stripListenPath && input.path.startsWith(input.listenPath) ? input.path.slice(input.listenPath.length) : input.path
  const length = req.headers['content-length']
  return {
    nowMs: input.nowMs,
    status: input.status,
    totalMs: input.totalMs,
    upstreamMs: input.upstreamMs,
    method: req.method ?? '',
    rawPath: stripped.startsWith('/') ? stripped : '/' + stripped,
    host: req.headers.host ?? '',
    userAgent: req.headers['user-agent'] ?? '',
    contentLength: length === undefined ? -1 : Number(length),
    clientIp: input.clientIp,
    apiKey: input.keyId,
    apiId: input.apiId,
    orgId: input.orgId,
    apiName: input.apiName,
    apiVersion: input.requestedVersion === '' ? 'Non Versioned' : input.requestedVersion,
    alias: session?.alias ?? '',
    oauthId: session?.oauth_client_id ?? '',
    keyTags: session === undefined ? NO_TAGS : keyTagsOf(session),
    apiTags: input.apiTags
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
