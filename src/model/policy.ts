import { Type, type Static } from '@sinclair/typebox'
import { AccessDefinitionSchema, SmoothingSchema } from './session.js'

/**
 * Tyk's Policy object (user/policy.go), every field in Tyk's output order with its zero value
 * (spec management-api 3.2). Unknown fields are kept.
 */
const open = { additionalProperties: true } as const
const int = () => Type.Integer({ default: 0 })
const num = () => Type.Number({ default: 0 })
const str = () => Type.String({ default: '' })
const bool = () => Type.Boolean({ default: false })

export const PartitionsSchema = Type.Object({
  quota: Type.Optional(bool()),
  rate_limit: Type.Optional(bool()),
  complexity: Type.Optional(bool()),
  acl: Type.Optional(bool()),
  per_api: Type.Optional(bool())
}, { ...open, default: { quota: false, rate_limit: false, complexity: false, acl: false, per_api: false } })

export const PolicySchema = Type.Object({
  _id: Type.Optional(str()),
  id: Type.Optional(str()),
  name: Type.Optional(str()),
  org_id: Type.Optional(str()),
  rate: Type.Optional(num()),
  per: Type.Optional(num()),
  quota_max: Type.Optional(int()),
  quota_renewal_rate: Type.Optional(int()),
  throttle_interval: Type.Optional(num()),
  throttle_retry_limit: Type.Optional(int()),
  max_query_depth: Type.Optional(int()),
  access_rights: Type.Optional(Type.Union([Type.Null(), Type.Record(Type.String(), AccessDefinitionSchema)], { default: null })),
  hmac_enabled: Type.Optional(bool()),
  enable_http_signature_validation: Type.Optional(bool()),
  active: Type.Optional(bool()),
  is_inactive: Type.Optional(bool()),
  tags: Type.Optional(Type.Union([Type.Null(), Type.Array(Type.String())], { default: null })),
  key_expires_in: Type.Optional(int()),
  post_expiry_action: Type.Optional(str()),
  post_expiry_grace_period: Type.Optional(int()),
  partitions: Type.Optional(PartitionsSchema),
  last_updated: Type.Optional(str()),
  meta_data: Type.Optional(Type.Union([Type.Null(), Type.Record(Type.String(), Type.Unknown())], { default: null })),
  graphql_access_rights: Type.Optional(Type.Unknown({ default: null })),
  smoothing: Type.Optional(SmoothingSchema),
  org_wide: Type.Optional(Type.Boolean({ default: false, description: 'Gatehouse only: grant this policy\'s limits on every API of its org, APIs added later included; access_rights entries still set per-API versions, URLs and limits' }))
}, { ...open, description: 'Tyk policy: a template of limits and access rights that keys inherit' })

export type PolicyInput = Static<typeof PolicySchema>
type Partitions = Required<Static<typeof PartitionsSchema>>

/** A policy with every field filled. */
export type Policy = Required<Omit<PolicyInput, 'partitions'>> & { partitions: Partitions }

/** Characters Tyk allows in a policy id written through the API (spec 3.1). */
export const POLICY_ID_PATTERN = /^[a-zA-Z0-9._~-]*$/
