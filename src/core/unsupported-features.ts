import type { ApiDefinition } from '../model/api-definition.js'
import { isPlainObject } from './plain-object.js'

/** What of an API definition Gatehouse does not act on, as field paths (`CORS.enable`). */
export interface UnsupportedFeatures {
  /** Turned-on security features: without them the API would be served weaker, so it is not served. */
  readonly refuse: readonly string[]
  /** Turned-on features that are configured but not acted on: the API is served without them. */
  readonly ignored: readonly string[]
}

type Fields = Readonly<Record<string, unknown>>

const NO_FIELDS: Fields = Object.freeze({})

// the extended_paths lists the gateway acts on (core/path-lists.ts); every other list is ignored
const IMPLEMENTED_PATH_LISTS = new Set(['ignored', 'white_list', 'black_list'])

/** A gorilla mux variable in a path: `{id}`, `{id:[0-9]+}` */
const MUX_VARIABLE = /\{[^{}]+\}/

function fieldsOf (value: unknown): Fields {
  return isPlainObject(value) ? value as Fields : NO_FIELDS
}

function nonEmpty (value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0
  if (typeof value === 'string') return value !== ''
  if (typeof value === 'number') return value !== 0
  return Object.keys(fieldsOf(value)).length > 0
}

/** An array with an entry that is not `disabled: true` (Tyk skips disabled entries). */
function hasLiveEntry (value: unknown): boolean {
  return Array.isArray(value) && value.some((entry) => fieldsOf(entry).disabled !== true)
}

/**
 * Decides, from the fields Tyk's api_loader.go reads to build an API's middleware chain, which
 * turned-on features Gatehouse would drop. Pure: the loader logs and skips on its answer.
 */
export function unsupportedFeatures (api: ApiDefinition): UnsupportedFeatures {
  return { refuse: refusedFields(api), ignored: ignoredFields(api) }
}

function refusedFields (api: ApiDefinition): string[] {
  const loose = api as unknown as Fields
  const refuse: string[] = []
  // the client-certificate check runs for keyless APIs too (CertificateCheckMW is outside the auth block)
  if (api.use_mutual_tls_auth) refuse.push('use_mutual_tls_auth')
  // a keyless API runs no authentication middleware at all in Tyk (api_loader.go, UseKeylessAccess)
  if (api.use_keyless) return refuse
  for (const flag of ['use_basic_auth', 'enable_jwt', 'use_oauth2', 'enable_signature_checking', 'use_openid'] as const) {
    if (api[flag]) refuse.push(flag)
  }
  if (fieldsOf(loose.external_oauth).enabled === true) refuse.push('external_oauth.enabled')
  // Tyk's custom key check: any of the three flags, unless the auth_check hook is disabled
  if (fieldsOf(api.custom_middleware.auth_check).disabled !== true) {
    for (const flag of ['enable_coprocess_auth', 'custom_plugin_auth_enabled', 'use_go_plugin_auth'] as const) {
      if (api[flag]) refuse.push(flag)
    }
  }
  if (api.base_identity_provided_by !== '' && api.base_identity_provided_by !== 'auth_token') refuse.push('base_identity_provided_by')
  const authPath = api.auth_configs.authToken === undefined ? 'auth' : 'auth_configs.authToken'
  const auth = api.auth_configs.authToken ?? api.auth
  if (auth.use_certificate) refuse.push(`${authPath}.use_certificate`)
  if (auth.validate_signature) refuse.push(`${authPath}.validate_signature`)
  return refuse
}

