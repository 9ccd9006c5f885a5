import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startTestGatehouse, tempDir, type TestGatehouse } from '../helpers/gatehouse.js'
import { anApi, startEchoUpstream, writeJson, type EchoUpstream } from '../helpers/upstream.js'

interface Setup { gh: TestGatehouse, upstream: EchoUpstream, apps: string, policies: string }

async function setup (t: { after: (fn: () => Promise<void>) => void }, overrides: Record<string, unknown> = {}): Promise<Setup> {
  const upstream = await startEchoUpstream()
  const dir = tempDir()
  const apps = join(dir, 'apps')
  const policies = join(dir, 'policies.json')
  writeJson(apps, 'keyed.json', anApi({ api_id: 'keyed', listen_path: '/keyed/', target: upstream.url }))
  writeJson(apps, 'open.json', anApi({ api_id: 'open', listen_path: '/open/', target: upstream.url + '/base?fixed=1', keyless: true }))
  writeJson(apps, 'other.json', anApi({ api_id: 'other', org_id: 'org2', listen_path: '/other/', target: upstream.url }))
  writeJson(dir, 'policies.json', {
    gold: { org_id: 'default', rate: 100, per: 1, access_rights: { keyed: { api_id: 'keyed', versions: ['Default'] } }, tags: ['gold'] }
  })
  const gh = await startTestGatehouse({ app_path: apps, policies: { policy_source: 'file', policy_record_name: policies, policy_path: '', allow_explicit_policy_id: true }, ...overrides })
  t.after(async () => { await gh.close(); await upstream.close() })
  return { gh, upstream, apps, policies }
}

async function call (gh: TestGatehouse, path: string, init: RequestInit = {}): Promise<{ status: number, headers: Headers, text: string }> {
  const res = await fetch(gh.url + path, init)
  return { status: res.status, headers: res.headers, text: await res.text() }
}

test('a keyed API: 401 without a key, 403 for an unknown key, proxied with a good one', async (t) => {
  const { gh, upstream } = await setup(t)
  const missing = await call(gh, '/keyed/get')
  assert.equal(missing.status, 401)
  assert.equal(missing.text, '{\n    "error": "Authorization field missing"\n}')
  assert.equal(missing.headers.get('content-type'), 'application/json')
  assert.equal(missing.headers.get('x-generator'), 'tyk.io')
  const unknown = await call(gh, '/keyed/get', { headers: { authorization: 'no-such-key' } })
  assert.equal(unknown.status, 403)
  assert.deepEqual(JSON.parse(unknown.text), { error: 'Access to this API has been disallowed' })
  assert.equal(upstream.hits(), 0, 'rejected requests never reach the upstream')

  const created = (await gh.admin('POST', '/tyk/keys/create', { org_id: 'default', access_rights: { keyed: { api_id: 'keyed', versions: ['Default'] } } })).json as { key: string }
  for (const header of [created.key, `Bearer ${created.key}`, `bearer ${created.key}`]) {
    const ok = await call(gh, '/keyed/get/this?x=1', { headers: { authorization: header } })
    assert.equal(ok.status, 200, header)
    const echoed = JSON.parse(ok.text) as { url: string, headers: Record<string, string> }
    assert.equal(echoed.url, '/get/this?x=1', 'listen path stripped, query kept')
    assert.equal(echoed.headers['x-forwarded-for'], '127.0.0.1')
    assert.equal(echoed.headers.host, new URL(upstream.url).host, 'the upstream sees its own host, not the gateway\'s')
    assert.equal(ok.headers.get('x-upstream'), 'echo')
  }
  assert.equal(upstream.hits(), 3)
})

test('a keyless API proxies without a key, joining the target path and query', async (t) => {
  const { gh } = await setup(t)
  const res = await call(gh, '/open/items?page=2', { method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } })
  assert.equal(res.status, 200)
  const echoed = JSON.parse(res.text) as { url: string, method: string, body: string }
  assert.equal(echoed.url, '/base/items?fixed=1&page=2')
  assert.equal(echoed.method, 'POST')
  assert.equal(echoed.body, 'payload')
})

test('no API on the path: the router\'s plain 404', async (t) => {
  const { gh } = await setup(t)
  const res = await call(gh, '/nowhere')
  assert.equal(res.status, 404)
  assert.equal(res.text, 'Not Found')
})

test('expired and inactive keys get Tyk\'s messages; a key without the API is refused', async (t) => {
  const { gh } = await setup(t)
  const rights = { keyed: { api_id: 'keyed', versions: ['Default'] } }
  const expired = (await gh.admin('POST', '/tyk/keys/create', { access_rights: rights, expires: 1 })).json as { key: string }
  const inactive = (await gh.admin('POST', '/tyk/keys/create', { access_rights: rights, is_inactive: true, expires: 1 })).json as { key: string }
  const elsewhere = (await gh.admin('POST', '/tyk/keys/create', { access_rights: { other: { api_id: 'other' } } })).json as { key: string }
  const e = await call(gh, '/keyed/', { headers: { authorization: expired.key } })
  assert.equal(e.status, 401)
  assert.deepEqual(JSON.parse(e.text), { error: 'Key has expired, please renew' })
  const i = await call(gh, '/keyed/', { headers: { authorization: inactive.key } })
  assert.equal(i.status, 403)
  assert.deepEqual(JSON.parse(i.text), { error: 'Key is inactive, please renew' }, 'inactive is checked before expiry')
  const o = await call(gh, '/keyed/', { headers: { authorization: elsewhere.key } })
  assert.equal(o.status, 403)
  assert.deepEqual(JSON.parse(o.text), { error: 'Access to this API has been disallowed' })
})

