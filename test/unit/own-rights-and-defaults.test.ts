import { test } from 'node:test'
import assert from 'node:assert/strict'
import { keepsOwnRights, mergeOwnRightsAndDefaults } from '../../src/core/own-rights-and-defaults.js'
import { aPolicy, aSession, lookupOf } from '../helpers/builders.js'

const ORG = 'acme'
const entry = (apiId: string, fields: Record<string, unknown> = {}): Record<string, unknown> => ({ api_id: apiId, versions: ['Default'], ...fields })
const lookup = lookupOf([
  aPolicy({ id: 'basic', org_id: ORG, rate: 100, per: 1, quota_max: 50, quota_renewal_rate: 3600, tags: ['from-basic'], meta_data: { tier: 'basic' }, access_rights: { a: entry('a'), b: entry('b', { versions: ['v2'] }) } }),
  aPolicy({ id: 'open', org_id: ORG, access_rights: { c: entry('c') } }),
  aPolicy({ id: 'frozen', org_id: ORG, is_inactive: true, rate: 1, per: 1, access_rights: { d: entry('d') } })
])
const key = (fields: Record<string, unknown> = {}) => aSession({ org_id: ORG, rate: 5, per: 60, quota_max: 7, quota_renewal_rate: 60, tags: ['own'], access_rights: { a: entry('a'), x: entry('x', { limit: { rate: 1, per: 1, quota_max: 9 } }) }, ...fields })

test('the defaults\' APIs are added beside the key\'s own; an API both grant keeps the key\'s own entry', () => {
  const own = key()
  const merged = mergeOwnRightsAndDefaults(own, ['basic'], lookup)
  assert.deepEqual(Object.keys(merged.access_rights).sort(), ['a', 'b', 'x'])
  assert.deepEqual(merged.access_rights.a, own.access_rights.a, 'own entry as written: key-level limits, key-level counter')
  assert.equal(merged.access_rights.a?.limit, undefined)
  assert.equal(merged.access_rights.x?.allowance_scope, 'x', 'an own per-API limit keeps its own counter')
  assert.deepEqual(merged.access_rights.b?.versions, ['v2'])
  assert.equal(merged.access_rights.b?.limit?.quota_max, 50)
  assert.equal(merged.access_rights.b?.allowance_scope, 'basic', 'a default\'s API counts on the policy\'s counter, never the key\'s')
  assert.deepEqual([merged.rate, merged.per, merged.quota_max, merged.quota_renewal_rate], [5, 60, 7, 60], 'key-level values stay the key\'s own')
  assert.deepEqual(merged.apply_policies, [])
  assert.deepEqual([...merged.tags].sort(), ['from-basic', 'own'])
  assert.equal(merged.meta_data.tier, 'basic')
})

test('a default with all-zero limits stays unlimited on its APIs rather than taking the key\'s limits', () => {
  const merged = mergeOwnRightsAndDefaults(key(), ['open'], lookup)
  const limit = merged.access_rights.c?.limit
  assert.equal(limit?.quota_max, -1)
  assert.equal(limit?.rate, 0)
  assert.equal(merged.access_rights.c?.allowance_scope, 'open')
})

test('inactive when the key or a default is; a default that cannot be merged adds nothing', () => {
  assert.equal(mergeOwnRightsAndDefaults(key({ is_inactive: true }), ['basic'], lookup).is_inactive, true)
  assert.equal(mergeOwnRightsAndDefaults(key(), ['frozen'], lookup).is_inactive, true)
  assert.equal(mergeOwnRightsAndDefaults(key(), ['basic'], lookup).is_inactive, false)
  const missing = mergeOwnRightsAndDefaults(key(), ['no-such-policy'], lookup)
  assert.deepEqual(Object.keys(missing.access_rights).sort(), ['a', 'x'])
  const otherOrgApi = mergeOwnRightsAndDefaults(key(), ['basic'], lookup, 'other')
  assert.deepEqual(Object.keys(otherOrgApi.access_rights).sort(), ['a', 'x'], 'calling another org\'s API: the key\'s own rights only')
})

test('only a key with rights of its own and no policy keeps its rights', () => {
  assert.equal(keepsOwnRights(key()), true)
  assert.equal(keepsOwnRights(key({ apply_policies: ['basic'] })), false)
  assert.equal(keepsOwnRights(key({ apply_policy_id: 'basic' })), false)
  assert.equal(keepsOwnRights(key({ access_rights: {} })), false)
})
