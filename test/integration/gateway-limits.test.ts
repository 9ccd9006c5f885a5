import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/gatehouse.js'
import { anApi, startEchoUpstream, writeJson, type EchoUpstream } from '../helpers/upstream.js'

interface Setup { gh: TestGatehouse, upstream: EchoUpstream, clock: { nowMs: number }, dir: string }

async function setup (t: { after: (fn: () => Promise<void>) => void }, dir = tempDir(), clock = { nowMs: Date.parse('2026-05-01T00:00:00Z') }): Promise<Setup> {
  const upstream = await startEchoUpstream()
  writeJson(join(dir, 'apps'), 'a.json', anApi({ api_id: 'a', listen_path: '/a/', target: upstream.url }))
  writeJson(join(dir, 'apps'), 'b.json', anApi({ api_id: 'b', listen_path: '/b/', target: upstream.url }))
  writeJson(join(dir, 'apps'), 'free.json', anApi({ api_id: 'free', listen_path: '/free/', target: upstream.url, disable_rate_limit: true, disable_quota: true }))
  const gh = await startTestGatehouse({ app_path: join(dir, 'apps') }, { dataDir: join(dir, 'data'), clock: () => clock.nowMs })
  t.after(async () => { await gh.close(); await upstream.close() })
  return { gh, upstream, clock, dir }
}

const rights = (...apis: string[]): Record<string, unknown> => Object.fromEntries(apis.map((api) => [api, { api_id: api, versions: ['Default'] }]))

async function newKey (gh: TestGatehouse, body: Record<string, unknown>): Promise<string> {
  const res = await gh.admin('POST', '/tyk/keys/create', { access_rights: rights('a', 'b', 'free'), ...body })
  assert.equal(res.status, 200, res.text)
  return (res.json as { key: string }).key
}

async function call (gh: TestGatehouse, path: string, key: string): Promise<{ status: number, body: string, limit: string | null, remaining: string | null, reset: string | null }> {
  const res = await fetch(gh.url + path, { headers: { authorization: key } })
  return { status: res.status, body: await res.text(), limit: res.headers.get('x-ratelimit-limit'), remaining: res.headers.get('x-ratelimit-remaining'), reset: res.headers.get('x-ratelimit-reset') }
}

test('rate 2 per 10: two pass, the third is 429 and never reaches the upstream; the window refills', async (t) => {
  const { gh, upstream, clock } = await setup(t)
  const key = await newKey(gh, { rate: 2, per: 10 })
  assert.equal((await call(gh, '/a/', key)).status, 200)
  assert.equal((await call(gh, '/a/', key)).status, 200)
  const blocked = await call(gh, '/a/', key)
  assert.equal(blocked.status, 429)
  assert.deepEqual(JSON.parse(blocked.body), { error: 'Rate Limit Exceeded' })
  assert.equal(blocked.limit, null, 'no X-RateLimit headers on errors (Tyk\'s default "quotas" mode)')
  assert.equal(upstream.hits(), 2)
  clock.nowMs += 10_001
  assert.equal((await call(gh, '/a/', key)).status, 200)
})

test('rate -1 and rate 0 are unlimited; an API with disable_rate_limit is not limited', async (t) => {
  const { gh } = await setup(t)
  for (const rate of [-1, 0]) {
    const key = await newKey(gh, { rate, per: 60 })
    for (let i = 0; i < 5; i++) assert.equal((await call(gh, '/a/', key)).status, 200, `rate ${rate}`)
  }
  const strict = await newKey(gh, { rate: 1, per: 60, quota_max: 1, quota_renewal_rate: 60 })
  for (let i = 0; i < 4; i++) assert.equal((await call(gh, '/free/', strict)).status, 200)
})

