import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mergePolicies, PolicyMergeError } from '../../src/core/policy-merge.js'
import { aPolicy, aSession, lookupOf } from '../helpers/builders.js'

const ORG = 'default'

test('two policies on one API: versions and URLs unioned, the most generous limits win (spec 4.7)', () => {
  const lookup = lookupOf([
    aPolicy({ id: 'p1', org_id: ORG, rate: 10, per: 60, quota_max: 100, quota_renewal_rate: 3600, access_rights: { a: { versions: ['v1'], allowed_urls: [{ url: '/users', methods: ['GET'] }] } } }),
    aPolicy({ id: 'p2', org_id: ORG, rate: 5, per: 10, quota_max: -1, access_rights: { a: { versions: ['v2'], allowed_urls: [{ url: '/users', methods: ['POST'] }] } } })
  ])
  const merged = mergePolicies(aSession({ org_id: ORG, apply_policies: ['p1', 'p2'] }), lookup)
  const a = merged.access_rights.a
  assert.deepEqual(a?.versions, ['v1', 'v2'])
  assert.deepEqual(a?.allowed_urls, [{ url: '/users', methods: ['GET', 'POST'] }])
  assert.equal(a?.limit?.rate, 5)
  assert.equal(a?.limit?.per, 10)
  assert.equal(a?.limit?.quota_max, -1)
  assert.equal(a?.limit?.quota_renewal_rate, 3600)
  assert.equal(a?.allowance_scope, undefined, 'one API: no separate counter')
  assert.deepEqual([merged.rate, merged.per, merged.quota_max, merged.quota_renewal_rate], [5, 10, -1, 3600])
})

test('policies on different APIs keep one counter per policy (spec 4.7, case 36)', () => {
  const lookup = lookupOf([
    aPolicy({ id: 'policy1', org_id: ORG, rate: 1000, per: 1, quota_max: 50, quota_renewal_rate: 3600, access_rights: { api1: { versions: ['v1'] } } }),
    aPolicy({ id: 'policy2', org_id: ORG, rate: 100, per: 1, quota_max: 100, quota_renewal_rate: 3600, access_rights: { api2: { versions: ['v1'] }, api3: { versions: ['v1'] } } })
  ])
  const merged = mergePolicies(aSession({ org_id: ORG, apply_policies: ['policy1', 'policy2'] }), lookup)
  assert.equal(merged.access_rights.api1?.allowance_scope, 'policy1')
  assert.equal(merged.access_rights.api2?.allowance_scope, 'policy2')
  assert.equal(merged.access_rights.api3?.allowance_scope, 'policy2')
  assert.equal(merged.access_rights.api1?.limit?.quota_max, 50)
  assert.equal(merged.access_rights.api2?.limit?.quota_max, 100)
  assert.equal(merged.access_rights.api2?.limit?.rate, 100)
})

test('partitions: quota from one policy, rate from another (spec 4.7)', () => {
  const policies = [
    aPolicy({ id: 'quota1', org_id: ORG, quota_max: 2, partitions: { acl: true, quota: true }, access_rights: { a: {} } }),
    aPolicy({ id: 'rate3', org_id: ORG, rate: 4, per: 4, partitions: { acl: true, rate_limit: true } })
  ]
  for (const order of [['quota1', 'rate3'], ['rate3', 'quota1']]) {
    const merged = mergePolicies(aSession({ org_id: ORG, apply_policies: order }), lookupOf(policies))
    assert.deepEqual([merged.quota_max, merged.rate, merged.per], [2, 4, 4], order.join(','))
  }
})

test('an API granted only by a non-ACL partition is dropped (spec 4.7)', () => {
  const lookup = lookupOf([
    aPolicy({ id: 'acl1', org_id: ORG, partitions: { acl: true }, access_rights: { a: {} } }),
    aPolicy({ id: 'rate-for-a-b', org_id: ORG, rate: 4, per: 1, partitions: { rate_limit: true }, access_rights: { a: {}, b: {} } })
  ])
  const merged = mergePolicies(aSession({ org_id: ORG, apply_policies: ['acl1', 'rate-for-a-b'] }), lookup)
  assert.deepEqual(Object.keys(merged.access_rights), ['a'])
  assert.equal(merged.access_rights.a?.limit?.rate, 4)
})

test('per_api: an API with its own limit keeps it and its own counter (spec 4.7)', () => {
  const lookup = lookupOf([aPolicy({
    id: 'pa',
    org_id: ORG,
    rate: 300,
    per: 1,
    quota_max: -1,
    partitions: { per_api: true },
    access_rights: { d: { limit: { rate: 200, per: 10, quota_max: 5000, quota_renewal_rate: 3600 } }, e: {} }
  })])
  const merged = mergePolicies(aSession({ org_id: ORG, apply_policies: ['pa'] }), lookup)
  assert.equal(merged.access_rights.d?.allowance_scope, 'd')
  assert.deepEqual([merged.access_rights.d?.limit?.rate, merged.access_rights.d?.limit?.per, merged.access_rights.d?.limit?.quota_max], [200, 10, 5000])
  assert.equal(merged.access_rights.e?.allowance_scope, 'pa')
  assert.deepEqual([merged.access_rights.e?.limit?.rate, merged.access_rights.e?.limit?.quota_max], [300, -1])
})

