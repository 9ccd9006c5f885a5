import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Type } from '@sinclair/typebox'
import { completeFields } from '../../src/core/schema-fields.js'
import { parseApiDefinition } from '../../src/core/parse-api-definition.js'
import type { ApiDefinition } from '../../src/model/api-definition.js'
import { SessionSchema } from '../../src/model/session.js'

function parsed (value: unknown): ApiDefinition {
  const result = parseApiDefinition(value)
  if (!result.ok) throw new Error(result.problem)
  return result.api
}

const BARE = { api_id: 'bare', use_keyless: true, proxy: { listen_path: '/bare/', target_url: 'http://127.0.0.1:1' } }

// issue 15 point 1: Go's zero value of an absent nested struct has all its fields
test('an absent nested object gets its default with every field of it filled', () => {
  const api = parsed(BARE)
  assert.equal(api.auth.auth_header_name, 'Authorization')
  assert.equal(api.auth.use_param, false)
  assert.deepEqual(api.definition, { enabled: false, name: '', default: '', location: 'header', key: 'x-api-version', strip_path: false, strip_versioning_data: false, url_versioning_pattern: '', fallback_to_default: false, versions: {} })
  assert.deepEqual(api.version_data, { not_versioned: true, default_version: '', versions: {} })
  assert.deepEqual(api.global_rate_limit, { disabled: false, rate: 0, per: 0 })
  assert.equal(api.CORS.enable, false)
  assert.deepEqual(api.CORS.allowed_origins, [])
  assert.equal(api.cache_options.enable_cache, false)
  assert.equal(api.custom_middleware.auth_check.name, '')
  assert.equal(api.proxy.transport.proxy_url, '')
})

test('a present but partial nested object is completed, its unknown fields kept', () => {
  const api = parsed({ ...BARE, auth: { use_param: true, x_own: 1 }, CORS: { enable: true, allowed_origins: ['*'] } })
  assert.equal(api.auth.auth_header_name, 'Authorization')
  assert.equal(api.auth.use_param, true)
  assert.equal((api.auth as Record<string, unknown>).x_own, 1)
  assert.equal(api.CORS.enable, true)
  assert.deepEqual(api.CORS.allowed_methods, [])
})

test('two values never share a completed default', () => {
  const one = parsed(BARE)
  const two = parsed(BARE)
  one.auth.auth_header_name = 'changed'
  one.CORS.allowed_origins.push('x')
  assert.equal(two.auth.auth_header_name, 'Authorization')
  assert.deepEqual(two.CORS.allowed_origins, [])
  assert.equal(parsed(BARE).auth.auth_header_name, 'Authorization')
})

test('defaults nest to any depth; a record default stays empty', () => {
  const schema = Type.Object({
    outer: Type.Optional(Type.Object({
      inner: Type.Optional(Type.Object({ leaf: Type.Optional(Type.String({ default: 'x' })) }, { default: {} })),
      map: Type.Optional(Type.Record(Type.String(), Type.String(), { default: {} }))
    }, { default: {} }))
  })
  assert.deepEqual(completeFields(schema, {}), { outer: { inner: { leaf: 'x' }, map: {} } })
})

test('sessions complete as before (the key-creation path)', () => {
  const session = completeFields(SessionSchema, {}) as Record<string, unknown>
  assert.deepEqual(session.basic_auth_data, { password: '', hash_type: '' })
  assert.deepEqual(session.access_rights, {})
  assert.equal(session.smoothing, null)
})
