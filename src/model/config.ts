import { Type, type Static } from '@sinclair/typebox'

/**
 * The tyk.conf fields Gatehouse reads, with Tyk's JSON names (config/config.go). Every field has a
 * default, so a missing file or field still gives a whole Config. Unknown fields are allowed and
 * ignored: a real tyk.conf has dozens that Gatehouse does not use.
 */
const open = { additionalProperties: true } as const
const str = (defaultValue = '') => Type.String({ default: defaultValue })
const bool = (defaultValue = false) => Type.Boolean({ default: defaultValue })
const port = (defaultValue: number) => Type.Integer({ minimum: 1, maximum: 65535, default: defaultValue })
const count = (defaultValue = 0) => Type.Integer({ minimum: 0, default: defaultValue })

/**
 * Marks a field Gatehouse reads and validates but does not act on yet: set to anything but its
 * default, it is named in the start-up warning with this reason (src/cli/unused-conf-fields.ts).
 */
export const NOT_ACTED_ON = 'notActedOn'
const redisOnly = { [NOT_ACTED_ON]: 'redis storage is not supported yet' }

export const PoliciesConfigSchema = Type.Object({
  // Tyk treats '' like 'file': anything but service and rpc reads files (gateway/server.go).
  policy_source: Type.Union([
    Type.Literal(''), Type.Literal('file'), Type.Literal('service'), Type.Literal('rpc')
  ], { default: 'file' }),
  policy_record_name: str(),
  policy_path: str(),
  // Tyk reads it for policies from the dashboard or MDCB only (gateway/policy.go), which are not
  // supported here.
  allow_explicit_policy_id: Type.Boolean({ default: true, [NOT_ACTED_ON]: 'policies come from files and the API only' })
}, { ...open, default: {} })

export const StorageConfigSchema = Type.Object({
  // 'embedded' is ours (SQLite under `path`); 'redis' keeps Tyk's fields below.
  type: Type.Union([Type.Literal('embedded'), Type.Literal('redis')], { default: 'embedded' }),
  path: str('./data'),
  host: Type.String({ default: 'localhost', ...redisOnly }),
  port: Type.Integer({ minimum: 1, maximum: 65535, default: 6379, ...redisOnly }),
  username: Type.String({ default: '', ...redisOnly }),
  password: Type.String({ default: '', ...redisOnly }),
  database: Type.Integer({ minimum: 0, default: 0, ...redisOnly }),
  addrs: Type.Array(Type.String(), { default: [], ...redisOnly }),
  master_name: Type.String({ default: '', ...redisOnly }),
  use_ssl: Type.Boolean({ default: false, ...redisOnly }),
  optimisation_max_idle: Type.Optional(Type.Integer({ minimum: 0, ...redisOnly })),
  optimisation_max_active: Type.Optional(Type.Integer({ minimum: 0, ...redisOnly })),
  enable_cluster: Type.Boolean({ default: false, ...redisOnly }),
  key_prefix: Type.String({ default: 'gatehouse:', ...redisOnly })
}, { ...open, default: {} })

export const HttpServerOptionsSchema = Type.Object({
  // which X-Forwarded-For entry is the client: 0 the first (left-most), d > 0 the d-th from the right
  xff_depth: count()
}, { ...open, default: {} })

export const ConfigSchema = Type.Object({
  listen_address: str(),
  listen_port: port(8080),
  secret: str(),
  app_path: str('./apps'),
  policies: PoliciesConfigSchema,
  // Gatehouse stores keys hashed unless told otherwise; Tyk's zero value is false.
  hash_keys: bool(true),
  // '' (Tyk's default) makes legacy org+id tokens, stored under their murmur32 hash
  // (internal/crypto/hash.go). Gatehouse also keeps a sha256 check of each token, so murmur32
  // collisions cannot make one key answer for another.
  hash_key_function: Type.Union([
    Type.Literal(''), Type.Literal('murmur32'), Type.Literal('murmur64'), Type.Literal('murmur128'), Type.Literal('sha256')
  ], { default: '' }),
  // With hash_keys on, Tyk lists keys on GET /tyk/keys only if this is true (gateway/api.go).
  enable_hashed_keys_listing: bool(true),
  allow_master_keys: bool(),
  enforce_org_quotas: bool(),
  // An org session's data_expires (seconds) sets how long its APIs' analytics are kept.
  enforce_org_data_age: bool(),
  // Gatehouse records analytics unless told not to (Tyk's zero value is false).
  enable_analytics: bool(true),
  min_token_length: count(),
  // Seconds to wait for an upstream's response head before Tyk's 504; 0 means Tyk's 30.
  proxy_default_timeout: Type.Number({ minimum: 0, default: 0 }),
  health_check_endpoint_name: str('hello'),
  readiness_check_endpoint_name: str('ready'),
  // 0 serves the management API on listen_port, as in Tyk; another port is not supported yet.
  control_api_port: Type.Integer({ minimum: 0, maximum: 65535, default: 0, [NOT_ACTED_ON]: 'the management API is served on listen_port' }),
  // Tyk's levels (gateway/server.go, initSystem), any case; '' is info. TYK_LOGLEVEL wins (load-config.ts).
  log_level: str(),
  // Seconds that requests in flight get to finish after SIGTERM or SIGINT; 0 means Tyk's 30.
  graceful_shutdown_timeout_duration: Type.Integer({ minimum: 0, default: 30 }),
  http_server_options: HttpServerOptionsSchema,
  storage: StorageConfigSchema,
  // Gatehouse's own: estimated bytes of merged sessions the data plane keeps in memory (32 MiB,
  // suits a 2 GiB machine; README "Memory and caches"), and how many unknown tokens it remembers
  // for 30 s so that repeating one does not reach the store (0: none).
  session_cache_bytes: count(32 * 1024 * 1024),
  unknown_token_cache_entries: count(100_000)
}, open)

type DeepReadonly<T> = T extends ReadonlyArray<infer U>
  ? ReadonlyArray<DeepReadonly<U>>
  : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T

/** The loaded configuration: validated once at start-up, then deeply frozen. */
export type Config = DeepReadonly<Static<typeof ConfigSchema>>
