import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { startTestGatehouse, tempDir, uid } from '../helpers/gatehouse.js'
import { anApi, startEchoUpstream, writeJson } from '../helpers/upstream.js'

// Issue 15: fields Tyk's encoder leaves out when empty (omitempty/omitzero in user/session.go,
// user/policy.go, apidef/api_definitions.go) are left out of our answers too; set, they show.
test('empty omitempty fields are left out of key, org, policy and API answers; set ones are printed', async (t) => {
  const upstream = await startEchoUpstream()
  const dir = tempDir()
  mkdirSync(join(dir, 'policies'))
  writeJson(join(dir, 'apps'), 'plain.json', anApi({ api_id: 'plain', listen_path: '/plain/', target: upstream.url, is_oas: false, expiration: '', version_data: { not_versioned: true, versions: { Default: { name: 'Default', extended_paths: { ignored: [], white_list: [{ path: '/a', method_actions: {} }] } } } } }))
  writeJson(join(dir, 'apps'), 'bound.json', anApi({ api_id: 'bound', listen_path: '/bound/', target: upstream.url, session_lifetime_respects_key_expiration: true }))
  const gh = await startTestGatehouse({ app_path: join(dir, 'apps'), policies: { policy_source: 'file', policy_record_name: '', policy_path: join(dir, 'policies'), allow_explicit_policy_id: true } }, { dataDir: join(dir, 'data') })
  t.after(async () => { await gh.close(); await upstream.close() })
  const json = async (path: string): Promise<Record<string, unknown>> => (await gh.admin('GET', path)).json as Record<string, unknown>

  const rights = { plain: { api_id: 'plain', versions: ['Default'], limit: { rate: 1, per: 1 }, endpoints: [] } }
  const { key } = (await gh.admin('POST', '/tyk/keys/create', { org_id: 'default', access_rights: rights })).json as { key: string }
  const session = await json(`/tyk/keys/${key}`)
  for (const field of ['post_expiry_action', 'post_expiry_grace_period', 'mtls_static_certificate_bindings']) assert.equal(field in session, false, `${field} left out`)
  assert.equal(session.rate, 0, 'fields Tyk <= 5.11 always printed stay (the full form)')
  assert.equal(session.smoothing, null)
  const right = (session.access_rights as Record<string, Record<string, unknown>>).plain ?? {}
  assert.equal('endpoints' in right, false)
  assert.deepEqual(right.limit, { rate: 1, per: 1, throttle_interval: 0, throttle_retry_limit: 0, max_query_depth: 0, quota_max: 0, quota_renews: 0, quota_remaining: 0, quota_renewal_rate: 0 }, 'a nil smoothing is left out of a per-API limit')

  const set = { org_id: 'default', access_rights: rights, post_expiry_action: 'retain', post_expiry_grace_period: -1, mtls_static_certificate_bindings: ['c1'] }
  const preview = (await gh.admin('POST', '/tyk/keys/preview', set)).json as Record<string, unknown>
  assert.deepEqual([preview.post_expiry_action, preview.post_expiry_grace_period, preview.mtls_static_certificate_bindings], ['retain', -1, ['c1']])
  assert.equal('post_expiry_action' in ((await gh.admin('POST', '/tyk/keys/preview', { org_id: 'default', access_rights: rights })).json as object), false)

  const org = `org-${uid()}`
  await gh.admin('POST', `/tyk/org/keys/${org}`, { org_id: org, rate: 1, per: 1 })
  assert.equal('post_expiry_action' in await json(`/tyk/org/keys/${org}`), false, 'org sessions are SessionState too')

  await gh.admin('POST', '/tyk/policies', { id: 'p-empty', org_id: 'default', access_rights: rights })
  await gh.admin('POST', '/tyk/policies', { id: 'p-set', org_id: 'default', access_rights: rights, post_expiry_action: 'delete' })
  const empty = await json('/tyk/policies/p-empty')
  assert.equal('post_expiry_action' in empty, false)
  assert.equal(empty.post_expiry_grace_period, 0, 'Tyk prints a policy\'s grace period even when 0')
  assert.equal((await json('/tyk/policies/p-set')).post_expiry_action, 'delete')
  const listed = (await gh.admin('GET', '/tyk/policies')).json as Array<Record<string, unknown>>
  assert.deepEqual(listed.map((policy) => [policy.id, 'post_expiry_action' in policy]).sort(), [['p-empty', false], ['p-set', true]])

  const plain = await json('/tyk/apis/plain')
  for (const field of ['session_lifetime_respects_key_expiration', 'is_oas', 'expiration']) assert.equal(field in plain, false, `${field} left out`)
  const versions = (plain.version_data as { versions: Record<string, { extended_paths: Record<string, unknown> }> }).versions
  assert.deepEqual(versions.Default?.extended_paths, { white_list: [{ path: '/a', method_actions: {} }] })
  assert.equal((await json('/tyk/apis/bound')).session_lifetime_respects_key_expiration, true)
  const apis = (await gh.admin('GET', '/tyk/apis')).json as Array<Record<string, unknown>>
  assert.deepEqual(apis.map((api) => [api.api_id, 'session_lifetime_respects_key_expiration' in api]).sort(), [['bound', true], ['plain', false]])
})