test('quota 2: 200 with Remaining 1, 200 with 0, then 403 Quota exceeded; renewal starts over', async (t) => {
  const { gh, clock } = await setup(t)
  const key = await newKey(gh, { quota_max: 2, quota_renewal_rate: 3600 })
  const startSeconds = Math.floor(clock.nowMs / 1000)
  const first = await call(gh, '/a/', key)
  assert.deepEqual([first.status, first.limit, first.remaining, first.reset], [200, '2', '1', String(startSeconds + 3600)])
  const second = await call(gh, '/a/', key)
  assert.deepEqual([second.status, second.remaining], [200, '0'])
  const third = await call(gh, '/a/', key)
  assert.equal(third.status, 403)
  assert.deepEqual(JSON.parse(third.body), { error: 'Quota exceeded' })
  const read = (await gh.admin('GET', `/tyk/keys/${key}`)).json as { quota_remaining: number, quota_renews: number }
  assert.deepEqual([read.quota_remaining, read.quota_renews], [0, startSeconds + 3600], 'GET shows the live counter')
  clock.nowMs += 3600_000
  const renewed = await call(gh, '/a/', key)
  assert.deepEqual([renewed.status, renewed.remaining], [200, '1'])
})

test('a rate-limited request consumes no quota', async (t) => {
  const { gh } = await setup(t)
  const key = await newKey(gh, { rate: 1, per: 60, quota_max: 10, quota_renewal_rate: 3600 })
  assert.equal((await call(gh, '/a/', key)).status, 200)
  for (let i = 0; i < 3; i++) assert.equal((await call(gh, '/a/', key)).status, 429)
  assert.equal(((await gh.admin('GET', `/tyk/keys/${key}`)).json as { quota_remaining: number }).quota_remaining, 9)
})

test('quota_max 0 and -1 are unlimited; a quota that never renews stays spent', async (t) => {
  const { gh } = await setup(t)
  for (const quotaMax of [0, -1]) {
    const key = await newKey(gh, { quota_max: quotaMax })
    for (let i = 0; i < 4; i++) {
      const res = await call(gh, '/a/', key)
      assert.deepEqual([res.status, res.limit, res.remaining], [200, String(quotaMax), '0'])
    }
  }
  const once = await newKey(gh, { quota_max: 1, quota_renewal_rate: 0 })
  assert.equal((await call(gh, '/a/', once)).status, 200)
  assert.equal((await call(gh, '/a/', once)).status, 403)
})

test('per-API limits count separately; APIs without their own limit share the key\'s', async (t) => {
  const { gh } = await setup(t)
  const res = await gh.admin('POST', '/tyk/keys/create', {
    quota_max: 3,
    quota_renewal_rate: 3600,
    access_rights: {
      a: { api_id: 'a', versions: ['Default'], limit: { quota_max: 1, quota_renewal_rate: 3600 } },
      b: { api_id: 'b', versions: ['Default'] }
    }
  })
  const key = (res.json as { key: string }).key
  assert.equal((await call(gh, '/a/', key)).status, 200)
  assert.equal((await call(gh, '/a/', key)).status, 403, 'api a has its own quota of 1')
  for (let i = 0; i < 3; i++) assert.equal((await call(gh, '/b/', key)).status, 200, 'api b uses the key quota of 3')
  assert.equal((await call(gh, '/b/', key)).status, 403)
  const read = (await gh.admin('GET', `/tyk/keys/${key}`)).json as { quota_remaining: number, access_rights: { a: { allowance_scope: string, limit: { quota_remaining: number } } } }
  assert.equal(read.access_rights.a.allowance_scope, 'a')
  assert.equal(read.access_rights.a.limit.quota_remaining, 0)
  assert.equal(read.quota_remaining, 0)
})

