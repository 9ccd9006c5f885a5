import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startTestGatehouse, tempDir, type ConfigOverrides, type TestGatehouse } from '../helpers/gatehouse.js'
import { anApi, startEchoUpstream, writeJson } from '../helpers/upstream.js'

interface Source { source: string, policy_id?: string, via?: string, rule: string }
interface ApiExplanation {
  api_id: string
  accepted: boolean
  refused_because?: string
  access: Source & { granted_by: Array<{ policy_id: string, via: string, org_wide: boolean }> }
  versions: string[]
  rate_limit: Source & { rate: number, per: number, enforced: boolean, why_not_enforced?: string }
  quota: Source & { quota_max: number, quota_remaining: number, enforced: boolean, counter: { scope: string } }
  throttle: Source & { throttle_interval: number, throttle_retry_limit: number }
}
interface Explanation {
  key_id: string
  org_id: string
  session: { quota_max: number, access_rights: Record<string, unknown> }
  policies: Array<{ id: string, via: string, found: boolean }>
  merge_error?: string
  is_inactive: Source & { value: boolean }
  expires: Source & { value: number, expired: boolean }
  apis: ApiExplanation[]
  org: { has_session: boolean, enforced: boolean, quota_max?: number, quota_remaining?: number }
}

async function setup (t: { after: (fn: () => Promise<void>) => void }, overrides: ConfigOverrides = {}): Promise<TestGatehouse> {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'a.json', anApi({ api_id: 'a', org_id: 'acme', listen_path: '/a/', target: upstream.url }))
  writeJson(apps, 'b.json', anApi({ api_id: 'b', org_id: 'acme', listen_path: '/b/', target: upstream.url }))
  writeJson(apps, 'free.json', anApi({ api_id: 'free', org_id: 'acme', listen_path: '/free/', target: upstream.url, disable_rate_limit: true }))
  writeJson(apps, 'x.json', anApi({ api_id: 'x', org_id: 'other', listen_path: '/x/', target: upstream.url }))
  const gh = await startTestGatehouse({ app_path: apps, ...overrides })
  t.after(async () => { await gh.close(); await upstream.close() })
  return gh
}

const rights = (...apis: string[]): Record<string, unknown> => Object.fromEntries(apis.map((api) => [api, { api_id: api, versions: ['Default'] }]))

async function policy (gh: TestGatehouse, body: Record<string, unknown>): Promise<void> {
  const res = await gh.admin('POST', '/tyk/policies', { org_id: 'acme', ...body })
  assert.equal(res.status, 200, res.text)
}

async function newKey (gh: TestGatehouse, body: Record<string, unknown>): Promise<{ key: string, key_hash?: string }> {
  const res = await gh.admin('POST', '/tyk/keys/create', { org_id: 'acme', access_rights: {}, ...body })
  assert.equal(res.status, 200, res.text)
  return res.json as { key: string, key_hash?: string }
}

async function explain (gh: TestGatehouse, key: string, query = ''): Promise<Explanation> {
  const res = await gh.admin('GET', `/tyk/keys/${key}/explain${query}`)
  assert.equal(res.status, 200, res.text)
  return res.json as Explanation
}

function apiOf (explanation: Explanation, apiId: string): ApiExplanation {
  const api = explanation.apis.find((entry) => entry.api_id === apiId)
  assert.ok(api !== undefined, `no explanation for ${apiId}: ${JSON.stringify(explanation.apis.map((entry) => entry.api_id))}`)
  return api
}

/** Statuses of `count` calls in a row. */
async function statuses (gh: TestGatehouse, path: string, key: string, count: number): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < count; i++) {
    const res = await fetch(gh.url + path, { headers: { authorization: key } })
    await res.arrayBuffer()
    out.push(res.status)
  }
  return out
}