test('a key\'s own limits never compete with its policy\'s', () => {
  const lookup = lookupOf([aPolicy({ id: 'p', org_id: ORG, rate: 1000, per: 1, access_rights: { a: {} } })])
  const merged = mergePolicies(aSession({ org_id: ORG, rate: 10000, per: 1, quota_max: 7, apply_policies: ['p'], access_rights: { other: {} } }), lookup)
  assert.equal(merged.rate, 1000)
  assert.equal(merged.quota_max, 0, 'the policy governs quota too: the key\'s own value is cleared')
  assert.deepEqual(Object.keys(merged.access_rights), ['a'], 'access rights are replaced by the policy\'s')
})

test('tags are unioned, meta_data overlaid, is_inactive comes from the policies', () => {
  const lookup = lookupOf([
    aPolicy({ id: 'p1', org_id: ORG, tags: ['p1-tag'], meta_data: { shared: 'p1', only1: 1 }, access_rights: { a: {} } }),
    aPolicy({ id: 'p2', org_id: ORG, tags: ['p2-tag', 'key-tag'], meta_data: { shared: 'p2' }, is_inactive: true, access_rights: { a: {} } })
  ])
  const merged = mergePolicies(aSession({ org_id: ORG, tags: ['key-tag'], meta_data: { mine: true, shared: 'key' }, apply_policies: ['p1', 'p2'] }), lookup)
  assert.deepEqual([...merged.tags].sort(), ['key-tag', 'p1-tag', 'p2-tag'])
  assert.deepEqual(merged.meta_data, { mine: true, shared: 'p2', only1: 1 })
  assert.equal(merged.is_inactive, true)
  const active = mergePolicies(aSession({ org_id: ORG, is_inactive: true, apply_policies: ['p1'] }), lookup)
  assert.equal(active.is_inactive, false, 'the key\'s own flag is ignored when it has policies')
})

test('failures: missing single policy, other org, per_api mixed with partitions, nothing granted', () => {
  const policies = [
    aPolicy({ id: 'ok', org_id: ORG, access_rights: { a: {} } }),
    aPolicy({ id: 'bad-mix', org_id: ORG, partitions: { per_api: true, quota: true }, access_rights: { a: {} } }),
    aPolicy({ id: 'empty', org_id: ORG, rate: 5, per: 1 }),
    aPolicy({ id: 'ok', org_id: 'other-org', access_rights: { b: {} } })
  ]
  const lookup = lookupOf(policies)
  const fails = (ids: string[], message: RegExp, apiOrg?: string): void => {
    assert.throws(() => mergePolicies(aSession({ org_id: ORG, apply_policies: ids }), lookup, apiOrg), (err: unknown) => err instanceof PolicyMergeError && message.test(err.message), ids.join(','))
  }
  fails(['missing'], /^policy not found: "missing"$/)
  fails(['ok'], /^attempting to apply policy from different organisation to key, skipping$/, 'some-api-org')
  fails(['bad-mix'], /^cannot apply policy bad-mix which has per_api and any of partitions set$/)
  fails(['empty'], /^key has no valid policies to be applied$/)
  // several ids: missing ones are skipped
  assert.deepEqual(Object.keys(mergePolicies(aSession({ org_id: ORG, apply_policies: ['missing', 'ok'] }), lookup).access_rights), ['a'])
  // the (org, id) scope: a key of other-org gets other-org's "ok"
  assert.deepEqual(Object.keys(mergePolicies(aSession({ org_id: 'other-org', apply_policies: ['ok'] }), lookup).access_rights), ['b'])
  // the legacy apply_policy_id
  assert.deepEqual(Object.keys(mergePolicies(aSession({ org_id: ORG, apply_policy_id: 'ok' }), lookup).access_rights), ['a'])
})

test('highest rate wins by requests per second, -1 beats all, ties keep the first', () => {
  const cases: Array<[[number, number], [number, number], [number, number]]> = [
    [[5, 10], [10, 60], [5, 10]], // 0.5/s beats 0.17/s
    [[10, 60], [5, 10], [5, 10]],
    [[10, 1], [-1, 1], [-1, 1]],
    [[10, 1], [-1, 0], [10, 1]], // rate -1 with per 0 is "no rate"
    [[10, 10], [1, 1], [10, 10]] // a tie keeps the earlier
  ]
  for (const [[r1, p1], [r2, p2], want] of cases) {
    const lookup = lookupOf([
      aPolicy({ id: 'x', org_id: ORG, rate: r1, per: p1, access_rights: { a: {} } }),
      aPolicy({ id: 'y', org_id: ORG, rate: r2, per: p2, access_rights: { a: {} } })
    ])
    const merged = mergePolicies(aSession({ org_id: ORG, apply_policies: ['x', 'y'] }), lookup)
    assert.deepEqual([merged.rate, merged.per], want, `${r1}/${p1} vs ${r2}/${p2}`)
  }
})

test('without policies the key stands as it is; own per-API limits get their own counter', () => {
  const key = aSession({ org_id: ORG, rate: 3, is_inactive: true, access_rights: { a: { limit: { rate: 1, per: 1 } }, b: {} } })
  const merged = mergePolicies(key, lookupOf([]))
  assert.equal(merged.rate, 3)
  assert.equal(merged.is_inactive, true)
  assert.equal(merged.access_rights.a?.allowance_scope, 'a')
  assert.equal(merged.access_rights.b?.allowance_scope, undefined)
  assert.notEqual(merged, key, 'a new value: the input is never changed')
  assert.equal(key.access_rights.a?.allowance_scope, undefined)
})
