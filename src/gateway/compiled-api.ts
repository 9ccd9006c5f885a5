import type { ApiDefinition } from '../model/api-definition.js'
import type { UpstreamTarget } from './proxy.js'
import { parseTykDate, type Versioning } from '../core/version.js'
import type { VersionLinks } from '../core/version-route.js'
import { isRateLimited } from '../core/rate-limit.js'
import { upstreamUrlsOf } from '../core/upstream-urls.js'
import { IpList } from '../core/client-ip.js'
import { compilePathLists, type PathLists } from '../core/path-lists.js'

export interface StripAuth {
  /** lower-case header name */
  readonly header: string
  readonly param: string | undefined
  readonly cookie: string | undefined
}

/**
 * What strip_versioning_data removes before proxying, by where the API reads the version
 * (Tyk's getVersionFromRequest): the path segment, the query parameter (the query re-encoded,
 * sorted, as Go's Values.Encode does) or the header. Undefined when nothing is stripped.
 */
export type VersionStrip =
  | { readonly location: 'url', readonly pattern: RegExp | undefined }
  | { readonly location: 'url-param', readonly param: string }
  | { readonly location: 'header', readonly header: string }

/** One upstream URL, split once into the pool it uses and the path and query it adds. */
export interface CompiledUpstream {
  readonly target: UpstreamTarget
  readonly targetPath: string
  readonly targetQuery: string
}

/** An API definition turned, once at load, into what the hot path reads. */
export interface CompiledApi {
  readonly apiId: string
  readonly orgId: string
  readonly name: string
  readonly tags: readonly string[]
  readonly doNotTrack: boolean
  /** allowed_ips when enforced (spec gateway 1.3.3), checked before the deny list */
  readonly ipAllowList: IpList | undefined
  /** blacklisted_ips when enforced */
  readonly ipDenyList: IpList | undefined
  /** expire_analytics_after: seconds its records are kept, 0 for good */
  readonly analyticsRetentionS: number
  readonly listenPath: string
  readonly stripListenPath: boolean
  readonly keyless: boolean
  /** internal: reached only through a base API's versions, never on its own listen path */
  readonly internal: boolean
  /**
   * The upstream of the next request: target_url, or with enable_load_balancing the entries of
   * target_list in turn (Tyk's round robin; a repeated entry gets more turns).
   */
  readonly nextUpstream: () => CompiledUpstream
  /** lower-case header carrying the key */
  readonly authHeader: string
  readonly authParam: string | undefined
  readonly authCookie: string | undefined
  /** what strip_auth_data removes before proxying: the header, and the param/cookie when used */
  readonly stripAuth: StripAuth | undefined
  readonly disableRateLimit: boolean
  readonly disableQuota: boolean
  readonly versioning: Versioning
  readonly versionStrip: VersionStrip | undefined
  /**
   * With definition.enabled, the APIs serving this base API's versions (Tyk's new-style
   * versioning); undefined otherwise, so other APIs never look at it.
   */
  readonly versionLinks: VersionLinks | undefined
  /** the path lists (ignored, black, white) of each version that has any */
  readonly pathLists: ReadonlyMap<string, PathLists>
  /** those of the version a non-versioned API serves */
  readonly defaultPathLists: PathLists | undefined
  /** the API-wide limit shared by every client, when set (global_rate_limit) */
  readonly globalRateLimit: { readonly rate: number, readonly per: number, readonly counter: string } | undefined
  readonly definition: ApiDefinition
}

/** Leading slash added, '.'/'..' segments cleaned, trailing slash kept (Tyk's api_loader.go). */
export function normalizeListenPath (listenPath: string): string {
  const withSlash = listenPath.startsWith('/') ? listenPath : '/' + listenPath
  const trailing = withSlash.length > 1 && withSlash.endsWith('/')
  const parts: string[] = []
  for (const part of withSlash.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') parts.pop()
    else parts.push(part)
  }
  const cleaned = '/' + parts.join('/')
  return trailing && cleaned !== '/' ? cleaned + '/' : cleaned
}

