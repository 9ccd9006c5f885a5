import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startTestGatehouse, tempDir } from '../helpers/gatehouse.js'
import { anApi, startEchoUpstream, writeJson } from '../helpers/upstream.js'

test('org sessions limit every key of the org when enforce_org_quotas is on (403s, before auth)', async (t) => {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'a.json', anApi({ api_id: 'a', org_id: 'acme', listen_path: '/a/', target: upstream.url }))
  const gh = await startTestGatehouse({ app_path: apps, enforce_org_quotas: true })
  t.after(async () => { await gh.close(); await upstream.close() })
  const keys = await Promise.all([1, 2].map(async () => ((await gh.admin('POST', '/tyk/keys/create', { org_id: 'acme', access_rights: { a: { api_id: 'a' } } })).json as { key: string }).key))
  const call = async (key: string): Promise<{ status: number, error?: string }> => {
    const res = await fetch(`${gh.url}/a/`, { headers: { authorization: key } })
    return res.status === 200 ? { status: 200 } : { status: res.status, error: (await res.json() as { error: string }).error }
  }
  await gh.admin('POST', '/tyk/org/keys/acme?reset_quota=1', { org_id: 'acme', quota_max: 3, quota_renewal_rate: 3600 })
  assert.deepEqual([(await call(keys[0] ?? '')).status, (await call(keys[1] ?? '')).status, (await call(keys[0] ?? '')).status], [200, 200, 200])
  assert.deepEqual(await call(keys[1] ?? ''), { status: 403, error: 'This organisation quota has been exceeded, please contact your API administrator' }, 'one quota for the whole org')
  assert.equal((await call('no-such-key')).error, 'This organisation quota has been exceeded, please contact your API administrator', 'checked before auth, as in Tyk')
  await gh.admin('PUT', '/tyk/org/keys/acme?reset_quota=1', { org_id: 'acme', rate: 2, per: 60 })
  assert.deepEqual([(await call(keys[0] ?? '')).status, (await call(keys[1] ?? '')).status], [200, 200], 'reset_quota=1 and the quota removed')
  assert.deepEqual(await call(keys[0] ?? ''), { status: 403, error: 'This organisation rate limit has been exceeded, please contact your API administrator' })
})

test('global_rate_limit: one API-wide limit for every client, keyless APIs included', async (t) => {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'open.json', anApi({ api_id: 'open', listen_path: '/open/', target: upstream.url, keyless: true, global_rate_limit: { rate: 3, per: 60 } }))
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => { await gh.close(); await upstream.close() })
  const statuses: number[] = []
  for (let i = 0; i < 5; i++) statuses.push((await fetch(`${gh.url}/open/`, { headers: { 'x-client': String(i) } })).status)
  assert.deepEqual(statuses, [200, 200, 200, 429, 429])
  const blocked = await fetch(`${gh.url}/open/`)
  assert.deepEqual(await blocked.json(), { error: 'API Rate Limit Exceeded' })
  assert.equal(upstream.hits(), 3)
  await gh.admin('GET', '/tyk/reload?block=true')
  assert.equal((await fetch(`${gh.url}/open/`)).status, 200, 'a reload starts the API-wide window afresh, as in Tyk')
})
