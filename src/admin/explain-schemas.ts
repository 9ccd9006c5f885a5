import { Type } from '@sinclair/typebox'
import { SessionSchema } from '../model/session.js'

/** OpenAPI shapes of the Gatehouse-only explain and preview answers (documentation only: sent as bytes). */

const Via = Type.Union([Type.Literal('apply_policies'), Type.Literal('org_default_policies')])

const sourceFields = {
  source: Type.Union([Type.Literal('key'), Type.Literal('policy'), Type.Literal('policies'), Type.Literal('none')], { description: 'who set the value: the key, one policy, several policies together, or nobody' }),
  policy_id: Type.Optional(Type.String()),
  via: Type.Optional(Via),
  rule: Type.String({ description: 'the merge rule that picked the value' })
}

const ApiExplanationSchema = Type.Object({
  api_id: Type.String(),
  api_name: Type.String(),
  loaded: Type.Boolean(),
  accepted: Type.Boolean({ description: 'whether the gateway lets the key in on this API (before versions, URLs and limits)' }),
  refused_because: Type.Optional(Type.String()),
  access: Type.Object({ ...sourceFields, granted_by: Type.Array(Type.Object({ policy_id: Type.String(), via: Via, org_wide: Type.Boolean() })) }),
  versions: Type.Array(Type.String()),
  allowed_urls: Type.Array(Type.Object({ url: Type.String(), methods: Type.Array(Type.String()) })),
  rate_limit: Type.Object({ rate: Type.Number(), per: Type.Number(), enforced: Type.Boolean(), why_not_enforced: Type.Optional(Type.String()), ...sourceFields }),
  quota: Type.Object({
    quota_max: Type.Number(),
    quota_renewal_rate: Type.Number(),
    quota_remaining: Type.Number({ description: 'live, from the counter the gateway counts on; -1 when not enforced' }),
    enforced: Type.Boolean(),
    why_not_enforced: Type.Optional(Type.String()),
    counter: Type.Object({ scope: Type.String(), shared_by: Type.String() }),
    ...sourceFields
  }),
  throttle: Type.Object({ throttle_interval: Type.Number(), throttle_retry_limit: Type.Number(), ...sourceFields }),
  api_global_rate_limit: Type.Optional(Type.Object({ rate: Type.Number(), per: Type.Number() }))
})

export const KeyExplainSchema = Type.Object({
  key_id: Type.String({ description: 'storage id: the key hash when keys are stored hashed' }),
  key_hash_function: Type.Union([Type.Literal('murmur32'), Type.Literal('murmur64'), Type.Literal('murmur128'), Type.Literal('sha256'), Type.Literal('none')], {
    description: "the hash the key is stored under: the one its token names (legacy tokens: murmur32, whose 32 bits collide about once in 4,300 keys at 1M), 'none' with hash_keys off"
  }),
  org_id: Type.String(),
  session: SessionSchema,
  policies: Type.Array(Type.Object({
    id: Type.String(),
    via: Via,
    found: Type.Boolean(),
    is_inactive: Type.Optional(Type.Boolean()),
    org_wide: Type.Optional(Type.Boolean()),
    per_api: Type.Optional(Type.Boolean()),
    partitions: Type.Optional(Type.Object({}, { additionalProperties: true })),
    apis: Type.Optional(Type.Array(Type.String()))
  })),
  merge_error: Type.Optional(Type.String()),
  is_inactive: Type.Object({ value: Type.Boolean(), ...sourceFields }),
  expires: Type.Object({ value: Type.Number(), expired: Type.Boolean(), ...sourceFields }),
  master_key: Type.Boolean(),
  apis: Type.Array(ApiExplanationSchema),
  org: Type.Object({
    org_id: Type.String(),
    has_session: Type.Boolean(),
    enforced: Type.Boolean(),
    rule: Type.String(),
    is_inactive: Type.Optional(Type.Boolean()),
    rate: Type.Optional(Type.Number()),
    per: Type.Optional(Type.Number()),
    quota_max: Type.Optional(Type.Number()),
    quota_remaining: Type.Optional(Type.Number()),
    default_policies: Type.Optional(Type.Array(Type.String()))
  })
}, { description: 'The effective session the gateway enforces, and where each limit and each API\'s access comes from' })

const Limits = Type.Object({
  rate: Type.Number(),
  per: Type.Number(),
  quota_max: Type.Number(),
  quota_renewal_rate: Type.Number(),
  throttle_interval: Type.Number(),
  throttle_retry_limit: Type.Number()
})

export const PolicyPreviewQuerySchema = Type.Object({
  sample: Type.Optional(Type.String({ description: 'changed keys shown in full, 1 to 100 (default 20)' })),
  lost_access_limit: Type.Optional(Type.String({ description: 'keys listed under lost_access, 1 to 10000 (default 1000)' }))
})

export const PolicyPreviewSchema = Type.Object({
  policy_id: Type.String(),
  keys_using: Type.Number({ description: 'keys that use the policy, in apply_policies or through their org\'s default_policies' }),
  keys_changed: Type.Number(),
  keys_losing_access: Type.Number(),
  keys_refused_after: Type.Number({ description: 'keys accepted now that the gateway would refuse after the edit' }),
  lost_access: Type.Array(Type.Object({ key: Type.String(), apis: Type.Array(Type.String()) })),
  lost_access_truncated: Type.Boolean(),
  sample: Type.Array(Type.Object({
    key: Type.String({ description: 'storage id: the key hash when keys are stored hashed' }),
    refused_before: Type.Optional(Type.String()),
    refused_after: Type.Optional(Type.String()),
    is_inactive: Type.Optional(Type.Object({ old: Type.Boolean(), new: Type.Boolean() })),
    lost_apis: Type.Array(Type.String()),
    gained_apis: Type.Array(Type.String()),
    access_changed: Type.Array(Type.String()),
    limits: Type.Array(Type.Object({ api_id: Type.String(), old: Limits, new: Limits }))
  }))
}, { description: 'What saving the candidate policy would change, worked out without saving it' })