function compileUpstream (url: string, preserveHost: boolean): CompiledUpstream {
  const target = new URL(url)
  const protocol = target.protocol === 'ws:' || target.protocol === 'h2c:' ? 'http:' : target.protocol === 'wss:' ? 'https:' : target.protocol
  return {
    target: { origin: `${protocol}//${target.host}`, preserveHost },
    targetPath: target.pathname === '/' && !url.replace(/^[a-z0-9+.-]+:\/\/[^/?#]*/i, '').startsWith('/') ? '' : target.pathname,
    targetQuery: target.search.replace(/^\?/, '')
  }
}

function roundRobin (upstreams: readonly CompiledUpstream[]): () => CompiledUpstream {
  const only = upstreams[0] as CompiledUpstream
  if (upstreams.length === 1) return () => only
  let turn = 0
  return () => {
    const next = upstreams[turn] ?? only
    turn = turn + 1 === upstreams.length ? 0 : turn + 1
    return next
  }
}

export function compileApi (definition: ApiDefinition, loadedAtMs = Date.now()): CompiledApi {
  // auth_configs.authToken wins over the deprecated auth block (Tyk's middleware.go, getAuthToken)
  const auth = definition.auth_configs.authToken ?? definition.auth
  const headerName = (auth.auth_header_name === '' ? 'Authorization' : auth.auth_header_name)
  return {
    apiId: definition.api_id,
    orgId: definition.org_id,
    name: definition.name,
    tags: definition.tags,
    doNotTrack: definition.do_not_track,
    analyticsRetentionS: definition.expire_analytics_after,
    // Tyk enforces a non-empty list unless ip_access_control_disabled, whatever enable_ip_* says
    ipAllowList: enforcedIpList(definition.allowed_ips, definition.enable_ip_whitelisting, definition.ip_access_control_disabled),
    ipDenyList: enforcedIpList(definition.blacklisted_ips, definition.enable_ip_blacklisting, definition.ip_access_control_disabled),
    listenPath: normalizeListenPath(definition.proxy.listen_path),
    stripListenPath: definition.proxy.strip_listen_path,
    keyless: definition.use_keyless,
    internal: definition.internal,
    nextUpstream: roundRobin(upstreamUrlsOf(definition).map((url) => compileUpstream(url, definition.proxy.preserve_host_header))),
    authHeader: headerName.toLowerCase(),
    authParam: auth.use_param ? (auth.param_name === '' ? headerName : auth.param_name) : undefined,
    authCookie: auth.use_cookie ? (auth.cookie_name === '' ? headerName : auth.cookie_name) : undefined,
    stripAuth: definition.strip_auth_data
      ? { header: headerName.toLowerCase(), param: auth.use_param ? (auth.param_name === '' ? headerName : auth.param_name) : undefined, cookie: auth.use_cookie ? (auth.cookie_name === '' ? headerName : auth.cookie_name) : undefined }
      : undefined,
    disableRateLimit: definition.disable_rate_limit,
    disableQuota: definition.disable_quota,
    versioning: compileVersioning(definition),
    versionStrip: compileVersionStrip(definition),
    versionLinks: compileVersionLinks(definition),
    ...compileAllPathLists(definition),
    globalRateLimit: compileGlobalRateLimit(definition, loadedAtMs),
    definition
  }
}

function enforcedIpList (entries: readonly string[], enabled: boolean, controlDisabled: boolean): IpList | undefined {
  return entries.length > 0 && (enabled || !controlDisabled) ? new IpList(entries) : undefined
}

/** Tyk's counter name embeds the load time: a reload starts the API-wide window afresh. */
function compileGlobalRateLimit (definition: ApiDefinition, loadedAtMs: number): CompiledApi['globalRateLimit'] {
  const limit = definition.global_rate_limit as { rate: number, per: number, disabled?: unknown }
  if (definition.disable_rate_limit || limit.disabled === true || !isRateLimited(limit.rate, limit.per)) return undefined
  return { rate: limit.rate, per: limit.per, counter: `rate-limit-apilimiter-${definition.org_id}${definition.api_id}:${loadedAtMs}` }
}

function compileAllPathLists (definition: ApiDefinition): Pick<CompiledApi, 'pathLists' | 'defaultPathLists'> {
  const pathLists = new Map<string, PathLists>()
  for (const [name, info] of Object.entries(definition.version_data.versions)) {
    const lists = compilePathLists(info as Record<string, unknown>)
    if (lists !== undefined) pathLists.set(name, lists)
  }
  // a non-versioned API serves its only version, else the one named Default, default or ''
  const names = Object.keys(definition.version_data.versions)
  const served = names.length === 1 ? names[0] : ['Default', 'default', ''].find((name) => names.includes(name))
  return { pathLists, defaultPathLists: served === undefined ? undefined : pathLists.get(served) }
}

/**
 * strip_path is the old name of strip_versioning_data, and Tyk honours it for url versioning
 * only; a non-versioned API names no version, so nothing is stripped.
 */
function compileVersionStrip (definition: ApiDefinition): VersionStrip | undefined {
  const { location, key, strip_versioning_data: strip, strip_path: stripPath, url_versioning_pattern: pattern } = definition.definition
  if (definition.version_data.not_versioned && !definition.definition.enabled) return undefined
  switch (location) {
    case 'url':
      return strip || stripPath ? { location, pattern: compileUrlVersioningPattern(pattern) } : undefined
    case 'url-param':
      return strip ? { location, param: key } : undefined
    case 'header':
      return strip ? { location, header: key.toLowerCase() } : undefined
    default:
      return undefined
  }
}

/** Tyk logs a pattern that does not compile and strips as if there were none. */
function compileUrlVersioningPattern (pattern: string): RegExp | undefined {
  if (pattern === '') return undefined
  try {
    return new RegExp(pattern)
  } catch {
    return undefined
  }
}

function compileVersionLinks (definition: ApiDefinition): VersionLinks | undefined {
  const { enabled, name, default: defaultName, fallback_to_default: fallbackToDefault, versions } = definition.definition
  if (!enabled) return undefined
  return { baseName: name, defaultName, fallbackToDefault, versions: new Map(Object.entries(versions)) }
}

function compileVersioning (definition: ApiDefinition): Versioning {
  const { location, key, enabled } = definition.definition
  const versions = new Map<string, number>()
  for (const [name, info] of Object.entries(definition.version_data.versions)) {
    // Tyk selects a version by its map key (APISpec.Version); one whose non-empty name differs
    // from the key stays unselectable here, since its path lists are kept under that name
    if (info.name === undefined || info.name === '' || info.name === name) versions.set(name, parseTykDate(info.expires ?? ''))
  }
  const expiration = (definition as { expiration?: unknown }).expiration
  return {
    notVersioned: definition.version_data.not_versioned,
    // Tyk reads no version for a non-versioned API unless it is a base API (getVersionFromRequest)
    location: (definition.version_data.not_versioned && !enabled) || (location !== 'header' && location !== 'url-param' && location !== 'url') ? 'none' : location,
    key: location === 'header' ? key.toLowerCase() : key,
    defaultVersion: definition.version_data.default_version,
    fallbackToDefault: definition.definition.fallback_to_default,
    versions,
    apiExpiresMs: typeof expiration === 'string' ? parseTykDate(expiration) : Infinity
  }
}
