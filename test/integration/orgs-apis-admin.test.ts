import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/gatehouse.js'
import { tykFixture } from '../helpers/fixtures.js'
import { anApi, startEchoUpstream, writeJson, type EchoUpstream } from '../helpers/upstream.js'

async function setup (t: { after: (fn: () => Promise<void>) => void }, overrides: Record<string, unknown> = {}, withApi = true): Promise<{ gh: TestGatehouse, upstream: EchoUpstream, apps: string }> {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  if (withApi) writeJson(apps, 'test.json', anApi({ api_id: 'test', org_id: 'default', listen_path: '/sample/', target: upstream.url }))
  const gh = await startTestGatehouse({ app_path: apps, ...overrides })
  t.after(async () => { await gh.close(); await upstream.close() })
  return { gh, upstream, apps }
}

test('org sessions: POST, GET, PUT, list, DELETE with Tyk\'s shapes (spec 4.1, case 62)', async (t) => {
  let nowMs = Date.parse('2026-03-01T00:00:00Z')
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 'test.json', anApi({ api_id: 'test', listen_path: '/sample/', target: upstream.url }))
  const gh = await startTestGatehouse({ app_path: apps }, { clock: () => nowMs })
  t.after(async () => { await gh.close(); await upstream.close() })
  const org = '53ac07777cbb8c2d53000002'
  const body = { org_id: org, rate: 1000, per: 60, allowance: 1000, quota_max: 100000, quota_renewal_rate: 2592000, is_inactive: false, data_expires: 604800 }
  assert.deepEqual((await gh.admin('POST', `/tyk/org/keys/${org}?reset_quota=1`, body)).json, { key: org, status: 'ok', action: 'added' })
  const first = (await gh.admin('GET', `/tyk/org/keys/${org}`)).json as { last_updated: string, quota_renews: number, data_expires: number }
  assert.equal(first.last_updated, String(nowMs / 1000))
  assert.equal(first.quota_renews, nowMs / 1000 + 2592000, 'reset_quota=1 starts a new window')
  assert.equal(first.data_expires, 604800)
  nowMs += 1000
  assert.deepEqual((await gh.admin('PUT', `/tyk/org/keys/${org}`, body)).json, { key: org, status: 'ok', action: 'modified' })
  const second = (await gh.admin('GET', `/tyk/org/keys/${org}`)).json as { last_updated: string, quota_renews: number }
  assert.ok(Number(second.last_updated) > Number(first.last_updated), 'last_updated grows on every write')
  assert.equal(second.quota_renews, 0, 'without reset_quota the window is left alone (the body had none)')
  await gh.admin('POST', '/tyk/org/keys/other-org', { rate: 1 })
  assert.deepEqual((await gh.admin('GET', '/tyk/org/keys')).json, { keys: [org, 'other-org'].sort() })
  assert.deepEqual((await gh.admin('GET', '/tyk/org/keys?filter=53ac*')).json, { keys: [org] })
  assert.deepEqual((await gh.admin('DELETE', `/tyk/org/keys/${org}`)).json, { key: org, status: 'ok', action: 'deleted' })
  assert.deepEqual((await gh.admin('GET', `/tyk/org/keys/${org}`)).json, { status: 'error', message: 'Org not found' })
  const again = await gh.admin('DELETE', `/tyk/org/keys/${org}`)
  assert.deepEqual([again.status, (again.json as { message: string }).message], [400, 'Failed to remove the key'])
  assert.equal((await gh.admin('POST', '/tyk/org/keys')).status, 405)
  const bad = await gh.admin('POST', '/tyk/org/keys/x', { rate: 'fast' })
  assert.deepEqual([bad.status, (bad.json as { message: string }).message], [400, 'Request malformed'])
})

test('with no API loaded, org reads are Tyk\'s 404s (spec case 63)', async (t) => {
  const { gh } = await setup(t, {}, false)
  assert.equal((await gh.admin('POST', '/tyk/org/keys/default', { rate: 1 })).status, 200)
  assert.deepEqual((await gh.admin('GET', '/tyk/org/keys/default')).json, { status: 'error', message: 'Org not found' })
  assert.deepEqual((await gh.admin('GET', '/tyk/org/keys')).json, { status: 'error', message: 'ORG not found' })
})

test('an inactive org session stops its APIs on the next request when enforce_org_quotas is on', async (t) => {
  const { gh } = await setup(t, { enforce_org_quotas: true })
  const key = ((await gh.admin('POST', '/tyk/keys/create', { org_id: 'default', access_rights: { test: { api_id: 'test' } } })).json as { key: string }).key
  const call = async (): Promise<Response> => await fetch(`${gh.url}/sample/`, { headers: { authorization: key } })
  assert.equal((await call()).status, 200)
  await gh.admin('POST', '/tyk/org/keys/default', { org_id: 'default', is_inactive: true })
  const refused = await call()
  assert.equal(refused.status, 403)
  assert.deepEqual(await refused.json(), { error: 'this organisation access has been disabled, please contact your API administrator' })
  await gh.admin('PUT', '/tyk/org/keys/default', { org_id: 'default', is_inactive: false })
  assert.equal((await call()).status, 200)
  await gh.admin('PUT', '/tyk/org/keys/default', { org_id: 'default', is_inactive: true })
  await gh.admin('DELETE', '/tyk/org/keys/default')
  assert.equal((await call()).status, 200, 'deleting the org session lifts it at once')
})

