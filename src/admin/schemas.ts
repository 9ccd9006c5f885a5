import { Type } from '@sinclair/typebox'

/** Response shapes of the management API, for the OpenAPI document. */
export const ErrorResponseSchema = Type.Object({
  status: Type.Literal('error'),
  message: Type.String({ description: 'Tyk\'s text, byte for byte' }),
  detail: Type.Optional(Type.String({ description: 'Gatehouse only: what exactly was wrong' }))
}, { description: 'Tyk error' })

export const ModifyResponseSchema = Type.Object({
  key: Type.String(),
  status: Type.Literal('ok'),
  action: Type.Union([Type.Literal('added'), Type.Literal('modified'), Type.Literal('deleted'), Type.Literal('updated')]),
  key_hash: Type.Optional(Type.String({ description: 'present when keys are stored hashed' }))
})

export const OkMessageSchema = Type.Object({ status: Type.Literal('ok'), message: Type.String() })

export const KeyListSchema = Type.Object({ keys: Type.Array(Type.String()) })

export const PolicyInstructionSchema = Type.Object({
  policy: Type.Optional(Type.String()),
  apply_policies: Type.Optional(Type.Array(Type.String()))
}, { additionalProperties: true })

export const KeyPoliciesSchema = Type.Object({
  key: Type.String(),
  apply_policies: Type.Array(Type.String()),
  apply_policy_id: Type.String()
})

const flag = (description: string) => Type.Optional(Type.String({ description }))

export const KeyQuerySchema = Type.Object({
  hashed: flag('any non-empty value: the path segment is a key hash'),
  suppress_reset: flag('exactly "1": keep quota counters and last_updated'),
  api_id: flag('GET: use this API\'s org for the lookup; DELETE: "-1" answers null'),
  org_id: flag('org used to turn a short key id into a token'),
  username: flag('reserved (basic-auth user names)')
}, { additionalProperties: true })

export const KeyListQuerySchema = Type.Object({
  filter: flag('org ID prefix (plain mode)'),
  api_id: flag('only keys with access to this API')
}, { additionalProperties: true })
