import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/gatehouse.js'
import { anApi, startEchoUpstream, writeJson, type EchoUpstream } from '../helpers/upstream.js'

/** A keyed API at /api/ whose one version ("Default", or those given) carries `lists`. */
async function setup (t: { after: (fn: () => Promise<void>) => void }, versions: Record<string, Record<string, unknown>>, extra: Record<string, unknown> = {}): Promise<{ gh: TestGatehouse, upstream: EchoUpstream }> {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  const named = Object.fromEntries(Object.entries(versions).map(([name, info]) => [name, { name, ...info }]))
  writeJson(apps, 'api.json', anApi({ api_id: 'api', listen_path: '/api/', target: upstream.url, version_data: { not_versioned: Object.keys(versions).length === 1, versions: named }, ...extra }))
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => { await gh.close(); await upstream.close() })
  return { gh, upstream }
}

async function call (gh: TestGatehouse, path: string, init: RequestInit = {}): Promise<{ status: number, text: string, headers: Headers }> {
  const res = await fetch(`${gh.url}${path}`, init)
  return { status: res.status, text: await res.text(), headers: res.headers }
}

test('black_list entries answer Tyk\'s 403 before authentication, by path pattern and exact method', async (t) => {
  const { gh, upstream } = await setup(t, {
    Default: {
      use_extended_paths: true,
      extended_paths: {
        black_list: [
          { path: '/admin', method: 'DELETE' },
          { path: '/secret/{id}', method: '' },
          { path: '/off', method: 'GET', disabled: true }
        ]
      }
    }
  })
  const refused = await call(gh, '/api/admin/users', { method: 'DELETE' })
  assert.equal(refused.status, 403)
  assert.deepEqual(JSON.parse(refused.text), { error: 'Requested endpoint is forbidden' })
  assert.equal((await call(gh, '/api/admin/users')).status, 401, 'GET is not listed: on to authentication')
  assert.equal((await call(gh, '/api/secret/42', { method: 'POST' })).status, 403, 'an empty method is any method')
  assert.equal((await call(gh, '/api/off')).status, 401, 'disabled entries are dropped')
  assert.equal(upstream.hits(), 0)
})

test('white_list: only listed paths and methods pass; everything else is forbidden', async (t) => {
  const { gh } = await setup(t, { Default: { use_extended_paths: true, extended_paths: { white_list: [{ path: '/public', method: 'GET' }] } } })
  assert.equal((await call(gh, '/api/public/a')).status, 401, 'allowed by the list, then the key is missing')
  assert.equal((await call(gh, '/api/other')).status, 403)
  assert.equal((await call(gh, '/api/public/a', { method: 'POST' })).status, 403)
})

test('ignored paths skip the key and its limits: no key needed, no quota used, recorded without a key', async (t) => {
  const { gh, upstream } = await setup(t, { Default: { use_extended_paths: true, ignore_endpoint_case: false, extended_paths: { ignored: [{ path: '/health', method: 'GET', ignore_case: true }] } } })
  const open = await call(gh, '/api/HEALTH')
  assert.equal(open.status, 200, 'proxied without a key (ignore_case)')
  assert.equal(upstream.hits(), 1)
  const created = (await gh.admin('POST', '/tyk/keys/create', { org_id: 'default', quota_max: 5, quota_renewal_rate: 3600, access_rights: { api: { api_id: 'api' } } })).json as { key: string, key_hash: string }
  assert.equal((await call(gh, '/api/health', { headers: { authorization: created.key } })).status, 200)
  assert.equal((await call(gh, '/api/health', { headers: { authorization: 'not-a-key' } })).status, 200, 'a bad key is not even read')
  assert.equal((await call(gh, '/api/other', { headers: { authorization: created.key } })).status, 200)
  const key = (await gh.admin('GET', `/tyk/keys/${created.key}`)).json as { quota_remaining: number }
  assert.equal(key.quota_remaining, 4, 'only the request outside the ignored path counted')
  const records = (await gh.admin('GET', '/tyk/analytics/records?api_id=api&limit=100')).json as { records: Array<{ api_key: string, path: string }> }
  assert.deepEqual(records.records.map((r) => [r.path, r.api_key === '' ? 'no key' : 'key']), [['/HEALTH', 'no key'], ['/health', 'no key'], ['/health', 'no key'], ['/other', 'key']])
})

test('method_actions: reply answers directly, no_action keeps the list\'s meaning, other methods fall through', async (t) => {
  const { gh, upstream } = await setup(t, {
    Default: {
      use_extended_paths: true,
      extended_paths: {
        black_list: [
          { path: '/mock', method: 'POST', method_actions: { GET: { action: 'reply', code: 202, data: 'mocked', headers: { 'x-mock': 'yes', 'bad header': 'x', 'x-bad-value': 'a\nb' } }, PUT: { action: 'no_action' } } }
        ]
      }
    }
  })
  const mocked = await call(gh, '/api/mock')
  assert.deepEqual([mocked.status, mocked.text, mocked.headers.get('x-mock'), mocked.headers.get('x-bad-value')], [202, 'mocked', 'yes', null], 'headers Node cannot write are dropped, not fatal')
  assert.equal((await call(gh, '/api/mock', { method: 'PUT' })).status, 403)
  assert.equal((await call(gh, '/api/mock', { method: 'POST' })).status, 401, 'method is ignored in this form: POST is not a key of method_actions')
  assert.equal(upstream.hits(), 0)
})

test('legacy paths lists (use_extended_paths false) and per-version lists', async (t) => {
  const { gh } = await setup(t, {
    v1: { paths: { black_list: ['/old'], ignored: [], white_list: [] } },
    v2: { use_extended_paths: true, extended_paths: { black_list: [] } }
  }, { definition: { location: 'header', key: 'x-api-version' } })
  assert.equal((await call(gh, '/api/old/x', { headers: { 'x-api-version': 'v1' } })).status, 403)
  assert.equal((await call(gh, '/api/old/x', { method: 'PATCH', headers: { 'x-api-version': 'v1' } })).status, 403, 'legacy entries cover every method')
  assert.equal((await call(gh, '/api/old/x', { headers: { 'x-api-version': 'v2' } })).status, 401, 'v2 lists nothing')
})
