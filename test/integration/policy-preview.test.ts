import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/gatehouse.js'
import { anApi, startEchoUpstream, writeJson } from '../helpers/upstream.js'

interface Limits { rate: number, per: number, quota_max: number, quota_renewal_rate: number }
interface Change { key: string, refused_after?: string, is_inactive?: { old: boolean, new: boolean }, lost_apis: string[], gained_apis: string[], access_changed: string[], limits: Array<{ api_id: string, old: Limits, new: Limits }> }
interface Preview {
  policy_id: string
  keys_using: number
  keys_changed: number
  keys_losing_access: number
  keys_refused_after: number
  lost_access: Array<{ key: string, apis: string[] }>
  lost_access_truncated: boolean
  sample: Change[]
}

interface Setup { gh: TestGatehouse, keys: Record<'own' | 'both' | 'other' | 'byDefault', { key: string, hash: string }> }

const rights = (...apis: string[]): Record<string, unknown> => Object.fromEntries(apis.map((api) => [api, { api_id: api, versions: ['Default'] }]))

const P = { id: 'p', org_id: 'acme', rate: 100, per: 60, quota_max: 100, quota_renewal_rate: 3600, access_rights: rights('a', 'b') }
const Q = { id: 'q', org_id: 'acme', rate: 5, per: 60, quota_max: 50, quota_renewal_rate: 3600, access_rights: rights('a') }

/** Keys stored hashed: the preview names them by hash. */
async function setup (t: { after: (fn: () => Promise<void>) => void }): Promise<Setup> {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'a.json', anApi({ api_id: 'a', org_id: 'acme', listen_path: '/a/', target: upstream.url }))
  writeJson(apps, 'b.json', anApi({ api_id: 'b', org_id: 'acme', listen_path: '/b/', target: upstream.url }))
  writeJson(apps, 'c.json', anApi({ api_id: 'c', org_id: 'beta', listen_path: '/c/', target: upstream.url }))
  const gh = await startTestGatehouse({ app_path: apps, hash_keys: true })
  t.after(async () => { await gh.close(); await upstream.close() })
  for (const policy of [P, Q, { id: 'beta-p', org_id: 'beta', rate: 10, per: 1, access_rights: rights('c') }]) {
    assert.equal((await gh.admin('POST', '/tyk/policies', policy)).status, 200)
  }
  assert.equal((await gh.admin('POST', '/tyk/org/keys/beta', { org_id: 'beta', default_policies: ['p'] })).status, 200)
  const create = async (body: Record<string, unknown>): Promise<{ key: string, hash: string }> => {
    const res = await gh.admin('POST', '/tyk/keys/create', { access_rights: {}, ...body })
    assert.equal(res.status, 200, res.text)
    const created = res.json as { key: string, key_hash: string }
    return { key: created.key, hash: created.key_hash }
  }
  const keys = {
    own: await create({ org_id: 'acme', apply_policies: ['p'] }),
    both: await create({ org_id: 'acme', apply_policies: ['p', 'q'] }),
    other: await create({ org_id: 'acme', apply_policies: ['q'] }),
    // beta's defaults name p, but p is acme's: a beta key never sees it, before or after
    byDefault: await create({ org_id: 'beta', apply_policies: ['beta-p'] })
  }
  return { gh, keys }
}

async function preview (gh: TestGatehouse, id: string, body: unknown, query = ''): Promise<Preview> {
  const res = await gh.admin('POST', `/tyk/policies/${id}/preview${query}`, body)
  assert.equal(res.status, 200, res.text)
  return res.json as Preview
}

async function status (gh: TestGatehouse, path: string, key: string): Promise<number> {
  const res = await fetch(gh.url + path, { headers: { authorization: key } })
  await res.arrayBuffer()
  return res.status
}

