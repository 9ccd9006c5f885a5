import type { ApiDefinition } from '../model/api-definition.js'
import type { UpstreamTarget } from './proxy.js'

/** An API definition turned, once at load, into what the hot path reads. */
export interface CompiledApi {
  readonly apiId: string
  readonly orgId: string
  readonly listenPath: string
  readonly stripListenPath: boolean
  readonly keyless: boolean
  readonly target: UpstreamTarget
  readonly targetPath: string
  readonly targetQuery: string
  /** lower-case header carrying the key */
  readonly authHeader: string
  readonly authParam: string | undefined
  readonly authCookie: string | undefined
  /** header to drop before proxying (strip_auth_data), lower-case */
  readonly stripHeader: string | undefined
  readonly disableRateLimit: boolean
  readonly disableQuota: boolean
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

export function compileApi (definition: ApiDefinition): CompiledApi {
  const target = new URL(definition.proxy.target_url)
  const protocol = target.protocol === 'ws:' || target.protocol === 'h2c:' ? 'http:' : target.protocol === 'wss:' ? 'https:' : target.protocol
  const auth = definition.auth
  const headerName = (auth.auth_header_name === '' ? 'Authorization' : auth.auth_header_name)
  return {
    apiId: definition.api_id,
    orgId: definition.org_id,
    listenPath: normalizeListenPath(definition.proxy.listen_path),
    stripListenPath: definition.proxy.strip_listen_path,
    keyless: definition.use_keyless,
    target: { origin: `${protocol}//${target.host}`, host: target.host },
    targetPath: target.pathname === '/' && !definition.proxy.target_url.replace(/^[a-z0-9+.-]+:\/\/[^/?#]*/i, '').startsWith('/') ? '' : target.pathname,
    targetQuery: target.search.replace(/^\?/, ''),
    authHeader: headerName.toLowerCase(),
    authParam: auth.use_param ? (auth.param_name === '' ? headerName : auth.param_name) : undefined,
    authCookie: auth.use_cookie ? (auth.cookie_name === '' ? headerName : auth.cookie_name) : undefined,
    stripHeader: definition.strip_auth_data ? headerName.toLowerCase() : undefined,
    disableRateLimit: definition.disable_rate_limit,
    disableQuota: definition.disable_quota,
    definition
  }
}