test('PUT resets the quota; PUT with suppress_reset=1 keeps it; DELETE takes the counters along', async (t) => {
  const { gh } = await setup(t)
  const body = { access_rights: rights('a'), quota_max: 5, quota_renewal_rate: 3600 }
  await gh.admin('POST', '/tyk/keys/quotaKey1', body)
  await call(gh, '/a/', 'quotaKey1')
  await call(gh, '/a/', 'quotaKey1')
  const remaining = async (): Promise<number> => ((await gh.admin('GET', '/tyk/keys/quotaKey1')).json as { quota_remaining: number }).quota_remaining
  assert.equal(await remaining(), 3)
  await gh.admin('PUT', '/tyk/keys/quotaKey1?suppress_reset=1', body)
  assert.equal(await remaining(), 3, 'suppress_reset=1 keeps the counter')
  await gh.admin('PUT', '/tyk/keys/quotaKey1', body)
  assert.equal((await call(gh, '/a/', 'quotaKey1')).remaining, '4', 'a plain PUT starts a fresh period')
  await gh.admin('DELETE', '/tyk/keys/quotaKey1')
  await gh.admin('POST', '/tyk/keys/quotaKey1', body)
  assert.equal((await call(gh, '/a/', 'quotaKey1')).remaining, '4', 'a deleted key\'s usage does not come back')
})

test('issue 15: a key update starts a fresh rate window, even within the same second; suppress_reset=1 keeps the window', async (t) => {
  const { gh, clock } = await setup(t)
  const id = 'rateKey' + String(clock.nowMs)
  const body = (rate: number): Record<string, unknown> => ({ access_rights: rights('a'), rate, per: 60 })
  assert.equal((await gh.admin('POST', `/tyk/keys/${id}`, body(1))).status, 200)
  assert.equal((await call(gh, '/a/', id)).status, 200)
  assert.equal((await call(gh, '/a/', id)).status, 429)
  // Tyk's bucket is named by last_updated, which suppress_reset keeps: the spent window (its
  // capacity fixed when it opened) carries on under the higher rate until it refills
  assert.equal((await gh.admin('PUT', `/tyk/keys/${id}?suppress_reset=1`, body(100))).status, 200)
  assert.equal((await call(gh, '/a/', id)).status, 429, 'suppress_reset=1 keeps the window')
  // the test clock has not moved: last_updated is the same second as at creation
  assert.equal((await gh.admin('PUT', `/tyk/keys/${id}`, body(100))).status, 200)
  assert.equal((await call(gh, '/a/', id)).status, 200, 'a plain PUT starts a fresh window at the new rate')
  assert.equal((await call(gh, '/a/', id)).status, 200)
  // and again back down, one second later: a new window at rate 1
  clock.nowMs += 1000
  assert.equal((await gh.admin('PUT', `/tyk/keys/${id}`, body(1))).status, 200)
  assert.equal((await call(gh, '/a/', id)).status, 200)
  assert.equal((await call(gh, '/a/', id)).status, 429)
  // POST over the existing key is an update too
  assert.equal((await gh.admin('POST', `/tyk/keys/${id}`, body(1))).status, 200)
  assert.equal((await call(gh, '/a/', id)).status, 200)
})

test('a policy\'s quota is shared by its APIs and follows a live policy edit', async (t) => {
  const { gh } = await setup(t)
  await gh.admin('POST', '/tyk/policies', { id: 'plan', org_id: 'default', rate: 100, per: 1, quota_max: 3, quota_renewal_rate: 3600, access_rights: rights('a', 'b') })
  const key = await newKey(gh, { org_id: 'default', apply_policies: ['plan'], access_rights: {} })
  assert.equal((await call(gh, '/a/', key)).remaining, '2')
  assert.equal((await call(gh, '/b/', key)).remaining, '1', 'one counter for both APIs of the policy')
  await gh.admin('PUT', '/tyk/policies/plan', { id: 'plan', org_id: 'default', rate: 100, per: 1, quota_max: 10, quota_renewal_rate: 3600, access_rights: rights('a', 'b') })
  const after = await call(gh, '/a/', key)
  assert.deepEqual([after.limit, after.remaining], ['10', '7'], 'the new quota applies at once; usage carries over')
})

