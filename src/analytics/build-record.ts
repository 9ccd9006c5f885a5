import type { IncomingMessage } from 'node:http'
import type { AnalyticsRecord } from '../model/analytics-record.js'
import type { Session } from '../model/session.js'

export interface RecordInput {
  readonly req: IncomingMessage
  readonly clientIp: string
  /** the request path, listen path included */
  readonly path: string
  readonly listenPath: string
  readonly stripListenPath: boolean
  readonly api: { readonly apiId: string, readonly orgId: string, readonly name: string, readonly tags: readonly string[] }
  /** the version the request named, '' when none */
  readonly requestedVersion: string
  readonly keyId: string
  readonly session: Session | undefined
  readonly status: number
  readonly totalMs: number
  readonly upstreamMs: number
  readonly nowMs: number
}

const HUNDRED_YEARS_MS = 100 * 365 * 86_400_000

/** One of Tyk's analytics records (spec gateway 7.2, tags in 7.3's order). */
export function buildRecord (input: RecordInput): AnalyticsRecord {
  const { req, session, api } = input
  const now = new Date(input.nowMs)
  const stripped = input.stripListenPath && input.path.startsWith(input.listenPath) ? input.path.slice(input.listenPath.length) : input.path
  const rawPath = stripped.startsWith('/') ? stripped : '/' + stripped
  const length = req.headers['content-length']
  return {
    method: req.method ?? '',
    host: req.headers.host ?? '',
    path: rawPath,
    raw_path: rawPath,
    content_length: length === undefined ? -1 : Number(length),
    user_agent: req.headers['user-agent'] ?? '',
    day: now.getDate(),
    month: now.getMonth() + 1,
    year: now.getFullYear(),
    hour: now.getHours(),
    response_code: input.status,
    api_key: input.keyId,
    timestamp: now.toISOString(),
    api_version: input.requestedVersion === '' ? 'Non Versioned' : input.requestedVersion,
    api_name: api.name,
    api_id: api.apiId,
    org_id: api.orgId,
    oauth_id: session?.oauth_client_id ?? '',
    request_time: Math.round(input.totalMs),
    latency: { total: Math.round(input.totalMs), upstream: Math.round(input.upstreamMs) },
    raw_request: '',
    raw_response: '',
    ip_address: input.clientIp,
    tags: tagsOf(input),
    alias: session?.alias ?? '',
    track_path: false,
    expireAt: new Date(input.nowMs + HUNDRED_YEARS_MS).toISOString()
  }
}

function tagsOf (input: RecordInput): string[] {
  const tags: string[] = []
  const session = input.session
  if (session !== undefined) {
    for (const policyId of session.apply_policies) tags.push(`pol-${policyId}`)
    const developer = session.meta_data.tyk_developer_id
    if (typeof developer === 'string' && developer !== '') tags.push(`dev-${developer}`)
    tags.push(...session.tags)
  }
  tags.push(...input.api.tags)
  if (input.keyId !== '') tags.push(`key-${input.keyId}`)
  if (input.api.orgId !== '') tags.push(`org-${input.api.orgId}`)
  tags.push(`api-${input.api.apiId}`)
  return tags
}