test('two policies: explain names the one whose rate wins, and traffic is limited at exactly that rate', async (t) => {
  const gh = await setup(t)
  await policy(gh, { id: 'slow', rate: 2, per: 60, quota_max: -1, access_rights: rights('a') })
  await policy(gh, { id: 'fast', rate: 3, per: 60, quota_max: -1, access_rights: rights('a') })
  const { key } = await newKey(gh, { apply_policies: ['slow', 'fast'] })

  const explained = await explain(gh, key)
  const a = apiOf(explained, 'a')
  assert.deepEqual({ rate: a.rate_limit.rate, per: a.rate_limit.per, enforced: a.rate_limit.enforced }, { rate: 3, per: 60, enforced: true })
  assert.equal(a.rate_limit.source, 'policy')
  assert.equal(a.rate_limit.policy_id, 'fast')
  assert.match(a.rate_limit.rule, /highest rate wins/)
  assert.equal(a.quota.enforced, false, 'quota -1 is unlimited')
  assert.deepEqual(a.access.granted_by.map((grant) => grant.policy_id), ['slow', 'fast'])
  assert.deepEqual(explained.policies.map((entry) => [entry.id, entry.via, entry.found]), [['slow', 'apply_policies', true], ['fast', 'apply_policies', true]])

  assert.deepEqual(await statuses(gh, '/a/', key, 4), [200, 200, 200, 429], 'the explained rate (3 per 60 s) is the enforced one')
})

test('quota: the greatest wins, remaining is the live counter, and the gateway blocks when it reaches 0', async (t) => {
  const gh = await setup(t)
  await policy(gh, { id: 'small', rate: 1000, per: 1, quota_max: 2, quota_renewal_rate: 3600, access_rights: rights('a', 'b') })
  await policy(gh, { id: 'big', rate: 1000, per: 1, quota_max: 4, quota_renewal_rate: 60, access_rights: rights('a') })
  const { key } = await newKey(gh, { apply_policies: ['small', 'big'] })

  let a = apiOf(await explain(gh, key), 'a')
  assert.deepEqual({ max: a.quota.quota_max, remaining: a.quota.quota_remaining, source: a.quota.policy_id }, { max: 4, remaining: 4, source: 'big' })
  assert.match(a.quota.rule, /greatest quota_max wins/)

  assert.deepEqual(await statuses(gh, '/a/', key, 2), [200, 200])
  a = apiOf(await explain(gh, key), 'a')
  assert.equal(a.quota.quota_remaining, 2, 'two requests counted on the counter explain reads')
  assert.deepEqual(await statuses(gh, '/a/', key, 3), [200, 200, 403])
  a = apiOf(await explain(gh, key), 'a')
  assert.equal(a.quota.quota_remaining, 0)
})