test('key changes reach the gateway on the very next request', async (t) => {
  const { gh } = await setup(t)
  const rights = { keyed: { api_id: 'keyed', versions: ['Default'] } }
  await gh.admin('POST', '/tyk/keys/liveKey1', { access_rights: rights })
  assert.equal((await call(gh, '/keyed/', { headers: { authorization: 'liveKey1' } })).status, 200)
  await gh.admin('PUT', '/tyk/keys/liveKey1', { access_rights: rights, is_inactive: true })
  assert.equal((await call(gh, '/keyed/', { headers: { authorization: 'liveKey1' } })).status, 403)
  await gh.admin('DELETE', '/tyk/keys/liveKey1')
  const gone = await call(gh, '/keyed/', { headers: { authorization: 'liveKey1' } })
  assert.deepEqual(JSON.parse(gone.text), { error: 'Access to this API has been disallowed' })
})

test('a key of one org does not reach another org\'s API through a policy of its own org', async (t) => {
  const { gh } = await setup(t)
  const key = (await gh.admin('POST', '/tyk/keys/create', { org_id: 'default', apply_policies: ['gold'] })).json as { key: string }
  assert.equal((await call(gh, '/keyed/', { headers: { authorization: key.key } })).status, 200)
  assert.equal((await call(gh, '/other/', { headers: { authorization: key.key } })).status, 403)
})

test('policies from policies.json apply to keys; editing the file and reloading changes every key', async (t) => {
  const { gh, policies } = await setup(t)
  const key = (await gh.admin('POST', '/tyk/keys/create', { org_id: 'default', apply_policies: ['gold'] })).json as { key: string }
  const before = (await gh.admin('GET', `/tyk/keys/${key.key}`)).json as { rate: number, tags: string[], access_rights: Record<string, unknown> }
  assert.equal(before.rate, 100)
  assert.deepEqual(before.tags, ['gold'])
  assert.deepEqual(Object.keys(before.access_rights), ['keyed'])
  writeJson(join(policies, '..'), 'policies.json', { gold: { org_id: 'default', rate: 7, per: 1, is_inactive: true, access_rights: { keyed: { api_id: 'keyed', versions: ['Default'] } } } })
  assert.deepEqual((await gh.admin('GET', '/tyk/reload?block=true')).json, { status: 'ok', message: '' })
  assert.equal(((await gh.admin('GET', `/tyk/keys/${key.key}`)).json as { rate: number }).rate, 7)
  assert.equal((await call(gh, '/keyed/', { headers: { authorization: key.key } })).status, 403, 'the policy made the key inactive')
})

test('an upstream that refuses connections is Tyk\'s 500, not a crash', async (t) => {
  const { gh, apps } = await setup(t)
  writeJson(apps, 'dead.json', anApi({ api_id: 'dead', listen_path: '/dead/', target: 'http://127.0.0.1:1', keyless: true }))
  await gh.admin('GET', '/tyk/reload?block=true')
  const res = await call(gh, '/dead/x')
  assert.equal(res.status, 500)
  assert.deepEqual(JSON.parse(res.text), { error: 'There was a problem proxying the request' })
  assert.equal((await call(gh, '/open/x')).status, 200)
})

test('a bad API file is skipped and the others still load', async (t) => {
  const { gh, apps } = await setup(t)
  const { writeFileSync } = await import('node:fs')
  writeFileSync(join(apps, 'broken.json'), '{ not json')
  writeJson(apps, 'wrong-type.json', { api_id: 'wt', proxy: { listen_path: 5, target_url: 'http://x' } })
  await gh.admin('GET', '/tyk/reload?block=true')
  assert.equal((await call(gh, '/open/x')).status, 200)
})

test('keys from a query parameter or a cookie; strip_auth_data removes header, parameter and cookie', async (t) => {
  const upstream = await startEchoUpstream()
  const apps = join(tempDir(), 'apps')
  writeJson(apps, 's.json', anApi({ api_id: 's', listen_path: '/s/', target: upstream.url, strip_auth_data: true, auth: { auth_header_name: 'X-Key', use_param: true, param_name: 'key', use_cookie: true, cookie_name: 'session' } }))
  const gh = await startTestGatehouse({ app_path: apps })
  t.after(async () => { await gh.close(); await upstream.close() })
  await gh.admin('POST', '/tyk/keys/stripKey1', { access_rights: { s: { api_id: 's' } } })
  const echoed = async (path: string, headers: Record<string, string>): Promise<{ status: number, url?: string, headers?: Record<string, string> }> => {
    const res = await fetch(gh.url + path, { headers })
    return res.status === 200 ? { status: 200, ...(await res.json() as { url: string, headers: Record<string, string> }) } : { status: res.status }
  }
  const byHeader = await echoed('/s/a?z=1&y=2', { 'x-key': 'stripKey1' })
  assert.equal(byHeader.status, 200)
  assert.equal(byHeader.headers?.['x-key'], undefined, 'the header is stripped')
  assert.equal(byHeader.url, '/a?z=1&y=2', 'a query without the parameter is left as it is')
  const byParam = await echoed('/s/a?z=1&key=stripKey1&y=2', {})
  assert.equal(byParam.status, 200)
  assert.equal(byParam.url, '/a?y=2&z=1', 'the parameter is removed and the query re-encoded, sorted')
  const byCookie = await echoed('/s/a', { cookie: 'theme=dark; session=stripKey1; lang=en' })
  assert.equal(byCookie.status, 200)
  assert.equal(byCookie.headers?.cookie, 'theme=dark; lang=en')
  assert.equal((await echoed('/s/a', { authorization: 'stripKey1' })).status, 401, 'the API reads X-Key, not Authorization')
})
