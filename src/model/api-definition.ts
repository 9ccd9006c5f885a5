import { Type, type Static } from '@sinclair/typebox'

/**
 * Tyk's classic API definition (apidef/api_definitions.go): the fields Gatehouse acts on, with
 * Tyk's zero values. Everything else a real definition carries is kept as it is.
 */
const open = { additionalProperties: true } as const
const str = (value = '') => Type.String({ default: value })
const bool = (value = false) => Type.Boolean({ default: value })
const int = () => Type.Integer({ default: 0 })
const strings = () => Type.Array(Type.String(), { default: [] })

export const AuthConfigSchema = Type.Object({
  auth_header_name: Type.Optional(str('Authorization')),
  use_param: Type.Optional(bool()),
  param_name: Type.Optional(str()),
  use_cookie: Type.Optional(bool()),
  cookie_name: Type.Optional(str()),
  disable_header: Type.Optional(bool()),
  name: Type.Optional(str()),
  use_certificate: Type.Optional(bool()),
  validate_signature: Type.Optional(bool())
}, { ...open, default: {} })

/** One hook of custom_middleware (MiddlewareDefinition). */
const MiddlewareDefinitionSchema = Type.Object({
  name: Type.Optional(str()),
  path: Type.Optional(str()),
  require_session: Type.Optional(bool()),
  raw_body_only: Type.Optional(bool())
}, { ...open, default: {} })

/** Plugins (MiddlewareSection): Gatehouse runs none; see core/unsupported-features.ts. */
export const CustomMiddlewareSchema = Type.Object({
  pre: Type.Optional(Type.Array(MiddlewareDefinitionSchema, { default: [] })),
  post: Type.Optional(Type.Array(MiddlewareDefinitionSchema, { default: [] })),
  post_key_auth: Type.Optional(Type.Array(MiddlewareDefinitionSchema, { default: [] })),
  auth_check: Type.Optional(MiddlewareDefinitionSchema),
  response: Type.Optional(Type.Array(MiddlewareDefinitionSchema, { default: [] })),
  driver: Type.Optional(str())
}, { ...open, default: {} })

/** CORSConfig: kept and shown; Gatehouse does not answer CORS itself. */
export const CorsSchema = Type.Object({
  enable: Type.Optional(bool()),
  allowed_origins: Type.Optional(strings()),
  allowed_methods: Type.Optional(strings()),
  allowed_headers: Type.Optional(strings()),
  exposed_headers: Type.Optional(strings()),
  allow_credentials: Type.Optional(bool()),
  max_age: Type.Optional(int()),
  options_passthrough: Type.Optional(bool()),
  debug: Type.Optional(bool())
}, { ...open, default: {} })

/** CacheOptions: kept and shown; Gatehouse caches nothing. */
export const CacheOptionsSchema = Type.Object({
  cache_timeout: Type.Optional(int()),
  enable_cache: Type.Optional(bool()),
  cache_all_safe_requests: Type.Optional(bool()),
  cache_response_codes: Type.Optional(Type.Array(Type.Integer(), { default: [] })),
  enable_upstream_cache_control: Type.Optional(bool()),
  cache_control_ttl_header: Type.Optional(str()),
  cache_by_headers: Type.Optional(strings())
}, { ...open, default: {} })

export const VersionInfoSchema = Type.Object({
  name: Type.Optional(str()),
  // "YYYY-MM-DD HH:MM" (UTC), '' or '-1' for never
  expires: Type.Optional(str()),
  paths: Type.Optional(Type.Unknown()),
  use_extended_paths: Type.Optional(bool()),
  extended_paths: Type.Optional(Type.Unknown()),
  global_headers: Type.Optional(Type.Unknown()),
  override_target: Type.Optional(str()),
  ignore_endpoint_case: Type.Optional(bool())
}, open)