test('per_api policy: each API keeps its own limit and counter, as explained', async (t) => {
  const gh = await setup(t)
  await policy(gh, {
    id: 'per-api',
    partitions: { per_api: true },
    access_rights: {
      a: { api_id: 'a', versions: ['Default'], limit: { rate: 1000, per: 1, quota_max: 1, quota_renewal_rate: 3600 } },
      b: { api_id: 'b', versions: ['Default'], limit: { rate: 1000, per: 1, quota_max: 3, quota_renewal_rate: 3600 } }
    }
  })
  const { key } = await newKey(gh, { apply_policies: ['per-api'] })
  const explained = await explain(gh, key)
  const a = apiOf(explained, 'a')
  const b = apiOf(explained, 'b')
  assert.equal(a.quota.quota_max, 1)
  assert.equal(a.quota.counter.scope, 'a')
  assert.match(a.quota.rule, /access right's own limit/)
  assert.equal(b.quota.quota_max, 3)
  assert.equal(b.quota.counter.scope, 'b')
  assert.deepEqual(await statuses(gh, '/a/', key, 2), [200, 403], 'a: quota 1')
  assert.deepEqual(await statuses(gh, '/b/', key, 4), [200, 200, 200, 403], 'b: quota 3, its own counter')
})

test('a key without policies: its own values, per-API limit included; an API that disables rate limiting says so', async (t) => {
  const gh = await setup(t)
  const { key } = await newKey(gh, {
    rate: 2,
    per: 60,
    quota_max: -1,
    access_rights: { ...rights('a', 'free'), b: { api_id: 'b', versions: ['Default'], limit: { rate: 1, per: 60, quota_max: -1 } } }
  })
  const explained = await explain(gh, key)
  assert.deepEqual(explained.policies, [])
  const a = apiOf(explained, 'a')
  assert.equal(a.rate_limit.source, 'key')
  assert.match(a.rate_limit.rule, /key's own value/)
  const b = apiOf(explained, 'b')
  assert.deepEqual([b.rate_limit.rate, b.rate_limit.per], [1, 60])
  assert.match(b.rate_limit.rule, /own per-API limit/)
  const free = apiOf(explained, 'free')
  assert.equal(free.rate_limit.enforced, false)
  assert.match(free.rate_limit.why_not_enforced ?? '', /disable_rate_limit/)
  assert.equal(explained.is_inactive.source, 'key')

  assert.deepEqual(await statuses(gh, '/b/', key, 2), [200, 429])
  assert.deepEqual(await statuses(gh, '/a/', key, 3), [200, 200, 429])
  assert.deepEqual(await statuses(gh, '/free/', key, 4), [200, 200, 200, 200])
})

test('partitions: access from one policy, rate from another, quota from the key level', async (t) => {
  const gh = await setup(t)
  await policy(gh, { id: 'acl', partitions: { acl: true }, access_rights: rights('a') })
  await policy(gh, { id: 'rate', partitions: { rate_limit: true }, rate: 2, per: 60, access_rights: rights('a') })
  await policy(gh, { id: 'quota', partitions: { quota: true }, quota_max: 7, quota_renewal_rate: 60, access_rights: {} })
  const { key } = await newKey(gh, { apply_policies: ['acl', 'rate', 'quota'] })
  const a = apiOf(await explain(gh, key), 'a')
  assert.equal(a.access.policy_id, 'acl')
  assert.deepEqual(a.access.granted_by.map((grant) => grant.policy_id), ['acl'])
  assert.equal(a.rate_limit.policy_id, 'rate')
  assert.equal(a.rate_limit.rule.includes('only policy'), true)
  assert.equal(a.quota.quota_max, 7)
  assert.equal(a.quota.policy_id, 'quota')
  assert.match(a.quota.rule, /without access rights/)
  assert.deepEqual(await statuses(gh, '/a/', key, 3), [200, 200, 429])
})

test('org defaults and org-wide grants are named as such; org limits are shown live', async (t) => {
  const gh = await setup(t, { enforce_org_quotas: true })
  await policy(gh, { id: 'acme-all', org_wide: true, rate: 100, per: 1, quota_max: -1, access_rights: {} })
  assert.equal((await gh.admin('POST', '/tyk/org/keys/acme', { org_id: 'acme', quota_max: 10, quota_renewal_rate: 3600, default_policies: ['acme-all'] })).status, 200)
  const { key } = await newKey(gh, {})
  assert.deepEqual(await statuses(gh, '/b/', key, 1), [200])
  const explained = await explain(gh, key)
  assert.deepEqual(explained.policies.map((entry) => [entry.id, entry.via]), [['acme-all', 'org_default_policies']])
  assert.deepEqual(explained.apis.map((api) => api.api_id).sort(), ['a', 'b', 'free'], 'every API of acme, none of other')
  const b = apiOf(explained, 'b')
  assert.deepEqual(b.access.granted_by, [{ policy_id: 'acme-all', via: 'org_default_policies', org_wide: true }])
  assert.match(b.access.rule, /org_wide/)
  assert.equal(b.rate_limit.via, 'org_default_policies')
  assert.equal(explained.org.enforced, true)
  assert.equal(explained.org.quota_max, 10)
  assert.equal(explained.org.quota_remaining, 9, 'one request counted on the org quota')
})

test('an inactive policy, a missing only policy and an API of another org: explain says why the gateway refuses', async (t) => {
  const gh = await setup(t)
  await policy(gh, { id: 'off', is_inactive: true, rate: 10, per: 1, access_rights: rights('a') })
  await policy(gh, { id: 'on', rate: 10, per: 1, access_rights: rights('a') })
  const inactive = (await newKey(gh, { apply_policies: ['on', 'off'] })).key
  let explained = await explain(gh, inactive)
  assert.equal(explained.is_inactive.value, true)
  assert.equal(explained.is_inactive.policy_id, 'off')
  assert.equal(apiOf(explained, 'a').accepted, false)
  assert.deepEqual(await statuses(gh, '/a/', inactive, 1), [403])

  const { key } = await newKey(gh, { apply_policies: ['on'] })
  await gh.admin('DELETE', '/tyk/policies/on')
  explained = await explain(gh, key)
  assert.match(explained.merge_error ?? '', /policy not found/)
  assert.deepEqual(explained.policies, [{ id: 'on', via: 'apply_policies', found: false }])
  assert.deepEqual(await statuses(gh, '/a/', key, 1), [403])

  // a policy of acme that later names an API of another org: the gateway refuses the key there only
  await policy(gh, { id: 'cross', rate: 10, per: 1, access_rights: rights('a') })
  const crossing = (await newKey(gh, { apply_policies: ['cross'] })).key
  await gh.admin('PUT', '/tyk/policies/cross', { id: 'cross', org_id: 'acme', rate: 10, per: 1, access_rights: rights('a', 'x') })
  explained = await explain(gh, crossing)
  assert.equal(apiOf(explained, 'a').accepted, true)
  const x = apiOf(explained, 'x')
  assert.equal(x.accepted, false)
  assert.match(x.refused_because ?? '', /different organisation/)
  assert.deepEqual(await statuses(gh, '/x/', crossing, 1), [403])
  assert.deepEqual(await statuses(gh, '/a/', crossing, 1), [200])
})

test('explain by hash with hashing on; bad input gets Tyk-style errors', async (t) => {
  const gh = await setup(t, { hash_keys: true })
  await policy(gh, { id: 'p', rate: 5, per: 1, quota_max: -1, access_rights: rights('a') })
  const created = await newKey(gh, { apply_policies: ['p'] })
  assert.ok(created.key_hash !== undefined)
  const byHash = await explain(gh, created.key_hash, '?hashed=true')
  assert.equal(byHash.key_id, created.key_hash, 'the storage id is the hash: the raw key is not in the answer')
  assert.equal(JSON.stringify(byHash).includes(created.key), false)
  const byKey = await explain(gh, created.key)
  assert.deepEqual(byKey.apis, byHash.apis)

  const missing = await gh.admin('GET', '/tyk/keys/nosuchkey123/explain')
  assert.equal(missing.status, 404)
  assert.deepEqual((missing.json as { status: string }).status, 'error')
  const control = await gh.admin('GET', '/tyk/keys/bad%01key/explain')
  assert.equal(control.status, 400)
  const unauthorised = await gh.admin('GET', `/tyk/keys/${created.key}/explain`, undefined, { secret: 'wrong' })
  assert.equal(unauthorised.status, 403)
  const wrongMethod = await gh.admin('POST', `/tyk/keys/${created.key}/explain`, {})
  assert.equal(wrongMethod.status, 405)
})

test('hashed=true without hashing on is refused', async (t) => {
  const gh = await setup(t, { hash_keys: false })
  const { key } = await newKey(gh, { access_rights: rights('a') })
  const res = await gh.admin('GET', `/tyk/keys/${key}/explain?hashed=true`)
  assert.equal(res.status, 400, res.text)
  assert.equal((res.json as { status: string }).status, 'error')
})
