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

export const KeyListSchema = Type.Object({
  keys: Type.Array(Type.String()),
  next_cursor: Type.Optional(Type.String({ description: 'search only: pass as cursor for the next page; "" when there is no more' }))
})

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
  api_id: flag('keys that can call this API now, through their own rights, policies (org-wide ones too), org defaults, or as master keys when allowed; the listing answers them all (with filter: of that org prefix), search pages them'),
  org_id: flag('search: keys of this org'),
  policy_id: flag('search: keys that list this policy'),
  tag: flag('search: keys with this tag of their own'),
  alias: flag('search: keys with this alias'),
  inactive: flag('search: "true" or "false", policies included'),
  expires_before: flag('search: keys that expire before this time (unix seconds or RFC 3339)'),
  limit: flag('search: keys per page, 1 to 1000 (default 100)'),
  cursor: flag('search: next_cursor of the previous page')
}, { additionalProperties: true, description: 'Any search parameter turns on key search (Gatehouse only): pages in id order with next_cursor; hashes when keys are stored hashed. A page may hold fewer keys than limit: follow next_cursor until it is "".' })