export const ApiDefinitionSchema = Type.Object({
  name: Type.Optional(str()),
  slug: Type.Optional(str()),
  api_id: Type.Optional(str()),
  org_id: Type.Optional(str()),
  active: Type.Optional(bool()),
  use_keyless: Type.Optional(bool()),
  use_basic_auth: Type.Optional(bool()),
  use_standard_auth: Type.Optional(bool()),
  enable_jwt: Type.Optional(bool()),
  use_oauth2: Type.Optional(bool()),
  enable_signature_checking: Type.Optional(bool()),
  use_mutual_tls_auth: Type.Optional(bool()),
  use_openid: Type.Optional(bool()),
  enable_coprocess_auth: Type.Optional(bool()),
  custom_plugin_auth_enabled: Type.Optional(bool()),
  use_go_plugin_auth: Type.Optional(bool()),
  base_identity_provided_by: Type.Optional(str()),
  internal: Type.Optional(bool()),
  auth: Type.Optional(AuthConfigSchema),
  auth_configs: Type.Optional(Type.Record(Type.String(), AuthConfigSchema, { default: {} })),
  strip_auth_data: Type.Optional(bool()),
  definition: Type.Optional(Type.Object({
    enabled: Type.Optional(bool()),
    name: Type.Optional(str()),
    default: Type.Optional(str()),
    location: Type.Optional(str('header')),
    key: Type.Optional(str('x-api-version')),
    strip_path: Type.Optional(bool()),
    strip_versioning_data: Type.Optional(bool()),
    // url versioning strips the version only when this (Go) regexp matches it; '' for always
    url_versioning_pattern: Type.Optional(str()),
    fallback_to_default: Type.Optional(bool()),
    versions: Type.Optional(Type.Record(Type.String(), Type.String(), { default: {} }))
  }, { ...open, default: {} })),
  version_data: Type.Optional(Type.Object({
    not_versioned: Type.Optional(bool(true)),
    default_version: Type.Optional(str()),
    versions: Type.Optional(Type.Record(Type.String(), VersionInfoSchema, { default: {} }))
  }, { ...open, default: {} })),
  proxy: Type.Object({
    listen_path: Type.String({ minLength: 1 }),
    target_url: Type.String({ minLength: 1 }),
    strip_listen_path: Type.Optional(bool()),
    preserve_host_header: Type.Optional(bool()),
    disable_strip_slash: Type.Optional(bool()),
    enable_load_balancing: Type.Optional(bool()),
    target_list: Type.Optional(Type.Array(Type.String(), { default: [] })),
    check_host_against_uptime_tests: Type.Optional(bool()),
    service_discovery: Type.Optional(Type.Object({ use_discovery_service: Type.Optional(bool()) }, { ...open, default: {} })),
    transport: Type.Optional(Type.Object({
      ssl_insecure_skip_verify: Type.Optional(bool()),
      ssl_ciphers: Type.Optional(strings()),
      ssl_min_version: Type.Optional(int()),
      ssl_max_version: Type.Optional(int()),
      ssl_force_common_name_check: Type.Optional(bool()),
      proxy_url: Type.Optional(str())
    }, { ...open, default: {} }))
  }, open),
  custom_middleware: Type.Optional(CustomMiddlewareSchema),
  cache_options: Type.Optional(CacheOptionsSchema),
  CORS: Type.Optional(CorsSchema),
  global_rate_limit: Type.Optional(Type.Object({ disabled: Type.Optional(bool()), rate: Type.Optional(Type.Number({ default: 0 })), per: Type.Optional(Type.Number({ default: 0 })) }, { ...open, default: {} })),
  disable_rate_limit: Type.Optional(bool()),
  disable_quota: Type.Optional(bool()),
  session_lifetime: Type.Optional(Type.Integer({ default: 0 })),
  session_lifetime_respects_key_expiration: Type.Optional(bool()),
  dont_set_quota_on_create: Type.Optional(bool()),
  enable_detailed_recording: Type.Optional(bool()),
  enable_batch_request_support: Type.Optional(bool()),
  enable_context_vars: Type.Optional(bool()),
  tag_headers: Type.Optional(strings()),
  do_not_track: Type.Optional(bool()),
  // IP allow and deny lists: single addresses or CIDR ranges (spec gateway 1.3.3)
  allowed_ips: Type.Optional(Type.Array(Type.String(), { default: [] })),
  blacklisted_ips: Type.Optional(Type.Array(Type.String(), { default: [] })),
  enable_ip_whitelisting: Type.Optional(bool()),
  enable_ip_blacklisting: Type.Optional(bool()),
  ip_access_control_disabled: Type.Optional(bool()),
  // seconds its analytics records are kept (their expireAt); 0 keeps them for good, as Tyk's 100 years
  expire_analytics_after: Type.Optional(Type.Integer({ default: 0 })),
  tags: Type.Optional(Type.Array(Type.String(), { default: [] })),
  domain: Type.Optional(str()),
  config_data: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { default: {} }))
}, { ...open, description: 'Tyk classic API definition' })

type Deep<T> = T extends ReadonlyArray<infer U> ? Array<Deep<U>> : T extends object ? { [K in keyof T]-?: Deep<T[K]> } : T

/** A definition with every field above present (defaults filled). */
export type ApiDefinition = Deep<Omit<Static<typeof ApiDefinitionSchema>, 'config_data' | 'version_data'>> & {
  config_data: Record<string, unknown>
  version_data: { not_versioned: boolean, default_version: string, versions: Record<string, Static<typeof VersionInfoSchema>> }
}
