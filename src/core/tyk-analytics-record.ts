import { KEPT_FOR_GOOD_MS, type AnalyticsHit, type AnalyticsRecord } from '../model/analytics-record.js'

/**
 * An AnalyticsHit as Tyk's analytics record (spec gateway 7.2, 7.3). Hits are stored as they are
 * and expanded only when read: the derived fields (dates, tags) cost nothing per request.
 */
export function toTykRecord (hit: AnalyticsHit): AnalyticsRecord {
  const [nowMs, status, totalMs, upstreamMs, method, rawPath, host, userAgent, contentLength, clientIp,
    apiKey, apiId, orgId, apiName, apiVersion, alias, oauthId, keyTags, apiTags, expireAtMs] = hit
  const now = new Date(nowMs)
  const tags = [...keyTags, ...apiTags]
  if (apiKey !== '') tags.push(`key-${apiKey}`)
  if (orgId !== '') tags.push(`org-${orgId}`)
  tags.push(`api-${apiId}`)
  const total = Math.round(totalMs)
  return {
    method,
    host,
    path: rawPath,
    raw_path: rawPath,
    content_length: contentLength,
    user_agent: userAgent,
    day: now.getDate(),
    month: now.getMonth() + 1,
    year: now.getFullYear(),
    hour: now.getHours(),
    response_code: status,
    api_key: apiKey,
    timestamp: now.toISOString(),
    api_version: apiVersion,
    api_name: apiName,
    api_id: apiId,
    org_id: orgId,
    oauth_id: oauthId,
    request_time: total,
    latency: { total, upstream: Math.round(upstreamMs) },
    raw_request: '',
    raw_response: '',
    ip_address: clientIp,
    tags,
    alias,
    track_path: false,
    expireAt: new Date(expireAtMs ?? nowMs + KEPT_FOR_GOOD_MS).toISOString()
  }
}