function ignoredFields (api: ApiDefinition): string[] {
  const loose = api as unknown as Fields
  const ignored: string[] = []
  const when = (on: boolean, field: string): void => { if (on) ignored.push(field) }
  when(api.CORS.enable, 'CORS.enable')
  when(api.cache_options.enable_cache, 'cache_options.enable_cache')
  for (const hook of ['pre', 'post', 'post_key_auth', 'response'] as const) {
    when(hasLiveEntry(api.custom_middleware[hook]), `custom_middleware.${hook}`)
  }
  when(api.enable_context_vars, 'enable_context_vars')
  when(api.enable_batch_request_support, 'enable_batch_request_support')
  when(api.enable_detailed_recording, 'enable_detailed_recording')
  when(api.tag_headers.length > 0, 'tag_headers')
  when(api.session_lifetime > 0, 'session_lifetime')
  when(api.dont_set_quota_on_create, 'dont_set_quota_on_create')
  when(api.auth.disable_header, 'auth.disable_header')
  when(api.domain !== '' && loose.domain_disabled !== true, 'domain')
  when(nonEmpty(loose.response_processors), 'response_processors')
  when(nonEmpty(fieldsOf(loose.uptime_tests).check_list), 'uptime_tests.check_list')
  when(nonEmpty(fieldsOf(loose.event_handlers).events), 'event_handlers.events')
  when(nonEmpty(loose.error_overrides) && loose.error_overrides_disabled !== true, 'error_overrides')
  when(nonEmpty(loose.upstream_certificates) && loose.upstream_certificates_disabled !== true, 'upstream_certificates')
  when(nonEmpty(loose.pinned_public_keys) && loose.certificate_pinning_disabled !== true, 'pinned_public_keys')
  when(nonEmpty(loose.certificates), 'certificates')
  when(fieldsOf(loose.upstream_auth).enabled === true, 'upstream_auth.enabled')
  when(fieldsOf(loose.request_signing).is_enabled === true, 'request_signing.is_enabled')
  when(fieldsOf(loose.analytics_plugin).enable === true, 'analytics_plugin.enable')
  when(fieldsOf(loose.graphql).enabled === true, 'graphql.enabled')
  when(loose.enable_proxy_protocol === true, 'enable_proxy_protocol')
  when(loose.detailed_tracing === true, 'detailed_tracing')
  when(nonEmpty(loose.listen_port), 'listen_port')
  when(typeof loose.protocol === 'string' && loose.protocol !== '' && loose.protocol !== 'http', 'protocol')
  ignored.push(...proxyFields(api))
  for (const [name, version] of Object.entries(api.version_data.versions)) ignored.push(...versionFields(`version_data.versions.${name}`, version))
  return ignored
}

function proxyFields (api: ApiDefinition): string[] {
  const { proxy } = api
  const { transport } = proxy
  const fields: Array<[boolean, string]> = [
    // Tyk's router (gorilla mux PathPrefix) reads a {name} segment as any one segment; ours, literally
    [MUX_VARIABLE.test(proxy.listen_path), 'proxy.listen_path {variables}'],
    [proxy.disable_strip_slash, 'proxy.disable_strip_slash'],
    [proxy.check_host_against_uptime_tests, 'proxy.check_host_against_uptime_tests'],
    [proxy.service_discovery.use_discovery_service, 'proxy.service_discovery.use_discovery_service'],
    [transport.ssl_insecure_skip_verify, 'proxy.transport.ssl_insecure_skip_verify'],
    [transport.ssl_ciphers.length > 0, 'proxy.transport.ssl_ciphers'],
    [transport.ssl_min_version !== 0, 'proxy.transport.ssl_min_version'],
    [transport.ssl_max_version !== 0, 'proxy.transport.ssl_max_version'],
    [transport.ssl_force_common_name_check, 'proxy.transport.ssl_force_common_name_check'],
    [transport.proxy_url !== '', 'proxy.transport.proxy_url']
  ]
  return fields.filter(([on]) => on).map(([, field]) => field)
}

function versionFields (prefix: string, version: unknown): string[] {
  const info = fieldsOf(version)
  const fields: string[] = []
  const when = (on: boolean, field: string): void => { if (on) fields.push(`${prefix}.${field}`) }
  when(nonEmpty(info.override_target), 'override_target')
  const headersOn = info.global_headers_disabled !== true
  when(headersOn && nonEmpty(info.global_headers), 'global_headers')
  when(headersOn && nonEmpty(info.global_headers_remove), 'global_headers_remove')
  const responseHeadersOn = info.global_response_headers_disabled !== true
  when(responseHeadersOn && nonEmpty(info.global_response_headers), 'global_response_headers')
  when(responseHeadersOn && nonEmpty(info.global_response_headers_remove), 'global_response_headers_remove')
  when(info.global_size_limit_disabled !== true && typeof info.global_size_limit === 'number' && info.global_size_limit > 0, 'global_size_limit')
  when(info.global_enforce_timeout_disabled !== true && nonEmpty(info.global_enforce_timeout) && info.global_enforce_timeout !== '0s', 'global_enforce_timeout')
  // Tyk reads extended_paths only with use_extended_paths (api_definition.go); legacy paths are lists we serve
  if (info.use_extended_paths === true) {
    for (const [list, entries] of Object.entries(fieldsOf(info.extended_paths))) {
      when(!IMPLEMENTED_PATH_LISTS.has(list) && hasLiveEntry(entries), `extended_paths.${list}`)
    }
  }
  return fields
}