test('/tyk/apis: writes go to app_path/<api_id>.json and are served after a reload', async (t) => {
  const { gh, upstream, apps } = await setup(t)
  const list = (await gh.admin('GET', '/tyk/apis')).json as Array<{ api_id: string }>
  assert.deepEqual(list.map((api) => api.api_id), ['test'])
  const created = await gh.admin('POST', '/tyk/apis', anApi({ api_id: '123', listen_path: '/new/', target: upstream.url, keyless: true, custom_field: { kept: true } }))
  assert.deepEqual(created.json, { key: '123', status: 'ok', action: 'added' })
  const file = JSON.parse(readFileSync(join(apps, '123.json'), 'utf8')) as { api_id: string, custom_field: unknown }
  assert.deepEqual([file.api_id, file.custom_field], ['123', { kept: true }])
  assert.equal((await gh.admin('GET', '/tyk/apis/123')).status, 404, 'served after a reload, as in Tyk')
  await gh.admin('GET', '/tyk/reload?block=true')
  assert.equal((await gh.admin('GET', '/tyk/apis/123')).status, 200)
  assert.equal((await fetch(`${gh.url}/new/x`)).status, 200)

  const generated = (await gh.admin('POST', '/tyk/apis', anApi({ api_id: '', listen_path: '/gen/', target: upstream.url }))).json as { key: string }
  assert.match(generated.key, /^[0-9a-f]{32}$/)
  assert.ok(existsSync(join(apps, `${generated.key}.json`)))

  const mismatch = await gh.admin('PUT', '/tyk/apis/123', anApi({ api_id: 'XXX', listen_path: '/new/', target: upstream.url }))
  assert.deepEqual([mismatch.status, (mismatch.json as { message: string }).message], [400, 'Request APIID does not match that in Definition! For Update operations these must match.'])
  assert.deepEqual((await gh.admin('PUT', '/tyk/apis/123', anApi({ api_id: '123', listen_path: '/renamed/', target: upstream.url, keyless: true }))).json, { key: '123', status: 'ok', action: 'modified' })
  for (const method of ['PUT', 'DELETE']) {
    const missing = await gh.admin(method, '/tyk/apis/non-existing-api-id', method === 'PUT' ? anApi({ api_id: 'non-existing-api-id', listen_path: '/x/', target: upstream.url }) : undefined)
    assert.deepEqual([missing.status, (missing.json as { message: string }).message], [404, 'API not found'], method)
  }
  assert.deepEqual((await gh.admin('DELETE', '/tyk/apis/123')).json, { key: '123', status: 'ok', action: 'deleted' })
  assert.equal(existsSync(join(apps, '123.json')), false)
  await gh.admin('GET', '/tyk/reload?block=true')
  assert.equal((await fetch(`${gh.url}/renamed/x`)).status, 404)
})

test('/tyk/apis refuses bad definitions and unsafe ids with Tyk\'s messages', async (t) => {
  const { gh, upstream } = await setup(t)
  const malformed = await gh.admin('POST', '/tyk/apis', undefined, { rawBody: '{' })
  assert.deepEqual([malformed.status, (malformed.json as { message: string }).message], [400, 'Request malformed'])
  const lb = await gh.admin('POST', '/tyk/apis', anApi({ api_id: 'lb', listen_path: '/lb/', target: upstream.url, proxy: { listen_path: '/lb/', target_url: upstream.url, enable_load_balancing: true, target_list: [] } }))
  assert.deepEqual([lb.status, (lb.json as { message: string }).message], [400, 'Validation of API Definition failed. Reason: all load balancing targets have weight 0, at least one target must have weight > 0.'])
  for (const apiId of ['..', 'a/b', 'a\\b', '%2e%2e', '%252F']) {
    const res = await gh.admin('POST', '/tyk/apis', anApi({ api_id: apiId, listen_path: '/x/', target: upstream.url }))
    assert.deepEqual([res.status, (res.json as { message: string }).message], [400, 'Invalid API ID'], apiId)
  }
  const wrongType = await gh.admin('POST', '/tyk/apis', { api_id: 'wt', proxy: { listen_path: 5, target_url: 'http://x' } })
  assert.equal(wrongType.status, 400)
  assert.deepEqual((await gh.admin('PUT', '/tyk/apis')).json, { status: 'error', message: 'Method not supported' })
})

test('the fixture API definitions load as they are', async (t) => {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  for (const name of ['app_sample.json', 'quickstart.json']) {
    const definition = JSON.parse(readFileSync(tykFixture(`tyk/apps/${name}`), 'utf8')) as { proxy: { target_url: string } }
    definition.proxy.target_url = upstream.url // the fixtures point at the internet
    writeJson(apps, name, definition)
  }
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => { await gh.close(); await upstream.close() })
  const ids = ((await gh.admin('GET', '/tyk/apis')).json as Array<{ api_id: string }>).map((api) => api.api_id).sort()
  assert.equal(ids.length, 2)
  const sample = (await gh.admin('GET', '/tyk/apis/1')).json as { proxy: { listen_path: string }, auth: { auth_header_name: string } }
  assert.equal(sample.proxy.listen_path, '/tyk-api-test/')
  assert.equal(sample.auth.auth_header_name, 'authorization')
  assert.equal((await fetch(`${gh.url}/tyk-api-test/get`)).status, 401, 'app_sample is a keyed API')
  writeFileSync(join(apps, 'zz-broken.json'), '{')
  await gh.admin('GET', '/tyk/reload?block=true')
  assert.equal(((await gh.admin('GET', '/tyk/apis')).json as unknown[]).length, 2)
})
