import { Type, type Static } from '@sinclair/typebox'

/**
 * Tyk's SessionState (user/session.go), field for field, in Tyk's JSON order: the order here is
 * the order responses use. Every field is optional on input (Tyk fills zero values); the
 * `default` of each is the zero value Tyk prints. Unknown fields are kept.
 */
const described = (description: string | undefined): { description?: string } =>
  description === undefined ? {} : { description }
const int = (description?: string) => Type.Integer({ default: 0, ...described(description) })
const num = (description?: string) => Type.Number({ default: 0, ...described(description) })
const str = (description?: string) => Type.String({ default: '', ...described(description) })
const bool = (description?: string) => Type.Boolean({ default: false, ...described(description) })
const open = { additionalProperties: true } as const

export const SmoothingSchema = Type.Union([Type.Null(), Type.Object({
  enabled: Type.Optional(Type.Boolean()),
  threshold: Type.Optional(Type.Integer()),
  trigger: Type.Optional(Type.Number()),
  step: Type.Optional(Type.Integer()),
  delay: Type.Optional(Type.Integer())
}, open)], { default: null })

export const ApiLimitSchema = Type.Object({
  rate: Type.Optional(num()),
  per: Type.Optional(num()),
  smoothing: Type.Optional(SmoothingSchema),
  throttle_interval: Type.Optional(num()),
  throttle_retry_limit: Type.Optional(int()),
  max_query_depth: Type.Optional(int()),
  quota_max: Type.Optional(int()),
  quota_renews: Type.Optional(int()),
  quota_remaining: Type.Optional(int()),
  quota_renewal_rate: Type.Optional(int())
}, { ...open, description: 'Per-API limits; all zero means "use the key-level values"' })

export const AllowedUrlSchema = Type.Object({
  url: Type.String({ description: 'regular expression matched against the request path' }),
  methods: Type.Optional(Type.Array(Type.String(), { default: [] }))
}, open)

const GraphqlTypeSchema = Type.Object({
  name: Type.Optional(Type.String()),
  fields: Type.Optional(Type.Array(Type.String()))
}, open)

export const AccessDefinitionSchema = Type.Object({
  api_name: Type.Optional(str()),
  api_id: Type.Optional(str()),
  versions: Type.Optional(Type.Array(Type.String(), { default: [] })),
  allowed_urls: Type.Optional(Type.Array(AllowedUrlSchema, { default: [] })),
  restricted_types: Type.Optional(Type.Array(GraphqlTypeSchema)),
  allowed_types: Type.Optional(Type.Array(GraphqlTypeSchema)),
  limit: Type.Optional(ApiLimitSchema),
  field_access_rights: Type.Optional(Type.Array(Type.Object({}, open))),
  disable_introspection: Type.Optional(Type.Boolean()),
  allowance_scope: Type.Optional(Type.String()),
  endpoints: Type.Optional(Type.Array(Type.Object({}, open)))
}, open)

export const BasicAuthDataSchema = Type.Object({
  password: Type.Optional(Type.String({ default: '' })),
  hash_type: Type.Optional(Type.String({ default: '' }))
}, { ...open, default: { password: '', hash_type: '' } })

export const SessionSchema = Type.Object({
  last_check: Type.Optional(int('legacy, unused')),
  allowance: Type.Optional(num('legacy; by convention equal to rate')),
  rate: Type.Optional(num('requests allowed per `per` seconds; <= 0 disables rate limiting')),
  per: Type.Optional(num('rate window in seconds')),
  throttle_interval: Type.Optional(num()),
  throttle_retry_limit: Type.Optional(int()),
  max_query_depth: Type.Optional(int()),
  date_created: Type.Optional(Type.String({ default: '0001-01-01T00:00:00Z', description: 'RFC 3339; set by the gateway' })),
  expires: Type.Optional(int('unix seconds; 0 or negative = never')),
  quota_max: Type.Optional(int('requests per quota window; -1 = unlimited')),
  quota_renews: Type.Optional(int('unix seconds when the current quota window ends')),
  quota_remaining: Type.Optional(int()),
  quota_renewal_rate: Type.Optional(int('quota window in seconds')),
  access_rights: Type.Optional(Type.Record(Type.String(), AccessDefinitionSchema, { default: {} })),
  org_id: Type.Optional(str()),
  oauth_client_id: Type.Optional(str()),
  oauth_keys: Type.Optional(Type.Record(Type.String(), Type.String(), { default: {} })),
  certificate: Type.Optional(str()),
  mtls_static_certificate_bindings: Type.Optional(Type.Array(Type.String(), { default: [] })),
  basic_auth_data: Type.Optional(BasicAuthDataSchema),
  jwt_data: Type.Optional(Type.Object({ secret: Type.Optional(Type.String()) }, { ...open, default: { secret: '' } })),
  hmac_enabled: Type.Optional(bool()),
  enable_http_signature_validation: Type.Optional(bool()),
  hmac_string: Type.Optional(str()),
  rsa_certificate_id: Type.Optional(str()),
  is_inactive: Type.Optional(bool()),
  apply_policy_id: Type.Optional(str('deprecated: use apply_policies')),
  apply_policies: Type.Optional(Type.Array(Type.String(), { default: [] })),
  data_expires: Type.Optional(int()),
  monitor: Type.Optional(Type.Object({ trigger_limits: Type.Optional(Type.Array(Type.Number())) }, { ...open, default: { trigger_limits: [] } })),
  enable_detail_recording: Type.Optional(bool('deprecated: use enable_detailed_recording')),
  enable_detailed_recording: Type.Optional(bool()),
  meta_data: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { default: {} })),
  tags: Type.Optional(Type.Array(Type.String(), { default: [] })),
  alias: Type.Optional(str()),
  last_updated: Type.Optional(Type.String({ default: '', description: 'unix seconds, as a string' })),
  id_extractor_deadline: Type.Optional(int()),
  session_lifetime: Type.Optional(int()),
  post_expiry_action: Type.Optional(str()),
  post_expiry_grace_period: Type.Optional(int()),
  smoothing: Type.Optional(SmoothingSchema),
  default_policies: Type.Optional(Type.Array(Type.String(), { description: 'Gatehouse only, organisation sessions: policies applied to every key of the org, after the key\'s own' }))
}, { ...open, description: 'Tyk SessionState: a key (or an organisation session)' })

export type SessionInput = Static<typeof SessionSchema>
export type AccessDefinition = Static<typeof AccessDefinitionSchema>
export type ApiLimit = Static<typeof ApiLimitSchema>
export type AllowedUrl = Static<typeof AllowedUrlSchema>

/** A session with every Tyk field filled: what we store and what we answer. */
export type Session = Required<Pick<SessionInput,
'rate' | 'per' | 'expires' | 'quota_max' | 'quota_renews' | 'quota_remaining' | 'quota_renewal_rate' |
'org_id' | 'is_inactive' | 'apply_policy_id' | 'apply_policies' | 'tags' | 'alias' | 'last_updated' |
'date_created' | 'hmac_enabled' | 'hmac_string' | 'meta_data' | 'basic_auth_data' | 'certificate' |
'throttle_interval' | 'throttle_retry_limit' | 'session_lifetime'
>> & { access_rights: Record<string, AccessDefinition> } & Omit<SessionInput, 'access_rights'>