test('throttling retries a rate-limited request instead of failing it', async (t) => {
  const { gh } = await startWithRealClock(t)
  const key = await newKey(gh, { rate: 1, per: 1, throttle_interval: 0.3, throttle_retry_limit: 6 })
  assert.equal((await call(gh, '/a/', key)).status, 200)
  const started = Date.now()
  assert.equal((await call(gh, '/a/', key)).status, 200, 'waited for the window instead of a 429')
  assert.ok(Date.now() - started >= 500, 'it did wait')
  const impatient = await newKey(gh, { rate: 1, per: 60, throttle_interval: 0.05, throttle_retry_limit: 2 })
  assert.equal((await call(gh, '/a/', impatient)).status, 200)
  assert.equal((await call(gh, '/a/', impatient)).status, 429, 'retries run out')
})

test('quota usage survives a restart', async (t) => {
  const dir = tempDir()
  const clock = { nowMs: Date.parse('2026-05-01T00:00:00Z') }
  const first = await setup(t, dir, clock)
  await first.gh.admin('POST', '/tyk/keys/persistKey', { access_rights: rights('a'), quota_max: 10, quota_renewal_rate: 3600 })
  for (let i = 0; i < 4; i++) await call(first.gh, '/a/', 'persistKey')
  await first.gh.close()
  const second = await setup(t, dir, clock)
  assert.equal((await call(second.gh, '/a/', 'persistKey')).remaining, '5')
})

async function startWithRealClock (t: { after: (fn: () => Promise<void>) => void }): Promise<{ gh: TestGatehouse }> {
  const upstream = await startEchoUpstream()
  const dir = tempDir()
  writeJson(join(dir, 'apps'), 'a.json', anApi({ api_id: 'a', listen_path: '/a/', target: upstream.url }))
  const gh = await startTestGatehouse({ app_path: join(dir, 'apps') })
  t.after(async () => { await gh.close(); await upstream.close() })
  return { gh }
}

test('GET /tyk/keys answers are reused only while nothing behind them changed', async (t) => {
  const { gh, clock } = await setup(t)
  await gh.admin('POST', '/tyk/policies', { id: 'watch', org_id: 'default', rate: 100, per: 1, quota_max: 5, quota_renewal_rate: 3600, tags: ['v1'], access_rights: rights('a') })
  const key = await newKey(gh, { org_id: 'default', apply_policies: ['watch'], access_rights: {} })
  const read = async (): Promise<{ text: string, quota_remaining: number, quota_max: number, tags: string[], quota_renews: number }> => {
    const res = await gh.admin('GET', `/tyk/keys/${key}`)
    assert.equal(res.status, 200)
    return { text: res.text, ...res.json as { quota_remaining: number, quota_max: number, tags: string[], quota_renews: number } }
  }
  const first = await read()
  assert.equal((await read()).text, first.text, 'nothing changed: the same answer')
  await call(gh, '/a/', key)
  assert.equal((await read()).quota_remaining, 4, 'traffic shows at once')
  await gh.admin('PUT', '/tyk/policies/watch', { id: 'watch', org_id: 'default', rate: 100, per: 1, quota_max: 9, quota_renewal_rate: 3600, tags: ['v2'], access_rights: rights('a') })
  const edited = await read()
  assert.deepEqual([edited.quota_max, edited.quota_remaining, edited.tags], [9, 8, ['v2']], 'a policy edit shows at once')
  await gh.admin('PUT', `/tyk/keys/${key}`, { org_id: 'default', apply_policies: ['watch'], access_rights: {}, tags: ['mine'] })
  assert.deepEqual((await read()).tags.sort(), ['mine', 'v2'], 'a key write shows at once')
  await call(gh, '/a/', key)
  assert.equal((await read()).quota_remaining, 8, 'the write reset the quota: one request used since')
  clock.nowMs += 3_600_001
  assert.notEqual((await read()).quota_remaining, 8, 'an ended period no longer shows its count')

  const never = await newKey(gh, { quota_max: 3, quota_renewal_rate: 0 })
  await call(gh, '/a/', never)
  const before = await gh.admin('GET', `/tyk/keys/${never}`)
  clock.nowMs += 5_000
  const later = await gh.admin('GET', `/tyk/keys/${never}`)
  assert.equal((later.json as { quota_renews: number }).quota_renews - (before.json as { quota_renews: number }).quota_renews, 5, 'a quota that never renews shows "now"')
})