test('preview names the keys that change, what they lose and their old -> new limits; nothing is saved until PUT, which then does exactly that', async (t) => {
  const { gh, keys } = await setup(t)
  const candidate = { ...P, rate: 200, quota_max: 3, access_rights: rights('a') }
  const answer = await preview(gh, 'p', candidate)
  assert.equal(answer.policy_id, 'p')
  assert.equal(answer.keys_using, 3, 'own and both name p; beta names it through its defaults; other does not use it')
  assert.equal(answer.keys_changed, 2)
  assert.equal(answer.keys_losing_access, 2)
  assert.equal(answer.keys_refused_after, 0)
  assert.deepEqual(answer.lost_access.map((entry) => entry.apis), [['b'], ['b']])
  assert.deepEqual(new Set(answer.lost_access.map((entry) => entry.key)), new Set([keys.own.hash, keys.both.hash]), 'hashes, never raw keys')
  assert.equal(JSON.stringify(answer).includes(keys.own.key), false)

  const own = answer.sample.find((change) => change.key === keys.own.hash)
  assert.ok(own !== undefined)
  assert.deepEqual(own.limits.map((entry) => [entry.api_id, entry.old.rate, entry.new.rate, entry.old.quota_max, entry.new.quota_max]), [['a', 100, 200, 100, 3]])
  const both = answer.sample.find((change) => change.key === keys.both.hash)
  assert.ok(both !== undefined)
  assert.deepEqual(both.limits.map((entry) => [entry.api_id, entry.old.rate, entry.new.rate, entry.old.quota_max, entry.new.quota_max]), [['a', 100, 200, 100, 50]], 'q\'s quota of 50 now beats p\'s 3')

  // nothing saved: the policy and the traffic are as before
  assert.deepEqual(Object.keys(((await gh.admin('GET', '/tyk/policies/p')).json as { access_rights: object }).access_rights).sort(), ['a', 'b'])
  assert.equal(await status(gh, '/b/', keys.own.key), 200)

  // saving it does what the preview said
  assert.equal((await gh.admin('PUT', '/tyk/policies/p', candidate)).status, 200)
  assert.equal(await status(gh, '/b/', keys.own.key), 403, 'own lost b')
  assert.equal(await status(gh, '/b/', keys.both.key), 403, 'both lost b')
  assert.equal(await status(gh, '/a/', keys.other.key), 200, 'other was not touched')
  const quota = []
  for (let i = 0; i < 4; i++) quota.push(await status(gh, '/a/', keys.own.key))
  assert.deepEqual(quota, [200, 200, 403, 403], 'quota 3: one spent on /b/ above, two left, as previewed')
})

test('an edit that makes keys unusable: inactive, moved to another org; an edit that changes nothing', async (t) => {
  const { gh, keys } = await setup(t)
  const inactive = await preview(gh, 'p', { ...P, is_inactive: true })
  assert.equal(inactive.keys_changed, 2)
  assert.deepEqual(inactive.sample.map((change) => change.is_inactive), [{ old: false, new: true }, { old: false, new: true }])

  const moved = await preview(gh, 'p', { ...P, org_id: 'beta' })
  assert.equal(moved.keys_using, 3)
  assert.equal(moved.keys_refused_after, 1, 'own had p only: the gateway would refuse it')
  const own = moved.sample.find((change) => change.key === keys.own.hash)
  assert.match(own?.refused_after ?? '', /policy not found/)
  assert.equal(moved.sample.find((change) => change.key === keys.byDefault.hash)?.gained_apis.join(), 'a,b', 'beta keys gain p through their org defaults')

  const same = await preview(gh, 'p', P)
  assert.deepEqual([same.keys_using, same.keys_changed, same.sample.length], [3, 0, 0])

  const versions = await preview(gh, 'p', { ...P, access_rights: { ...rights('b'), a: { api_id: 'a', versions: ['Default'], allowed_urls: [{ url: '^/a/x', methods: ['GET'] }] } } })
  assert.deepEqual(versions.sample.map((change) => change.access_changed), [['a'], ['a']])

  const unused = await preview(gh, 'brand-new', { org_id: 'acme', rate: 1, per: 1, access_rights: rights('a') })
  assert.deepEqual([unused.policy_id, unused.keys_using, unused.keys_changed], ['brand-new', 0, 0], 'a body without id takes the path id')
})

test('sample and lost_access_limit bound the answer, never the counts', async (t) => {
  const { gh } = await setup(t)
  const answer = await preview(gh, 'p', { ...P, access_rights: rights('a') }, '?sample=1&lost_access_limit=1')
  assert.equal(answer.keys_losing_access, 2)
  assert.equal(answer.lost_access.length, 1)
  assert.equal(answer.lost_access_truncated, true)
  assert.equal(answer.sample.length, 1)
})

test('preview refuses bad input in Tyk\'s error format', async (t) => {
  const { gh } = await setup(t)
  const cases: Array<[string, string, number]> = [
    ['/tyk/policies/p/preview', '{not json', 400],
    ['/tyk/policies/p/preview', JSON.stringify({ ...P, id: 'other' }), 400],
    ['/tyk/policies/p/preview', JSON.stringify({ ...P, rate: 'fast' }), 400],
    ['/tyk/policies/p/preview?sample=0', JSON.stringify(P), 400],
    ['/tyk/policies/p/preview?sample=abc', JSON.stringify(P), 400],
    ['/tyk/policies/p/preview?lost_access_limit=10001', JSON.stringify(P), 400],
    ['/tyk/policies/p/preview', '[]', 400]
  ]
  for (const [path, body, expected] of cases) {
    const res = await gh.admin('POST', path, undefined, { rawBody: body })
    assert.equal(res.status, expected, `${path} ${body}: ${res.text}`)
    assert.equal((res.json as { status: string }).status, 'error', res.text)
  }
  assert.equal((await gh.admin('POST', '/tyk/policies/p/preview', P, { secret: 'nope' })).status, 403)
  assert.equal((await gh.admin('GET', '/tyk/policies/p/preview')).status, 405)
  // nothing was written by any of it
  assert.deepEqual((await gh.admin('GET', '/tyk/policies/p')).json, (await gh.admin('GET', '/tyk/policies/p')).json)
  assert.equal(((await gh.admin('GET', '/tyk/policies/p')).json as { rate: number }).rate, 100)
})
